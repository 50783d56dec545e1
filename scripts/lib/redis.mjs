// Redis for `npm start` / `npm test` / the benchmark: Debian's redis-server as a
// child process (installed with apt-get when missing and we are root).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { onExit } from './exit.mjs';
import { findExecutable, isRoot, runPrefixed } from './executables.mjs';
import { LineTail, fileTail, indent } from './output.mjs';
import { NO_GUARDIAN, guard, reclaimPidFile, sleep } from './supervision.mjs';

/**
 * @typedef {object} RedisServer
 * @property {string} url redis://127.0.0.1:<port>
 * @property {number} port
 * @property {number | undefined} pid
 * @property {() => Promise<void>} stop stops the server (once; later calls wait for the first)
 */

const REDIS_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];
/** @type {Promise<string> | undefined} */
let redisInstall;

/**
 * Path of the redis-server binary. Installs Debian's `redis-server` package
 * with apt-get when it is missing and we are root; throws otherwise.
 * @returns {Promise<string>}
 */
export async function ensureRedisServer() {
  const found = findExecutable('redis-server', REDIS_DIRS);
  if (found) return found;
  redisInstall ??= installRedisServer().finally(() => {
    redisInstall = undefined;
  });
  return redisInstall;
}

/** @returns {Promise<string>} */
async function installRedisServer() {
  const aptGet = process.platform === 'linux' ? findExecutable('apt-get', REDIS_DIRS) : null;
  if (!isRoot() || !aptGet) {
    throw new Error(
      'redis-server was not found (looked in PATH, /usr/bin, /usr/sbin). Install it ' +
        '(Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) ' +
        'or set REDIS_URL to an existing Redis (redis://host:port).',
    );
  }
  console.log('[infra] redis-server not found; installing the Debian package once (apt-get update && apt-get install redis-server)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Keep the package from starting a system-wide redis on 6379: invoke-rc.d
  // and deb-systemd-invoke honour policy-rc.d's exit code 101 ("not allowed").
  const policy = '/usr/sbin/policy-rc.d';
  let createdPolicy = false;
  if (!existsSync(policy)) {
    try {
      writeFileSync(policy, '#!/bin/sh\n# temporary, from drehscheibe scripts/lib/redis.mjs\nexit 101\n', { mode: 0o755 });
      createdPolicy = true;
    } catch {
      // not fatal: without systemd nothing starts the service anyway
    }
  }
  // -q and Use-Pty=0: no progress bars / "Reading database ... 5%" lines in our log.
  const lockWait = ['-q', '-o', 'DPkg::Lock::Timeout=120', '-o', 'Dpkg::Use-Pty=0'];
  try {
    try {
      await runPrefixed(aptGet, ['update', ...lockWait], '[apt] ', env);
    } catch (e) {
      // Stale or unreachable mirrors: the package may still be installable from the existing lists.
      console.log(`[infra] ${/** @type {Error} */ (e).message}; trying the install anyway`);
    }
    await runPrefixed(aptGet, ['install', '-y', '--no-install-recommends', ...lockWait, 'redis-server'], '[apt] ', env);
  } catch (e) {
    throw new Error(
      `Installing redis-server with apt-get failed: ${/** @type {Error} */ (e).message}. Install it yourself (apt-get install redis-server) or set REDIS_URL to an existing Redis.`,
      { cause: e },
    );
  } finally {
    if (createdPolicy) rmSync(policy, { force: true });
  }
  const installed = findExecutable('redis-server', REDIS_DIRS);
  if (!installed) throw new Error('apt-get installed redis-server, but no redis-server binary was found in PATH, /usr/bin or /usr/sbin.');
  console.log(`[infra] installed ${installed}`);
  return installed;
}

/**
 * Sends PING over a raw socket; true when the answer is +PONG.
 * @param {number} port
 * @param {string} [host]
 * @param {number} [timeoutMs]
 * @returns {Promise<boolean>}
 */
export function pingRedis(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    let answer = '';
    let done = false;
    /** @param {boolean} ok */
    const finish = (ok) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(ok);
    };
    const socket = createConnection({ port, host });
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d;
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/**
 * Starts redis-server as a child process (not daemonized) with AOF
 * (appendfsync everysec), noeviction and no RDB snapshots, and waits until it
 * answers PING.
 * @param {object} options
 * @param {string} options.dir data + AOF; created
 * @param {number} options.port
 * @param {string} [options.logFile] default <dir>/redis.log
 * @param {number} [options.timeoutMs] startup, default 15000
 * @returns {Promise<RedisServer>}
 */
export async function startRedis({ dir, port, logFile, timeoutMs = 15_000 }) {
  if (!dir || !port) throw new Error('startRedis needs { dir, port }');
  const binary = await ensureRedisServer();
  dir = resolvePath(dir);
  mkdirSync(dir, { recursive: true });
  const log = resolvePath(logFile ?? join(dir, 'redis.log'));
  mkdirSync(dirname(log), { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  await reclaimPidFile({
    pidFile,
    matches: (cmd) => cmd.includes('redis-server'),
    what: 'redis-server',
    stopSignal: 'SIGTERM',
    graceMs: 10_000,
  });

  // prettier-ignore
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction', '--save', '',
    '--protected-mode', 'yes', '--loglevel', 'warning',
    '--daemonize', 'no', '--pidfile', pidFile, '--logfile', log,
  ];
  const started = Date.now();
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new LineTail(30); // what redis prints before its log file is open
  child.stdout.on('data', (d) => output.push(d));
  child.stderr.on('data', (d) => output.push(d));
  /** @type {Error | undefined} */
  let spawnError;
  child.once('error', (e) => {
    spawnError = e;
  });
  const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
  const isRunning = () => child.exitCode === null && child.signalCode === null && !spawnError;
  const guardian = child.pid ? guard(child.pid, 'SIGTERM', 5000) : NO_GUARDIAN;

  /** @type {Promise<void> | undefined} */
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (isRunning()) {
        child.kill('SIGTERM'); // synchronous part: this is all the 'exit' hook gets
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      guardian.disarm();
      unregister();
    })();
    return stopping;
  };
  const unregister = onExit(stop);

  /** @param {string} why */
  const problem = (why) => new Error(`redis-server on port ${port} ${why}.\n  output:\n${indent(output.text())}\n  ${log}:\n${indent(fileTail(log, 12))}`);
  const deadline = started + timeoutMs;
  while (!(await pingRedis(port))) {
    if (!isRunning()) {
      await stop();
      throw problem(spawnError ? `could not be started (${spawnError.message})` : `exited during startup (${child.exitCode ?? child.signalCode})`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw problem(`did not answer PING within ${timeoutMs / 1000} s`);
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop };
}
