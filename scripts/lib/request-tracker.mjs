// Request Tracker 5 for the system tests (`npm run test:systems`): Debian's
// request-tracker5 with SQLite and the standalone server, installed with
// apt-get when missing and we are root. test/systems/support/rt-instance.ts
// starts the instances; this only makes sure the programs are there.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { findExecutable, isRoot, runPrefixed } from './executables.mjs';

export const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const PACKAGES = ['request-tracker5', 'rt5-db-sqlite', 'rt5-standalone', 'dbconfig-no-thanks'];
const INSTALL = `apt-get install --no-install-recommends ${PACKAGES.join(' ')}`;

/**
 * Makes sure RT 5 is installed: returns at once when rt-server is there,
 * otherwise runs `apt-get update` and installs the packages (about a minute),
 * or throws saying what to do when that is not possible.
 * @returns {Promise<void>}
 */
export async function ensureRequestTracker() {
  if (existsSync(RT_SERVER)) return;
  const aptGet = process.platform === 'linux' ? findExecutable('apt-get', ['/usr/bin', '/usr/sbin']) : null;
  if (!aptGet) {
    throw new Error(
      `Request Tracker 5 is not installed (${RT_SERVER} is missing) and there is no apt-get here: the system tests need Debian's ${PACKAGES.join(', ')}.`,
    );
  }
  if (!isRoot()) {
    throw new Error(
      `Request Tracker 5 is not installed (${RT_SERVER} is missing). Install it as root (sudo ${INSTALL}) or run \`npm run test:systems\` as root.`,
    );
  }
  console.log(`[infra] Request Tracker 5 not found; installing it once (apt-get update && ${INSTALL})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // As for redis-server: keep the packages from starting system-wide services.
  const policy = '/usr/sbin/policy-rc.d';
  let createdPolicy = false;
  if (!existsSync(policy)) {
    try {
      writeFileSync(policy, '#!/bin/sh\n# temporary, from drehscheibe scripts/lib/request-tracker.mjs\nexit 101\n', { mode: 0o755 });
      createdPolicy = true;
    } catch {
      // not fatal: without systemd nothing starts a service anyway
    }
  }
  const quiet = ['-q', '-o', 'DPkg::Lock::Timeout=120', '-o', 'Dpkg::Use-Pty=0'];
  const started = Date.now();
  try {
    try {
      await runPrefixed(aptGet, ['update', ...quiet], '[apt] ', env);
    } catch (e) {
      console.log(`[infra] ${/** @type {Error} */ (e).message}; trying the install anyway`);
    }
    await runPrefixed(aptGet, ['install', '-y', '--no-install-recommends', ...quiet, ...PACKAGES], '[apt] ', env);
  } catch (e) {
    throw new Error(`Installing Request Tracker 5 with apt-get failed: ${/** @type {Error} */ (e).message}. Install it yourself: ${INSTALL}`, { cause: e });
  } finally {
    if (createdPolicy) rmSync(policy, { force: true });
  }
  if (!existsSync(RT_SERVER)) throw new Error(`apt-get installed ${PACKAGES.join(', ')}, but ${RT_SERVER} is still missing.`);
  console.log(`[infra] installed Request Tracker 5 in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
