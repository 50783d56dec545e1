// Self-test of scripts/lib/infra.mjs against real servers:
//   node scripts/lib/infra.selftest.mjs [--dir DIR] [--keep] [--quick]
// Starts Redis and PostgreSQL in a temporary directory (or DIR, which is kept
// and reused by a later run) on free ports and checks: PING, AOF persistence,
// createDatabase/dropDatabase, `select 1`, reuse of an initialised data
// directory, stale postmaster.pid files (dead pid, pid reused by another
// process, postmaster killed with SIGKILL), and that both servers stop when
// their parent process is terminated or killed. --quick skips the
// parent-death checks. Exits non-zero on failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureRedisServer, findFreePort, runExitHandlers, startPostgres, startRedis } from './infra.mjs';

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const self = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------

/** @typedef {{ dir: string | undefined, keep: boolean, quick: boolean }} Options */
/** @typedef {import('./redis.mjs').RedisServer} RedisServer */
/** @typedef {import('./postgres.mjs').PostgresServer} PostgresServer */

function args() {
  const argv = process.argv.slice(2);
  /** @type {Options} */
  const opts = { dir: undefined, keep: false, quick: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dir') opts.dir = resolve(argv[++i]);
    else if (argv[i] === '--keep') opts.keep = true;
    else if (argv[i] === '--quick') opts.quick = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

/** @type {{ name: string, ms: number, ok: boolean }[]} */
const results = [];
/**
 * @template T
 * @param {string} name
 * @param {() => Promise<T> | T} fn
 * @returns {Promise<T>}
 */
async function step(name, fn) {
  const t0 = performance.now();
  try {
    const note = await fn();
    const ms = performance.now() - t0;
    results.push({ name, ms, ok: true });
    console.log(`  ok   ${name.padEnd(58)} ${fmt(ms)}${note ? `  (${note})` : ''}`);
    return note;
  } catch (e) {
    const ms = performance.now() - t0;
    results.push({ name, ms, ok: false });
    console.log(`  FAIL ${name.padEnd(58)} ${fmt(ms)}`);
    throw e;
  }
}
/**
 * A step that starts a server; returns the server, with `note(server)` printed beside the step.
 * @template T
 * @param {string} name
 * @param {() => Promise<T>} start
 * @param {(server: T) => string} [note]
 * @returns {Promise<T>}
 */
async function startStep(name, start, note) {
  /** @type {T | undefined} */
  let server;
  await step(name, async () => {
    server = await start();
    return note?.(server);
  });
  return /** @type {T} */ (server);
}
/** @param {number} ms */
const fmt = (ms) => `${(ms / 1000).toFixed(2).padStart(6)} s`;

/**
 * @param {unknown} condition
 * @param {string} message
 * @returns {asserts condition}
 */
function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** One command over RESP on a raw socket; returns the first reply line's value. */
/**
 * @param {number} port
 * @param {...(string | number)} parts
 * @returns {Promise<any>}
 */
function redisCommand(port, ...parts) {
  return new Promise((resolvePromise, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('redis timeout')));
    socket.on('connect', () => socket.write(`*${parts.length}\r\n` + parts.map((p) => `$${Buffer.byteLength(String(p))}\r\n${p}\r\n`).join('')));
    socket.on('data', (d) => {
      data += d;
      const lines = data.split('\r\n');
      const type = data[0];
      if (type === '*') {
        const n = Number(lines[0].slice(1));
        if (lines.length >= 2 + 2 * n) return done(Array.from({ length: n }, (_, i) => lines[2 + 2 * i]));
      } else if (type === '$') {
        if (lines[0] === '$-1') return done(null);
        if (lines.length >= 3) return done(lines[1]);
      } else if (lines.length >= 2) {
        if (type === '-') return fail(new Error(lines[0]));
        return done(lines[0].slice(1));
      }
    });
    socket.on('error', reject);
    /** @param {unknown} v */
    function done(v) {
      socket.end();
      resolvePromise(v);
    }
    /** @param {Error} e */
    function fail(e) {
      socket.end();
      reject(e);
    }
  });
}

/**
 * @param {string} url
 * @param {string} sql
 * @param {unknown[]} [params]
 * @returns {Promise<any[]>}
 */
async function query(url, sql, params) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** @param {number | undefined} pid */
function isAlive(pid) {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/**
 * @param {number} pid
 * @param {number} ms
 */
async function waitDead(pid, ms) {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Pids of the guardian shells that watch `pid` (Linux /proc scan). */
/** @param {number} pid */
function guardiansOf(pid) {
  /** @type {number[]} */
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.startsWith('/bin/sh') && cmd.includes(`read _ignored; kill -`) && cmd.includes(` ${pid} 2>/dev/null || exit 0`)) {
        found.push(Number(name));
      }
    } catch {
      // gone
    }
  }
  return found;
}

/** Runs this file in --child mode; resolves with the child and the pids it reports. */
/**
 * @param {string} dir
 * @param {number} redisPort
 * @param {number} pgPort
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, redisPid: number, pgPid: number }>}
 */
function startChild(dir, redisPort, pgPort) {
  const child = spawn(process.execPath, [self, '--child', dir, String(redisPort), String(pgPort)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolvePromise({ child, ...JSON.parse(line) });
    });
    child.once('exit', (code, sig) => reject(new Error(`child exited early (${sig ?? code}): ${out}`)));
  });
}

async function main() {
  const opts = args();
  const base = opts.dir ?? mkdtempSync(join(tmpdir(), 'drehscheibe-infra-selftest-'));
  mkdirSync(base, { recursive: true });
  const keep = opts.keep || Boolean(opts.dir);
  const pgDir = join(base, 'pg');
  const redisDir = join(base, 'redis');
  const reused = existsSync(join(pgDir, 'PG_VERSION'));
  console.log(`infra self-test in ${base}${reused ? ' (PostgreSQL data directory exists: reuse)' : ''}`);
  const started = performance.now();
  let failed = false;

  try {
    const redisBinary = await step('ensureRedisServer', ensureRedisServer);
    console.log(`       redis-server: ${redisBinary}`);
    await sequence(base, pgDir, redisDir, reused, opts);
  } catch (e) {
    failed = true;
    console.error(`\n${/** @type {any} */ (e)?.stack ?? e}`);
  }

  await runExitHandlers();
  if (!keep) rmSync(base, { recursive: true, force: true });
  const total = performance.now() - started;
  console.log(
    `\n${failed ? 'FAILED' : 'passed'}: ${results.filter((r) => r.ok).length}/${results.length} steps in ${(total / 1000).toFixed(1)} s` +
      (keep ? `; data kept in ${base}` : ''),
  );
  // Explicit: never rely on process.exitCode (see infra.mjs on async-exit-hook).
  process.exit(failed ? 1 : 0);
}

/**
 * @param {string} base
 * @param {string} pgDir
 * @param {string} redisDir
 * @param {boolean} reused
 * @param {Options} opts
 */
async function sequence(base, pgDir, redisDir, reused, opts) {
  // --- Redis: PING, AOF persistence across a restart --------------------------
  /** @type {RedisServer} */
  let redis;
  redis = await startStep('startRedis', async () => startRedis({ dir: redisDir, port: await findFreePort() }));
  await step('redis PING (raw socket)', async () => assert((await redisCommand(redis.port, 'PING')) === 'PONG', 'PONG'));
  const token = `t-${Date.now()}`;
  await step('redis SET + config check', async () => {
    assert((await redisCommand(redis.port, 'SET', 'selftest:token', token)) === 'OK', 'SET');
    for (const [key, want] of [
      ['appendonly', 'yes'],
      ['appendfsync', 'everysec'],
      ['maxmemory-policy', 'noeviction'],
      ['save', ''],
      ['bind', '127.0.0.1'],
    ]) {
      const [, got] = await redisCommand(redis.port, 'CONFIG', 'GET', key);
      assert(got === want, `${key} = ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  });
  await step('redis stop', () => redis.stop());
  assert(!isAlive(redis.pid), 'redis pid gone after stop');
  redis = await startStep('redis restart on the same dir', async () => startRedis({ dir: redisDir, port: await findFreePort() }));
  await step('redis value survived restart (AOF)', async () =>
    assert((await redisCommand(redis.port, 'GET', 'selftest:token')) === token, 'GET returns the token'),
  );
  await redis.stop();

  // --- PostgreSQL: first start (init unless reused), databases, select 1 ----
  /** @type {PostgresServer} */
  let db;
  db = await startStep(
    reused ? 'startPostgres (reused data dir)' : 'startPostgres (fresh: initdb + start)',
    async () => startPostgres({ dir: pgDir, port: await findFreePort() }),
    (db) => `init ${db.timings.initMs} ms, start ${db.timings.startMs} ms`,
  );
  assert(reused ? db.timings.initMs === 0 : db.timings.initMs > 0, 'initdb ran exactly when needed');
  await step('createDatabase x2 (idempotent)', async () => {
    await db.createDatabase('selftest');
    await db.createDatabase('selftest');
  });
  await step('select 1 via pg', async () => {
    const rows = await query(db.url('selftest'), 'select 1 as one');
    assert(rows[0].one === 1, 'select 1');
  });
  await step('create table + insert', async () => {
    await query(db.url('selftest'), 'create table if not exists marks (token text primary key)');
    await query(db.url('selftest'), 'insert into marks values ($1)', [token]);
  });
  await step('dropDatabase (+ again: idempotent)', async () => {
    await db.createDatabase('selftest_drop');
    await db.dropDatabase('selftest_drop');
    await db.dropDatabase('selftest_drop');
    const rows = await query(db.url('postgres'), "select count(*)::int as n from pg_database where datname = 'selftest_drop'");
    assert(rows[0].n === 0, 'dropped');
  });
  await step('stopPostgres', () => db.stop());
  assert(!existsSync(join(pgDir, 'postmaster.pid')), 'postmaster.pid removed by a clean stop');

  // --- reuse ----------------------------------------------------------------
  db = await startStep(
    'startPostgres (reuse: no initdb)',
    async () => startPostgres({ dir: pgDir, port: await findFreePort() }),
    (db) => `start ${db.timings.startMs} ms`,
  );
  assert(db.timings.initMs === 0, 'no initdb on reuse');
  await step('data survived restart', async () => {
    const rows = await query(db.url('selftest'), 'select token from marks where token = $1', [token]);
    assert(rows.length === 1, 'row present');
  });
  await db.stop();

  // --- stale postmaster.pid: dead pid --------------------------------------
  const pidFile = join(pgDir, 'postmaster.pid');
  const deadPid = await new Promise(
    /** @param {(pid: number | undefined) => void} r */ (r) => {
      const c = spawn('true');
      c.once('exit', () => r(c.pid));
    },
  );
  writeFileSync(pidFile, `${deadPid}\n${pgDir}\n${Math.floor(Date.now() / 1000)}\n5432\n\n127.0.0.1\n  0  0\nready   \n`);
  db = await startStep('start with stale postmaster.pid (dead pid)', async () => startPostgres({ dir: pgDir, port: await findFreePort() }));
  await db.stop();

  // --- stale postmaster.pid: pid reused by an unrelated live process -------
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  writeFileSync(pidFile, `${sleeper.pid}\n${pgDir}\n${Math.floor(Date.now() / 1000)}\n5432\n\n127.0.0.1\n  0  0\nready   \n`);
  try {
    db = await startStep('start with stale postmaster.pid (pid reused)', async () => startPostgres({ dir: pgDir, port: await findFreePort() }));
    assert(isAlive(sleeper.pid), 'unrelated process untouched');
  } finally {
    sleeper.kill('SIGKILL');
  }
  // --- postmaster killed with SIGKILL (leaves postmaster.pid behind) -------
  const killedPid = /** @type {number} */ (db.pid);
  process.kill(killedPid, 'SIGKILL');
  await waitDead(killedPid, 5000);
  await db.stop(); // no-op on a dead server, must not hang
  assert(existsSync(pidFile), 'SIGKILL left postmaster.pid behind');
  await step('start after postmaster was SIGKILLed', async () => {
    db = await startPostgres({ dir: pgDir, port: await findFreePort() });
    const rows = await query(db.url('selftest'), 'select count(*)::int as n from marks');
    assert(rows[0].n >= 1, 'data intact');
  });
  await db.stop();

  // --- a second data dir in use by a live run must be refused ---------------
  db = await startPostgres({ dir: pgDir, port: await findFreePort() });
  await step('refuses a data dir in use by another live run', async () => {
    /** @type {any} */
    let error;
    try {
      const other = await startPostgres({ dir: pgDir, port: await findFreePort() });
      await other.stop();
    } catch (e) {
      error = e;
    }
    assert(error && /still using/.test(error.message), `expected an "in use" error, got ${error?.message}`);
  });
  await db.stop();

  if (opts.quick) return;

  // --- parent terminated (SIGTERM): onExit stops both ----------------------
  const childDir = join(base, 'child');
  await step('child SIGTERM: both servers stopped by onExit', async () => {
    const { child, redisPid, pgPid } = await startChild(childDir, await findFreePort(), await findFreePort());
    const exitCode = new Promise((r) => child.once('exit', (code, sig) => r(code ?? sig)));
    child.kill('SIGTERM');
    const code = await exitCode;
    assert(code === 143, `child exit code 143, got ${code}`);
    assert(!isAlive(redisPid) && !isAlive(pgPid), 'servers gone when the child has exited');
    assert(!existsSync(join(childDir, 'pg', 'postmaster.pid')), 'clean PostgreSQL shutdown');
    return 'exit 143';
  });

  // --- parent killed (SIGKILL): guardians stop both -------------------------
  await step('child SIGKILL: guardians stop both servers', async () => {
    const { child, redisPid, pgPid } = await startChild(childDir, await findFreePort(), await findFreePort());
    child.kill('SIGKILL');
    const t0 = Date.now();
    assert(await waitDead(redisPid, 10_000), 'redis stopped');
    assert(await waitDead(pgPid, 20_000), 'postgres stopped');
    return `gone after ${Date.now() - t0} ms`;
  });

  // --- parent and guardians killed: the next start reclaims the orphans ------
  await step('orphaned servers are stopped by the next start', async () => {
    const { child, redisPid, pgPid } = await startChild(childDir, await findFreePort(), await findFreePort());
    for (const pid of [...guardiansOf(redisPid), ...guardiansOf(pgPid)]) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    await sleep(300);
    assert(isAlive(redisPid) && isAlive(pgPid), 'servers orphaned (still running)');
    const r = await startRedis({ dir: join(childDir, 'redis'), port: await findFreePort() });
    const p = await startPostgres({ dir: join(childDir, 'pg'), port: await findFreePort() });
    assert(!isAlive(redisPid) && !isAlive(pgPid), 'orphans stopped');
    await query(p.url('postgres'), 'select 1');
    await r.stop();
    await p.stop();
  });
}

// ---------------------------------------------------------------------------
// Child mode: start both servers, report their pids, then idle until killed.
if (process.argv[2] === '--child') {
  const [dir, redisPort, pgPort] = process.argv.slice(3);
  const redis = await startRedis({ dir: join(dir, 'redis'), port: Number(redisPort) });
  const db = await startPostgres({ dir: join(dir, 'pg'), port: Number(pgPort) });
  process.stdout.write(JSON.stringify({ redisPid: redis.pid, pgPid: db.pid }) + '\n');
  setInterval(() => undefined, 60_000);
} else {
  await main();
}
