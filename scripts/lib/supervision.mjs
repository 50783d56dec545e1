// Supervising server processes: whether a pid is alive, pid files left by a
// killed earlier run, and the "guardian" that stops a server when this process
// dies in any way.
//
// The guardian is a tiny detached `sh` that holds the read end of a pipe from
// this process. When this process dies (including SIGKILL), the pipe closes,
// and the guardian stops the server (SIGTERM/SIGINT, then SIGKILL after a grace
// period). Clean shutdowns disarm it first.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @typedef {{ state: string, ppid: number, cmdline: string }} ProcInfo */
/** @typedef {{ disarm(): void }} Guardian */

/**
 * Linux /proc view of a process, or null.
 * @param {number} pid
 * @returns {ProcInfo | null}
 */
function procInfo(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      // kernel thread or gone
    }
    return { state: fields[0], ppid: Number(fields[1]), cmdline };
  } catch {
    return null;
  }
}

/**
 * Alive = exists and is not a zombie.
 * @param {number} pid
 */
export function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EPERM') return false;
  }
  const info = procInfo(pid);
  return !(info && info.state === 'Z');
}

/**
 * @param {number} pid
 * @param {number} ms
 * @returns {Promise<boolean>} whether it died within `ms`
 */
async function waitForDeath(pid, ms) {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * @param {number} pid
 * @param {NodeJS.Signals} sig
 */
function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Deals with a pid file left by an earlier run of a server over the same
 * directory. Returns once nothing else owns it:
 *  - pid dead, or the pid now belongs to an unrelated process: the file is removed;
 *  - a matching server whose parent is gone (orphan of a killed run): it is stopped;
 *  - a matching server with a live parent (another run is using it): throws.
 * @param {{ pidFile: string, matches: (cmdline: string) => boolean, what: string, stopSignal: NodeJS.Signals, graceMs: number }} options
 */
export async function reclaimPidFile({ pidFile, matches, what, stopSignal, graceMs }) {
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  const info = process.platform === 'linux' ? procInfo(pid) : undefined;
  const alive = isAlive(pid);
  const same = alive && (info === undefined || (info !== null && matches(info.cmdline)));
  if (!same) {
    rmSync(pidFile, { force: true });
    return;
  }
  const orphan = info && (info.ppid === 1 || !isAlive(info.ppid));
  if (!orphan) {
    throw new Error(
      `${what} (pid ${pid}) from another run is still using ${dirname(pidFile)}. ` + `Stop that run first (or kill ${pid}), or use a different directory.`,
    );
  }
  console.log(`[infra] stopping ${what} (pid ${pid}) left over from an earlier run`);
  signal(pid, stopSignal);
  if (!(await waitForDeath(pid, graceMs))) {
    signal(pid, 'SIGKILL');
    await waitForDeath(pid, 5000);
  }
  if (existsSync(pidFile) && !isAlive(pid)) rmSync(pidFile, { force: true });
}

/** A guardian that guards nothing (no `sh` here). */
export const NO_GUARDIAN = Object.freeze({ disarm() {} });

/**
 * Starts a detached `sh` that stops `pid` once this process is gone (its stdin
 * pipe reaches EOF): `sig`, then SIGKILL after `graceMs`. disarm() removes it.
 * @param {number} pid
 * @param {NodeJS.Signals} sig
 * @param {number} graceMs
 * @returns {Guardian}
 */
export function guard(pid, sig, graceMs) {
  if (process.platform === 'win32' || !existsSync('/bin/sh')) return NO_GUARDIAN;
  const name = sig.replace(/^SIG/, '');
  const steps = Math.max(1, Math.ceil(graceMs / 100));
  const script =
    `read _ignored; kill -${name} ${pid} 2>/dev/null || exit 0; i=0; ` +
    `while kill -0 ${pid} 2>/dev/null && [ $i -lt ${steps} ]; do sleep 0.1; i=$((i+1)); done; ` +
    `kill -KILL ${pid} 2>/dev/null; exit 0`;
  /** @type {import('node:child_process').ChildProcessByStdio<import('node:stream').Writable, null, null>} */
  let guardian;
  try {
    guardian = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  } catch {
    return NO_GUARDIAN;
  }
  guardian.on('error', () => undefined);
  guardian.stdin.on('error', () => undefined);
  guardian.unref();
  /** @type {{ unref?: () => void }} */ (guardian.stdin).unref?.();
  return {
    disarm() {
      // Kill it first: closing its stdin would make it stop the server.
      if (guardian.exitCode === null && guardian.signalCode === null) guardian.kill('SIGKILL');
    },
  };
}
