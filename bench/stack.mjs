// Servers and processes for the benchmark: PostgreSQL and Redis (embedded
// defaults via scripts/lib/infra.mjs, or DATABASE_URL / REDIS_URL), the hub
// apps from dist/, the baselines and the sink, each a child process that is
// stopped when the benchmark ends (also on Ctrl+C). CPU accounting is in cpu.mjs.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findFreePort, onExit, startPostgres, startRedis } from '../scripts/lib/infra.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Two databases on one PostgreSQL server (the hub's and the bare-Fastify
 * baseline's) and one Redis. Embedded servers run with durable commits
 * (fsync on), like `npm start`, and pg_stat_statements for query counts.
 * External servers get two fresh databases that are dropped at the end.
 * @param {{ workDir: string, logsDir: string }} dirs
 */
export async function startServers({ workDir, logsDir }) {
  const tag = randomBytes(3).toString('hex');
  /** @type {string} */
  let adminUrl;
  /** @type {(database: string) => string} */
  let dbUrl;
  /** @type {number | undefined} */
  let postgresPid;
  /** @type {number | undefined} */
  let redisPid;
  if (process.env.DATABASE_URL) {
    const external = process.env.DATABASE_URL;
    adminUrl = external;
    dbUrl = (name) => Object.assign(new URL(external), { pathname: `/${name}` }).toString();
  } else {
    const server = await startPostgres({
      dir: join(workDir, 'pg'),
      port: await findFreePort(),
      fast: false,
      logFile: join(logsDir, 'postgres.log'),
      postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements'],
    });
    adminUrl = server.url('postgres');
    dbUrl = server.url;
    postgresPid = server.pid;
  }
  const names = { hub: `bench_hub_${tag}`, baseline: `bench_baseline_${tag}` };
  /** @param {string} sql */
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  for (const name of Object.values(names)) await admin(`CREATE DATABASE ${name}`);
  onExit(async () => {
    for (const name of Object.values(names)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  });

  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const redis = await startRedis({ dir: join(workDir, 'redis'), port: await findFreePort(), logFile: join(logsDir, 'redis.log') });
    redisUrl = redis.url;
    redisPid = redis.pid;
  }
  return {
    hubDbUrl: dbUrl(names.hub),
    baselineDbUrl: dbUrl(names.baseline),
    redisUrl,
    queuePrefix: `bench-${tag}`,
    external: Boolean(process.env.DATABASE_URL),
    postgresPid,
    redisPid,
  };
}

/**
 * Runs a hub-cli command (migrate, seed-demo) to completion; resolves with its output.
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string>}
 */
export function runCli(args, env) {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/hub-cli/src/main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => (code === 0 ? ok(output) : fail(new Error(`hub-cli ${args[0]} failed (${code}):\n${output}`))));
  });
}

/**
 * Starts `script` with Node as a child process logging to logsDir/<name>.log.
 * Ready when `ready()` resolves true, or when it prints a line starting with
 * "ready". Returns the child, stop(), the ready line it printed, its log file and pid.
 * @param {string} name
 * @param {string} script
 * @param {object} options
 * @param {NodeJS.ProcessEnv} [options.env]
 * @param {string[]} [options.nodeArgs]
 * @param {string} options.logsDir
 * @param {() => Promise<boolean>} [options.ready]
 * @param {number} [options.timeoutMs]
 */
export async function startProcess(name, script, { env = {}, nodeArgs = [], logsDir, ready, timeoutMs = 60_000 }) {
  const logFile = join(logsDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {string | undefined} */
  let readyLine;
  const printed = new Promise((r) => {
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      const line = buffer.split('\n').find((l) => l.startsWith('ready'));
      if (line) r((readyLine = line));
    });
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onExit(stop);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}; last lines of ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (ready ? await ready().catch(() => false) : readyLine) break;
    if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs / 1000} s; see ${logFile}`);
    await (ready ? sleep(200) : Promise.race([printed, sleep(200)]));
  }
  return { child, stop, readyLine: /** @type {string} */ (readyLine), logFile, pid: child.pid };
}

/** @typedef {import('./sink.mjs').Arrival} Arrival */
/** @typedef {{ seq: number, port?: number, count?: number, last?: number, arrivals?: Arrival[], sample?: string }} SinkReply */
/** @typedef {Awaited<ReturnType<typeof startSink>>} Sink */

/** The sink child process and a small IPC client for it. */
export async function startSink() {
  const child = fork(join(ROOT, 'bench/sink.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  /** @type {Map<number, (reply: SinkReply) => void>} */
  const waiting = new Map();
  let seq = 0;
  /** @type {number} */
  const port = await new Promise((r, fail) => {
    child.once('exit', (code) => fail(new Error(`sink exited with ${code}`)));
    child.on('message', (/** @type {SinkReply} */ m) => {
      if (m.seq === 0) return r(/** @type {number} */ (m.port));
      waiting.get(m.seq)?.(m);
      waiting.delete(m.seq);
    });
  });
  /**
   * @param {'reset' | 'count' | 'collect' | 'sample'} op
   * @returns {Promise<SinkReply>}
   */
  const call = (op) =>
    new Promise((r) => {
      const id = ++seq;
      waiting.set(id, r);
      child.send({ op, seq: id });
    });
  onExit(() => child.connected && child.disconnect());
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    reset: () => call('reset'),
    count: async () => /** @type {number} */ ((await call('count')).count),
    collect: async () => /** @type {Arrival[]} */ ((await call('collect')).arrivals),
    sample: async () => /** @type {string | undefined} */ ((await call('sample')).sample),
    /**
     * Polls until `n` arrivals (or the timeout); returns { count, last } (last: arrival time of the newest).
     * @param {number} n
     * @param {number} timeoutMs
     * @returns {Promise<{ count: number, last?: number }>}
     */
    async waitFor(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = /** @type {{ seq: number, count: number, last?: number }} */ (await call('count'));
        if (state.count >= n || Date.now() > deadline) return state;
        await sleep(20);
      }
    },
  };
}
