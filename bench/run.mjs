// `npm run bench`: the hub's throughput and latency next to baselines measured
// in the same run on the same machine (issue 4). Starts PostgreSQL and Redis
// (embedded defaults, or DATABASE_URL / REDIS_URL), a local sink receiver,
// hub-api and worker from dist/, and three baselines:
//   bare Fastify + pg  — the same create transaction without Nest and ORM
//   bare NestJS 201    — the framework's ceiling
//   raw BullMQ loop    — sign + POST to the same sink, no bookkeeping
// Every figure is the median of --runs runs; the table goes to stdout and
// everything to bench/results/latest.json. Only loopback traffic.
//
//   node bench/run.mjs [--runs 3] [--duration 8] [--concurrency 32]
//                      [--ingest-rate 1000] [--e2e-rate 500] [--e2e-low-rate 100] [--quick]
//                      [--profile] [--no-build] [--out FILE]
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { build } from '../scripts/build.mjs';
import { findFreePort, onExit, runExitHandlers } from '../scripts/lib/infra.mjs';
import { RAW_QUEUE } from './baselines/bullmq-worker.mjs';
import { closedLoop, median, newAgent, now, openLoop, send, summarize } from './load.mjs';
import { ticketCreate } from './payload.mjs';
import { analyzeProfile } from './profile.mjs';
import { cpuPer, cpuSnapshot, machineBusyMs, ROOT, runCli, startProcess, startServers, startSink } from './stack.mjs';

const { values: cli } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '32' },
    'ingest-rate': { type: 'string', default: '1000' },
    'e2e-rate': { type: 'string', default: '500' },
    'e2e-low-rate': { type: 'string', default: '100' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
  },
});
const opt = {
  runs: cli.quick ? 1 : Number(cli.runs),
  durationMs: (cli.quick ? 3 : Number(cli.duration)) * 1000,
  warmupMs: cli.quick ? 500 : 1500,
  concurrency: Number(cli.concurrency),
  ingestRate: Number(cli['ingest-rate']),
  openLoopMs: cli.quick ? 2000 : 4000,
  e2eRate: Number(cli['e2e-rate']),
  e2eLowRate: Number(cli['e2e-low-rate']),
  e2eMs: cli.quick ? 2000 : 6000,
  profile: cli.profile,
};
const DRAIN_TIMEOUT_MS = 180_000;
/** The one-receiver drain is timed over this many deliveries (the ingest backlog is larger). */
const DRAIN_SAMPLE = cli.quick ? 500 : 1500;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (line) => console.log(`[bench] ${line}`);
const started = Date.now();
const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
if (loadAverageAtStart[0] > 0.5 * cpus().length)
  say(`note: load average ${loadAverageAtStart[0]} on ${cpus().length} CPUs before the start — other work will skew the figures`);

// ---------------------------------------------------------------------------
// Setup

const resultsDir = join(ROOT, 'bench/results');
const logsDir = join(resultsDir, 'logs');
rmSync(logsDir, { recursive: true, force: true });
mkdirSync(logsDir, { recursive: true });
const workDir = mkdtempSync(join(tmpdir(), 'drehscheibe-bench-'));
onExit(() => rmSync(workDir, { recursive: true, force: true })); // registered first: runs last

if (!cli['no-build']) say(`built ${await build()} files into dist/`);
const sink = await startSink();
const servers = await startServers({ workDir, logsDir });
say(`PostgreSQL ${servers.external ? '(DATABASE_URL)' : '(embedded, fsync on)'} and Redis ${process.env.REDIS_URL ? '(REDIS_URL)' : '(local)'} ready`);

const keys = () => 'whsk_' + randomBytes(32).toString('base64');
const hubPort = await findFreePort();
const hubUrl = `http://127.0.0.1:${hubPort}`;
const hubEnv = {
  NODE_ENV: 'production',
  DATABASE_URL: servers.hubDbUrl,
  REDIS_URL: servers.redisUrl,
  QUEUE_PREFIX: servers.queuePrefix,
  PORT: String(hubPort),
  WORKER_PORT: String(await findFreePort()),
  HUB_TOKEN_SIGNING_KEY: keys(),
  HUB_WEBHOOK_SIGNING_KEY: keys(),
  HUB_DATA_KEY: randomBytes(32).toString('base64'),
  ALLOW_PRIVATE_ENDPOINTS: 'true', // the sink listens on loopback
  LOG_LEVEL: 'warn',
};
const credentialsFile = join(workDir, 'demo-credentials.json');
await runCli(['migrate'], hubEnv);
await runCli(['seed-demo', '--credentials', credentialsFile, '--simulator-url', sink.url], hubEnv);
const baselineEnv = { DATABASE_URL: servers.baselineDbUrl };
await runCli(['migrate'], baselineEnv);
await runCli(['seed-demo', '--credentials', join(workDir, 'baseline-credentials.json'), '--simulator-url', sink.url], baselineEnv);

// pg_stat_statements (embedded server): statements per request, per database.
const hubDb = new pg.Pool({ connectionString: servers.hubDbUrl, max: 2 });
const pgStats = await hubDb
  .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  .then(() => hubDb.query('SELECT 1 FROM pg_stat_statements LIMIT 1')) // fails unless preloaded
  .then(
    () => true,
    () => false,
  );
async function pgCalls(database) {
  if (!pgStats) return NaN;
  const { rows } = await hubDb.query(
    'SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1',
    [database],
  );
  return Number(rows[0].n);
}
const dbName = (url) => decodeURIComponent(new URL(url).pathname.slice(1));
/** The statements one database ran since the last reset, most frequent first, per unit of work. */
async function statementsSince(database, units) {
  if (!pgStats) return [];
  const { rows } = await hubDb.query(
    `SELECT calls, total_exec_time, query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC LIMIT 20`,
    [database],
  );
  return rows.map((r) => ({
    perUnit: Math.round((100 * Number(r.calls)) / units) / 100,
    execMs: Math.round((1000 * r.total_exec_time) / Number(r.calls)) / 1000,
    query: r.query.replace(/\s+/g, ' ').slice(0, 240),
  }));
}

const profileFile = (name) => join(workDir, `${name}.cpuprofile`);
const hubNodeArgs = () => ['--enable-source-maps', ...(opt.profile ? ['--import', join(ROOT, 'bench/cpu-profile-hook.mjs')] : [])];
const apps = {};
apps.api = await startProcess('hub-api', join(ROOT, 'dist/apps/hub-api/src/main.js'), {
  env: { ...hubEnv, BENCH_CPU_PROFILE: profileFile('hub-api') },
  nodeArgs: hubNodeArgs(),
  logsDir,
  ready: async () => (await fetch(`${hubUrl}/health/ready`)).ok,
});
const redis = new Redis(servers.redisUrl, { maxRetriesPerRequest: null });
const hubQueue = new Queue('deliveries', { connection: redis, prefix: `{${servers.queuePrefix}}` });
const rawQueue = new Queue(RAW_QUEUE, { connection: redis, prefix: `{${servers.queuePrefix}}` });
onExit(async () => {
  await hubQueue.obliterate({ force: true }).catch(() => undefined);
  await hubQueue.close().catch(() => undefined);
  await rawQueue.obliterate({ force: true }).catch(() => undefined);
  await rawQueue.close().catch(() => undefined);
  redis.disconnect();
  await hubDb.end().catch(() => undefined);
});
apps.worker = await startProcess('worker', join(ROOT, 'dist/apps/worker/src/main.js'), {
  env: { ...hubEnv, BENCH_CPU_PROFILE: profileFile('worker') },
  nodeArgs: hubNodeArgs(),
  logsDir,
  ready: async () => (await hubQueue.getWorkersCount()) > 0,
});
apps.fastify = await startProcess('bare-fastify', join(ROOT, 'bench/baselines/bare-fastify.mjs'), {
  env: { ...baselineEnv, PORT: '0', BENCH_CPU_PROFILE: profileFile('bare-fastify') },
  nodeArgs: opt.profile ? ['--import', join(ROOT, 'bench/cpu-profile-hook.mjs')] : [],
  logsDir,
});
apps.nest = await startProcess('bare-nest', join(ROOT, 'bench/baselines/bare-nest.mjs'), { env: { PORT: '0' }, logsDir });
apps.raw = await startProcess('raw-bullmq', join(ROOT, 'bench/baselines/bullmq-worker.mjs'), {
  env: { REDIS_URL: servers.redisUrl, QUEUE_PREFIX: servers.queuePrefix, CONCURRENCY: '32' },
  logsDir,
});
const fastifyUrl = `http://127.0.0.1:${apps.fastify.readyLine.split(' ')[1]}`;
const nestUrl = `http://127.0.0.1:${apps.nest.readyLine.split(' ')[1]}`;
// CPU time per request by process (Linux): who spends the two cores.
const cpuGroups = {
  'hub-api': apps.api.pid,
  worker: apps.worker.pid,
  'bare-fastify': apps.fastify.pid,
  'bare-nest': apps.nest.pid,
  'raw-bullmq': apps.raw.pid,
  postgres: servers.postgresPid,
  redis: servers.redisPid,
  sink: sink.pid,
  'load generator': process.pid,
};
const cpu = () => (process.platform === 'linux' ? cpuSnapshot(cpuGroups, ['postgres']) : {});
const cpuCost = (before, units) => Object.fromEntries(Object.entries(cpuPer(before, cpu(), units)).filter(([, ms]) => ms >= 0.05));

// Clients: the demo Länder, plus a third receiver registered through the admin API.
const agent = newAgent(4);
const api = (method, path, { token, body, form, headers = {} } = {}) =>
  send(agent, new URL(hubUrl), {
    method,
    path,
    headers: {
      ...headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : form ? new URLSearchParams(form).toString() : undefined,
  });
async function token({ clientId, clientSecret }) {
  const res = await api('POST', '/v1/oauth/token', { form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } });
  if (res.status !== 200) throw new Error(`token for ${clientId}: HTTP ${res.status} ${res.text}`);
  return JSON.parse(res.text).access_token;
}
const demo = JSON.parse(readFileSync(credentialsFile, 'utf8'));
const admin = await token(demo['hub-admin']);
const registered = await api('POST', '/v1/participants', {
  token: admin,
  body: { id: 'demo-third', name: 'Demo-Land Dritter', kind: 'land_ticket_system', land: 'DE-HB', deliveryUrl: `${sink.url}/participants/demo-third/webhook` },
});
if (registered.status !== 201) throw new Error(`registering demo-third: HTTP ${registered.status} ${registered.text}`);
const thirdClient = await api('POST', '/v1/participants/demo-third/clients', { token: admin, body: { scopes: ['tickets'] } });
if (thirdClient.status !== 201) throw new Error(`client for demo-third: HTTP ${thirdClient.status} ${thirdClient.text}`);
const tokens = { mila: await token(demo['demo-mila']), bela: await token(demo['demo-bela']), third: await token(JSON.parse(thirdClient.text)) };
say(
  `stack ready after ${((Date.now() - started) / 1000).toFixed(1)} s; ${opt.runs} run(s) per figure, ${opt.durationMs / 1000} s each, concurrency ${opt.concurrency}`,
);

// ---------------------------------------------------------------------------
// Measurements

const runTag = randomBytes(2).toString('hex');
const createRequest = (prefix) => (i) => ({
  path: '/v1/tickets',
  headers: { authorization: `Bearer ${tokens.mila}`, 'content-type': 'application/json' },
  body: JSON.stringify(ticketCreate(`${prefix}-${runTag}-${i}`)),
});

/** Resumes `queue` and waits for `n` arrivals at the sink: deliveries per second from resume to the n-th. */
async function drain(queue, n) {
  const t0 = now();
  await queue.resume();
  const state = await sink.waitFor(n, DRAIN_TIMEOUT_MS);
  const complete = state.count >= n;
  const seconds = ((state.last ?? now()) - t0) / 1000;
  return { n, arrived: state.count, complete, seconds, perSecond: complete ? state.count / seconds : NaN };
}

/**
 * Drops a delivery backlog nobody measures (what is left after a bounded
 * drain sample, and the deliveries of the open-loop and pool runs): with the
 * queue paused, pending rows are marked done and waiting jobs removed, so the
 * next run starts with an idle worker. The worker skips any job whose row is
 * no longer pending; the reconciler finds nothing to re-enqueue.
 */
async function discardBacklog() {
  await hubQueue.pause();
  await hubDb.query(`UPDATE deliveries SET status = 'delivered', delivered_at = now(), last_error = 'discarded by the benchmark' WHERE status = 'pending'`);
  await hubQueue.drain(true);
  const deadline = Date.now() + 30_000;
  while ((await hubQueue.getActiveCount()) > 0 && Date.now() < deadline) await sleep(50);
  await hubQueue.resume();
  await sleep(200);
}

/** Ingest at fixed concurrency; the hub's run is followed by the drain of what it created (one receiver). */
async function ingestClosed(r) {
  const out = {};
  await hubQueue.pause();
  await sink.reset();
  let created = 0;
  const calls0 = await pgCalls(dbName(servers.hubDbUrl));
  let cpu0 = cpu();
  out.hub = await closedLoop({
    url: hubUrl,
    concurrency: opt.concurrency,
    durationMs: opt.durationMs,
    warmupMs: opt.warmupMs,
    request: createRequest(`ING${r}`),
    onResponse: (_, res) => res.status === 201 && created++,
  });
  out.hub.cpuMsPerCreate = cpuCost(cpu0, created);
  out.hub.statementsPerCreate = ((await pgCalls(dbName(servers.hubDbUrl))) - calls0) / created;
  cpu0 = cpu();
  const calls1 = await pgCalls(dbName(servers.hubDbUrl));
  out.drain1 = await drain(hubQueue, Math.min(created, DRAIN_SAMPLE));
  out.drain1.cpuMsPerDelivery = cpuCost(cpu0, out.drain1.arrived);
  out.drain1.statementsPerDelivery = ((await pgCalls(dbName(servers.hubDbUrl))) - calls1) / out.drain1.arrived;
  await discardBacklog();
  const base0 = await pgCalls(dbName(servers.baselineDbUrl));
  let baseCreated = 0;
  cpu0 = cpu();
  out.fastify = await closedLoop({
    url: fastifyUrl,
    concurrency: opt.concurrency,
    durationMs: opt.durationMs,
    warmupMs: opt.warmupMs,
    request: createRequest(`FST${r}`),
    onResponse: (_, res) => res.status === 201 && baseCreated++,
  });
  out.fastify.cpuMsPerCreate = cpuCost(cpu0, baseCreated);
  out.fastify.statementsPerCreate = ((await pgCalls(dbName(servers.baselineDbUrl))) - base0) / baseCreated;
  out.nest = await closedLoop({
    url: nestUrl,
    concurrency: opt.concurrency,
    durationMs: opt.durationMs,
    warmupMs: opt.warmupMs,
    request: createRequest(`NST${r}`),
  });
  return out;
}

/** Ingest at a fixed offered rate (open loop); the hub's deliveries are drained afterwards, unmeasured. */
async function ingestOpen(r) {
  const out = {};
  const offered = async (url, prefix) => {
    const base = new URL(url);
    const pool = newAgent(256);
    const req = createRequest(prefix);
    const result = await openLoop({ rate: opt.ingestRate, durationMs: opt.openLoopMs, run: (n) => send(pool, base, req(n)).then((res) => res.status === 201) });
    pool.destroy();
    return result;
  };
  await hubQueue.pause();
  out.hub = await offered(hubUrl, `OPN${r}`);
  await discardBacklog(); // the worker stays idle while the baseline runs
  out.fastify = await offered(fastifyUrl, `OPF${r}`);
  return out;
}

// The pool for the three-receiver runs: tickets whose assignee's status
// changes are delivered to their origin — demo-mila, demo-third and demo-bela
// in turn (bela's tickets are explicitly assigned to demo-third).
const poolSize = Math.round((Math.max(opt.e2eRate, opt.e2eLowRate) * opt.e2eMs) / 1000);
const ticketPool = [];
async function createPool() {
  const kinds = [
    { origin: tokens.mila, actor: tokens.bela, extra: {} },
    { origin: tokens.third, actor: tokens.bela, extra: {} },
    { origin: tokens.bela, actor: tokens.third, extra: { assignee: { participantId: 'demo-third' } } },
  ];
  const res = await closedLoop({
    url: hubUrl,
    concurrency: opt.concurrency,
    durationMs: 120_000,
    total: poolSize,
    request: (i) => ({
      path: '/v1/tickets',
      headers: { authorization: `Bearer ${kinds[i % 3].origin}`, 'content-type': 'application/json' },
      body: JSON.stringify(ticketCreate(`POOL-${runTag}-${i}`, kinds[i % 3].extra)),
    }),
    onResponse: (i, r) => r.status === 201 && (ticketPool[i] = { id: JSON.parse(r.text).id, actor: kinds[i % 3].actor, next: 'in_progress' }),
  });
  if (res.ok !== poolSize) throw new Error(`creating the ticket pool: ${res.ok}/${poolSize} created; ${res.firstError}`);
  await discardBacklog();
}

/** The next status change for pool ticket i: in_progress and waiting in turn. */
function statusChange(i) {
  const t = ticketPool[i];
  const status = t.next;
  t.next = status === 'in_progress' ? 'waiting' : 'in_progress';
  return {
    path: `/v1/tickets/${t.id}/status`,
    headers: { authorization: `Bearer ${t.actor}`, 'content-type': 'application/json' },
    body: JSON.stringify(status === 'waiting' ? { status, reason: 'Bitte Vorgangsnummer nachreichen.' } : { status }),
  };
}

let rawBody;
const rawUrls = ['demo-mila', 'demo-third', 'demo-bela'].map((p) => `${sink.url}/raw/${p}/webhook`);

/** Deliveries to three receivers: hub (status changes on the pool) vs raw BullMQ (same count, same body). */
async function drainThree() {
  const out = {};
  await hubQueue.pause();
  await sink.reset();
  const calls0 = await pgCalls(dbName(servers.hubDbUrl));
  let cpu0 = cpu();
  out.status = await closedLoop({ url: hubUrl, concurrency: opt.concurrency, durationMs: 120_000, total: poolSize, request: statusChange });
  out.status.cpuMsPerChange = cpuCost(cpu0, out.status.ok);
  out.status.statementsPerChange = ((await pgCalls(dbName(servers.hubDbUrl))) - calls0) / out.status.ok;
  const calls1 = await pgCalls(dbName(servers.hubDbUrl));
  cpu0 = cpu();
  out.hub = await drain(hubQueue, out.status.ok);
  out.hub.cpuMsPerDelivery = cpuCost(cpu0, out.hub.arrived);
  out.hub.statementsPerDelivery = ((await pgCalls(dbName(servers.hubDbUrl))) - calls1) / out.hub.arrived;
  if (!out.hub.complete) await discardBacklog();
  rawBody ??= await sink.sample();
  await rawQueue.pause();
  await sink.reset();
  for (let i = 0; i < poolSize; i += 500) {
    const jobs = Array.from({ length: Math.min(500, poolSize - i) }, (_, k) => ({
      name: 'deliver',
      data: { url: rawUrls[(i + k) % 3], body: rawBody },
      opts: { jobId: uuidv7(), removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 86400, count: 5000 } },
    }));
    await rawQueue.addBulk(jobs);
  }
  cpu0 = cpu();
  out.raw = await drain(rawQueue, poolSize);
  out.raw.cpuMsPerDelivery = cpuCost(cpu0, out.raw.arrived);
  return out;
}

/**
 * End to end at a fixed offered rate: from a status change answered (hub) or
 * a job added (raw BullMQ) to its arrival at the sink.
 */
async function endToEnd(rate) {
  const out = {};
  const base = new URL(hubUrl);
  const pool = newAgent(256);
  const answered = new Map();
  await sink.reset();
  out.status = await openLoop({
    rate,
    durationMs: opt.e2eMs,
    run: async (n) => {
      const res = await send(pool, base, statusChange(n));
      const t = now();
      if (res.status !== 200) return false;
      const ticket = JSON.parse(res.text);
      answered.set(`${ticket.id}/${ticket.version}`, t);
      return true;
    },
  });
  pool.destroy();
  out.hub = await matchArrivals(answered, (a) => a.key);

  const added = new Map();
  await sink.reset();
  out.enqueue = await openLoop({
    rate,
    durationMs: opt.e2eMs,
    run: async (n) => {
      const jobId = uuidv7();
      await rawQueue.add(
        'deliver',
        { url: rawUrls[n % 3], body: rawBody },
        { jobId, removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 86400, count: 5000 } },
      );
      added.set(jobId, now());
      return true;
    },
  });
  out.raw = await matchArrivals(added, (a) => a.id);
  return out;
}

async function matchArrivals(started, keyOf) {
  await sink.waitFor(started.size, 30_000);
  const latencies = [];
  for (const a of await sink.collect()) {
    const t0 = started.get(keyOf(a));
    if (t0 !== undefined) latencies.push(a.t - t0);
  }
  return { ...summarize(latencies), expected: started.size, missing: started.size - latencies.length };
}

// How much CPU other processes took while we measured: the figures assume a quiet machine.
const sumCpu = (snapshot) => Object.values(snapshot).reduce((a, b) => a + b, 0);
const quiet0 = { machine: machineBusyMs(), ours: sumCpu(cpu()), at: now() };
const runs = { ingest: [], open: [], three: [], e2e: [], e2eLow: [] };
for (let r = 1; r <= opt.runs; r++) {
  runs.ingest.push(await ingestClosed(r));
  const i = runs.ingest.at(-1);
  say(
    `ingest ${r}/${opt.runs}: hub ${i.hub.rps.toFixed(0)}/s p99 ${i.hub.p99.toFixed(1)} ms · bare Fastify ${i.fastify.rps.toFixed(0)}/s · bare Nest ${i.nest.rps.toFixed(0)}/s · drain (1 receiver) ${i.drain1.perSecond.toFixed(0)}/s`,
  );
}
for (let r = 1; r <= opt.runs; r++) {
  runs.open.push(await ingestOpen(r));
  const o = runs.open.at(-1);
  say(
    `ingest at ${opt.ingestRate}/s ${r}/${opt.runs}: hub ${o.hub.achieved.toFixed(0)}/s p99 ${o.hub.p99.toFixed(1)} ms · bare Fastify ${o.fastify.achieved.toFixed(0)}/s p99 ${o.fastify.p99.toFixed(1)} ms`,
  );
}
say(`creating ${poolSize} tickets for three receivers`);
await createPool();
for (let r = 1; r <= opt.runs; r++) {
  runs.three.push(await drainThree());
  const d = runs.three.at(-1);
  say(
    `deliveries (3 receivers) ${r}/${opt.runs}: hub ${d.hub.perSecond.toFixed(0)}/s · raw BullMQ ${d.raw.perSecond.toFixed(0)}/s (status changes ${d.status.rps.toFixed(0)}/s)`,
  );
  for (const [list, rate] of [
    [runs.e2e, opt.e2eRate],
    [runs.e2eLow, opt.e2eLowRate],
  ]) {
    list.push(await endToEnd(rate));
    const e = list.at(-1);
    say(
      `end to end at ${rate}/s ${r}/${opt.runs}: hub p50 ${e.hub.p50.toFixed(1)} p99 ${e.hub.p99.toFixed(1)} ms (${e.hub.missing} missing; status changes ${e.status.achieved.toFixed(0)}/s) · raw BullMQ p50 ${e.raw.p50.toFixed(1)} p99 ${e.raw.p99.toFixed(1)} ms`,
    );
  }
}

const foreignMs = machineBusyMs() - quiet0.machine - (sumCpu(cpu()) - quiet0.ours);
const foreign = { cpuSeconds: Math.round(foreignMs / 100) / 10, shareOfMachine: Math.round((1000 * foreignMs) / ((now() - quiet0.at) * cpus().length)) / 10 };

// ---------------------------------------------------------------------------
// Optional: CPU profiles of hub-api (one ingest run) and worker (one drain)

let profiles;
let statements;
if (opt.profile) {
  const capture = async (name, work) => {
    const file = profileFile(name);
    writeFileSync(`${file}.start`, '');
    while (existsSync(`${file}.start`)) await sleep(20);
    await work();
    writeFileSync(`${file}.stop`, '');
    const deadline = Date.now() + 15_000;
    while (!existsSync(file) && Date.now() < deadline) await sleep(100);
    await sleep(300);
    const analysis = analyzeProfile(JSON.parse(readFileSync(file, 'utf8')));
    writeFileSync(join(resultsDir, `${name}.cpuprofile`), readFileSync(file));
    return analysis;
  };
  await hubQueue.pause();
  await sink.reset();
  let created = 0;
  await discardBacklog();
  await hubQueue.pause();
  profiles = {};
  statements = {};
  if (pgStats) await hubDb.query('SELECT pg_stat_statements_reset()');
  profiles['hub-api (ingest)'] = await capture('hub-api', () =>
    closedLoop({
      url: hubUrl,
      concurrency: opt.concurrency,
      durationMs: opt.durationMs,
      request: createRequest('PRF'),
      onResponse: (_, res) => res.status === 201 && created++,
    }),
  );
  statements.hubPerCreate = await statementsSince(dbName(servers.hubDbUrl), created);
  let baseCreated = 0;
  profiles['bare-fastify (ingest)'] = await capture('bare-fastify', () =>
    closedLoop({
      url: fastifyUrl,
      concurrency: opt.concurrency,
      durationMs: opt.durationMs,
      request: createRequest('PRB'),
      onResponse: (_, res) => res.status === 201 && baseCreated++,
    }),
  );
  statements.bareFastifyPerCreate = await statementsSince(dbName(servers.baselineDbUrl), baseCreated);
  if (pgStats) await hubDb.query('SELECT pg_stat_statements_reset()');
  const sample = Math.min(created, DRAIN_SAMPLE);
  profiles['worker (drain, 1 receiver)'] = await capture('worker', () => drain(hubQueue, sample));
  statements.hubPerDeliveryOneReceiver = await statementsSince(dbName(servers.hubDbUrl), sample);
}

// ---------------------------------------------------------------------------
// Report

const med = (list, pick) => median(list.map(pick));
/** Per-key medians of { process: ms } objects. */
const medCpu = (list, pick) => {
  const keys = [...new Set(list.flatMap((x) => Object.keys(pick(x) ?? {})))];
  return Object.fromEntries(keys.map((k) => [k, median(list.map((x) => pick(x)?.[k] ?? 0))]).filter(([, v]) => v >= 0.05));
};
const m = {
  ingest: {
    hub: {
      rps: med(runs.ingest, (x) => x.hub.rps),
      p50: med(runs.ingest, (x) => x.hub.p50),
      p99: med(runs.ingest, (x) => x.hub.p99),
      statementsPerCreate: med(runs.ingest, (x) => x.hub.statementsPerCreate),
    },
    fastify: {
      rps: med(runs.ingest, (x) => x.fastify.rps),
      p50: med(runs.ingest, (x) => x.fastify.p50),
      p99: med(runs.ingest, (x) => x.fastify.p99),
      statementsPerCreate: med(runs.ingest, (x) => x.fastify.statementsPerCreate),
    },
    nest: { rps: med(runs.ingest, (x) => x.nest.rps), p50: med(runs.ingest, (x) => x.nest.p50), p99: med(runs.ingest, (x) => x.nest.p99) },
  },
  open: {
    hub: { achieved: med(runs.open, (x) => x.hub.achieved), p50: med(runs.open, (x) => x.hub.p50), p99: med(runs.open, (x) => x.hub.p99) },
    fastify: { achieved: med(runs.open, (x) => x.fastify.achieved), p50: med(runs.open, (x) => x.fastify.p50), p99: med(runs.open, (x) => x.fastify.p99) },
  },
  deliveries: {
    hubOneReceiver: med(runs.ingest, (x) => x.drain1.perSecond),
    hubThreeReceivers: med(runs.three, (x) => x.hub.perSecond),
    raw: med(runs.three, (x) => x.raw.perSecond),
    statementsPerDelivery: med(runs.three, (x) => x.hub.statementsPerDelivery),
    statementsPerDeliveryOneReceiver: med(runs.ingest, (x) => x.drain1.statementsPerDelivery),
    statusChangesPerSecond: med(runs.three, (x) => x.status.rps),
    statementsPerStatusChange: med(runs.three, (x) => x.status.statementsPerChange),
  },
  e2e: {
    hub: {
      p50: med(runs.e2e, (x) => x.hub.p50),
      p99: med(runs.e2e, (x) => x.hub.p99),
      missing: med(runs.e2e, (x) => x.hub.missing),
      achieved: med(runs.e2e, (x) => x.status.achieved),
      statusP99: med(runs.e2e, (x) => x.status.p99),
    },
    raw: { p50: med(runs.e2e, (x) => x.raw.p50), p99: med(runs.e2e, (x) => x.raw.p99), missing: med(runs.e2e, (x) => x.raw.missing) },
  },
  cpuMs: {
    perCreateHub: medCpu(runs.ingest, (x) => x.hub.cpuMsPerCreate),
    perCreateBareFastify: medCpu(runs.ingest, (x) => x.fastify.cpuMsPerCreate),
    perStatusChangeHub: medCpu(runs.three, (x) => x.status.cpuMsPerChange),
    perDeliveryHubOneReceiver: medCpu(runs.ingest, (x) => x.drain1.cpuMsPerDelivery),
    perDeliveryHubThreeReceivers: medCpu(runs.three, (x) => x.hub.cpuMsPerDelivery),
    perDeliveryRawBullmq: medCpu(runs.three, (x) => x.raw.cpuMsPerDelivery),
  },
  e2eLow: {
    hub: {
      p50: med(runs.e2eLow, (x) => x.hub.p50),
      p99: med(runs.e2eLow, (x) => x.hub.p99),
      missing: med(runs.e2eLow, (x) => x.hub.missing),
      achieved: med(runs.e2eLow, (x) => x.status.achieved),
      statusP99: med(runs.e2eLow, (x) => x.status.p99),
    },
    raw: { p50: med(runs.e2eLow, (x) => x.raw.p50), p99: med(runs.e2eLow, (x) => x.raw.p99) },
  },
};

const f0 = (v) => (Number.isFinite(v) ? v.toFixed(0) : 'n/a');
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');
const rows = [
  {
    figure: `creations/s at ${opt.concurrency} concurrent`,
    hub: f0(m.ingest.hub.rps),
    baseline: `${f0(m.ingest.fastify.rps)} bare Fastify+pg`,
    ratio: ratio(m.ingest.hub.rps, m.ingest.fastify.rps),
    target: '≥ 0.70',
    ok: ratio(m.ingest.hub.rps, m.ingest.fastify.rps) >= 0.7,
  },
  {
    figure: `creation p50 ms at ${opt.concurrency} concurrent`,
    hub: f1(m.ingest.hub.p50),
    baseline: `${f1(m.ingest.fastify.p50)} bare Fastify+pg`,
    ratio: ratio(m.ingest.hub.p50, m.ingest.fastify.p50),
  },
  {
    figure: `creation p99 ms at ${opt.concurrency} concurrent`,
    hub: f1(m.ingest.hub.p99),
    baseline: `${f1(m.ingest.fastify.p99)} bare Fastify+pg`,
    ratio: ratio(m.ingest.hub.p99, m.ingest.fastify.p99),
  },
  {
    figure: `creations/s vs framework ceiling`,
    hub: f0(m.ingest.hub.rps),
    baseline: `${f0(m.ingest.nest.rps)} bare Nest 201`,
    ratio: ratio(m.ingest.hub.rps, m.ingest.nest.rps),
  },
  {
    figure: `creations/s offered ${opt.ingestRate}/s`,
    hub: f0(m.open.hub.achieved),
    baseline: `${f0(m.open.fastify.achieved)} bare Fastify+pg`,
    ratio: ratio(m.open.hub.achieved, m.open.fastify.achieved),
  },
  {
    figure: `creation p99 ms offered ${opt.ingestRate}/s`,
    hub: f1(m.open.hub.p99),
    baseline: `${f1(m.open.fastify.p99)} bare Fastify+pg`,
    ratio: ratio(m.open.hub.p99, m.open.fastify.p99),
    target: '< 25 ms',
    ok: m.open.hub.p99 < 25,
  },
  {
    figure: 'deliveries/s, 3 receivers',
    hub: f0(m.deliveries.hubThreeReceivers),
    baseline: `${f0(m.deliveries.raw)} raw BullMQ`,
    ratio: ratio(m.deliveries.hubThreeReceivers, m.deliveries.raw),
    target: '≥ 0.40',
    ok: ratio(m.deliveries.hubThreeReceivers, m.deliveries.raw) >= 0.4,
  },
  {
    figure: 'deliveries/s, 1 receiver',
    hub: f0(m.deliveries.hubOneReceiver),
    baseline: `${f0(m.deliveries.raw)} raw BullMQ`,
    ratio: ratio(m.deliveries.hubOneReceiver, m.deliveries.raw),
    target: '≥ 0.40',
    ok: ratio(m.deliveries.hubOneReceiver, m.deliveries.raw) >= 0.4,
  },
  {
    figure: `end-to-end p50 ms at ${opt.e2eRate}/s`,
    hub: f1(m.e2e.hub.p50),
    baseline: `${f1(m.e2e.raw.p50)} raw BullMQ`,
    ratio: ratio(m.e2e.hub.p50, m.e2e.raw.p50),
  },
  {
    figure: `end-to-end p99 ms at ${opt.e2eRate}/s`,
    hub: f1(m.e2e.hub.p99),
    baseline: `${f1(m.e2e.raw.p99)} raw BullMQ`,
    ratio: ratio(m.e2e.hub.p99, m.e2e.raw.p99),
    target: '< 100 ms',
    ok: m.e2e.hub.p99 < 100,
  },
  {
    figure: `end-to-end p50 ms at ${opt.e2eLowRate}/s`,
    hub: f1(m.e2eLow.hub.p50),
    baseline: `${f1(m.e2eLow.raw.p50)} raw BullMQ`,
    ratio: ratio(m.e2eLow.hub.p50, m.e2eLow.raw.p50),
  },
  {
    figure: `end-to-end p99 ms at ${opt.e2eLowRate}/s`,
    hub: f1(m.e2eLow.hub.p99),
    baseline: `${f1(m.e2eLow.raw.p99)} raw BullMQ`,
    ratio: ratio(m.e2eLow.hub.p99, m.e2eLow.raw.p99),
  },
];

const pad = (s, n) => String(s).padEnd(n);
const lines = [
  `${pad('figure', 36)}${pad('hub', 9)}${pad('baseline', 28)}${pad('ratio', 8)}target`,
  ...rows.map(
    (r) =>
      `${pad(r.figure, 36)}${pad(r.hub, 9)}${pad(r.baseline, 28)}${pad(Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : 'n/a', 8)}${r.target ? `${r.target} ${verdict(r.ok)}` : ''}`,
  ),
];
const notes = [
  `statements per request (pg_stat_statements): create ${f1(m.ingest.hub.statementsPerCreate)} hub vs ${f1(m.ingest.fastify.statementsPerCreate)} bare Fastify; status change ${f1(m.deliveries.statementsPerStatusChange)}; delivery ${f1(m.deliveries.statementsPerDelivery)} (3 receivers), ${f1(m.deliveries.statementsPerDeliveryOneReceiver)} (1 receiver)`,
  ...(Math.abs(m.ingest.hub.statementsPerCreate - m.ingest.fastify.statementsPerCreate) > 0.05
    ? [`WARNING: the bare-Fastify baseline no longer issues the hub's statements per create; update bench/baselines/bare-fastify.mjs`]
    : []),
  ...Object.entries(m.cpuMs).map(
    ([what, by]) =>
      `CPU ms ${what}: ${
        Object.entries(by)
          .map(([p, ms]) => `${p} ${ms.toFixed(2)}`)
          .join(', ') || 'n/a'
      }`,
  ),
  `other processes used ${foreign.cpuSeconds} CPU s (${foreign.shareOfMachine}% of the machine) during the measurements${foreign.shareOfMachine > 10 ? ' — the figures are skewed; rerun on a quiet machine' : ''}`,
  `one-receiver drain timed over the first ${DRAIN_SAMPLE} deliveries of each ingest run's backlog`,
  `status changes/s at ${opt.concurrency} concurrent: ${f0(m.deliveries.statusChangesPerSecond)}; offered ${opt.e2eRate}/s: ${f0(m.e2e.hub.achieved)}/s achieved, answer p99 ${f1(m.e2e.hub.statusP99)} ms; offered ${opt.e2eLowRate}/s: ${f0(m.e2eLow.hub.achieved)}/s, answer p99 ${f1(m.e2eLow.hub.statusP99)} ms`,
  `end-to-end deliveries missing after 30 s: ${f0(m.e2e.hub.missing)} at ${opt.e2eRate}/s, ${f0(m.e2eLow.hub.missing)} at ${opt.e2eLowRate}/s`,
];
console.log(`\n${lines.join('\n')}\n\n${notes.map((n) => `  ${n}`).join('\n')}`);
if (profiles) {
  for (const [name, p] of Object.entries(profiles)) {
    console.log(`\n  CPU profile ${name}: ${p.totalMs} ms sampled; by area (native calls charged to their caller):`);
    console.log(
      p.areas
        .slice(0, 10)
        .map((a) => `    ${pad(`${a.pct}%`, 7)}${a.area}`)
        .join('\n'),
    );
    console.log('  top functions (self time):');
    console.log(
      p.top
        .slice(0, 12)
        .map((t) => `    ${pad(`${t.pct}%`, 7)}${pad(t.fn, 34)} ${t.where}`)
        .join('\n'),
    );
  }
}

if (statements) {
  for (const [what, list] of Object.entries(statements)) {
    console.log(`\n  statements ${what} (count, mean exec ms, query):`);
    console.log(
      list
        .slice(0, 14)
        .map((q) => `    ${pad(q.perUnit.toFixed(2), 6)}${pad(q.execMs.toFixed(3), 7)}${q.query.slice(0, 110)}`)
        .join('\n'),
    );
  }
}

const result = {
  when: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
    loadAverageAtStart,
    otherProcesses: foreign,
  },
  options: { ...opt, postgres: servers.external ? 'DATABASE_URL' : 'embedded, fsync on', redis: process.env.REDIS_URL ? 'REDIS_URL' : 'local redis-server' },
  medians: m,
  table: rows.map(({ ok, ...r }) => ({ ...r, ratio: Number.isFinite(r.ratio) ? Math.round(r.ratio * 100) / 100 : null, met: ok })),
  notes,
  profiles,
  statements,
  runs,
  seconds: Math.round((Date.now() - started) / 1000),
};
mkdirSync(join(cli.out, '..'), { recursive: true });
writeFileSync(cli.out, JSON.stringify(result, null, 2) + '\n');
say(`wrote ${relative(process.cwd(), cli.out) || cli.out}; logs in ${relative(process.cwd(), logsDir)}; ${result.seconds} s in all`);
await runExitHandlers();
process.exit(0);
