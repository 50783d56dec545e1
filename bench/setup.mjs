// The stack one benchmark run measures: PostgreSQL and Redis, the sink, hub-api
// and worker from dist/, the three baselines, the demo data plus a third
// receiver, and clients for all of it. Everything it starts is stopped on exit,
// in reverse order.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { findFreePort, onExit } from '../scripts/lib/infra.mjs';
import { RAW_QUEUE } from './baselines/bullmq-worker.mjs';
import { cpuPer, cpuSnapshot } from './cpu.mjs';
import { newAgent, send } from './load.mjs';
import { ROOT, runCli, startProcess, startServers, startSink } from './stack.mjs';
import { statementCounter } from './statements.mjs';

/** @typedef {Awaited<ReturnType<typeof startBench>>} Bench */

/**
 * @param {object} options
 * @param {string} options.workDir scratch space, removed by the caller
 * @param {string} options.logsDir every process's log
 * @param {boolean} options.profile start hub-api, worker and bare Fastify with the CPU-profile hook
 * @param {(name: string) => string} options.profileFile where a process writes its CPU profile
 * @param {(servers: Awaited<ReturnType<typeof startServers>>) => void} [options.onServersReady]
 */
export async function startBench({ workDir, logsDir, profile, profileFile, onServersReady }) {
  const sink = await startSink();
  const servers = await startServers({ workDir, logsDir });
  onServersReady?.(servers);

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
    // The limiter runs (its cost is part of what is measured) but never refuses the bench's load.
    RATE_LIMIT_REQUESTS: '1000000',
  };
  const credentialsFile = join(workDir, 'demo-credentials.json');
  await runCli(['migrate'], hubEnv);
  await runCli(['seed-demo', '--credentials', credentialsFile, '--simulator-url', sink.url], hubEnv);
  const baselineEnv = { DATABASE_URL: servers.baselineDbUrl };
  await runCli(['migrate'], baselineEnv);
  await runCli(['seed-demo', '--credentials', join(workDir, 'baseline-credentials.json'), '--simulator-url', sink.url], baselineEnv);

  // pg_stat_statements (embedded server): statements per request, per database.
  const hubDb = new pg.Pool({ connectionString: servers.hubDbUrl, max: 2 });
  const statements = await statementCounter(hubDb);

  const profileHook = ['--import', join(ROOT, 'bench/cpu-profile-hook.mjs')];
  const hubNodeArgs = () => ['--enable-source-maps', ...(profile ? profileHook : [])];
  const api = await startProcess('hub-api', join(ROOT, 'dist/apps/hub-api/src/main.js'), {
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
  const worker = await startProcess('worker', join(ROOT, 'dist/apps/worker/src/main.js'), {
    env: { ...hubEnv, BENCH_CPU_PROFILE: profileFile('worker') },
    nodeArgs: hubNodeArgs(),
    logsDir,
    ready: async () => (await hubQueue.getWorkersCount()) > 0,
  });
  const fastify = await startProcess('bare-fastify', join(ROOT, 'bench/baselines/bare-fastify.mjs'), {
    env: { ...baselineEnv, PORT: '0', BENCH_CPU_PROFILE: profileFile('bare-fastify') },
    nodeArgs: profile ? profileHook : [],
    logsDir,
  });
  const nest = await startProcess('bare-nest', join(ROOT, 'bench/baselines/bare-nest.mjs'), { env: { PORT: '0' }, logsDir });
  const raw = await startProcess('raw-bullmq', join(ROOT, 'bench/baselines/bullmq-worker.mjs'), {
    env: { REDIS_URL: servers.redisUrl, QUEUE_PREFIX: servers.queuePrefix, CONCURRENCY: '32' },
    logsDir,
  });
  const fastifyUrl = `http://127.0.0.1:${fastify.readyLine.split(' ')[1]}`;
  const nestUrl = `http://127.0.0.1:${nest.readyLine.split(' ')[1]}`;
  // CPU time per request by process (Linux): who spends the two cores.
  const cpuGroups = {
    'hub-api': api.pid,
    worker: worker.pid,
    'bare-fastify': fastify.pid,
    'bare-nest': nest.pid,
    'raw-bullmq': raw.pid,
    postgres: servers.postgresPid,
    redis: servers.redisPid,
    sink: sink.pid,
    'load generator': process.pid,
  };
  /** @returns {import('./cpu.mjs').CpuSnapshot} */
  const cpu = () => (process.platform === 'linux' ? cpuSnapshot(cpuGroups, ['postgres']) : {});
  /**
   * CPU ms per unit of work since `before`, by process; only processes that spent at least 0.05 ms.
   * @param {import('./cpu.mjs').CpuSnapshot} before
   * @param {number} units
   */
  const cpuCost = (before, units) => Object.fromEntries(Object.entries(cpuPer(before, cpu(), units)).filter(([, ms]) => ms >= 0.05));

  // Clients: the demo Länder, plus a third receiver registered through the admin API.
  const agent = newAgent(4);
  /**
   * @param {string} method
   * @param {string} path
   * @param {{ token?: string, body?: unknown, form?: Record<string, string>, headers?: Record<string, string> }} [options]
   */
  const call = (method, path, { token, body, form, headers = {} } = {}) =>
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
  /**
   * @param {{ clientId: string, clientSecret: string }} client
   * @returns {Promise<string>}
   */
  async function token({ clientId, clientSecret }) {
    const res = await call('POST', '/v1/oauth/token', { form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } });
    if (res.status !== 200) throw new Error(`token for ${clientId}: HTTP ${res.status} ${res.text}`);
    return JSON.parse(res.text).access_token;
  }
  const demo = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  const admin = await token(demo['hub-admin']);
  const registered = await call('POST', '/v1/participants', {
    token: admin,
    body: {
      id: 'demo-third',
      name: 'Demo-Land Dritter',
      kind: 'land_ticket_system',
      land: 'DE-HB',
      deliveryUrl: `${sink.url}/participants/demo-third/webhook`,
    },
  });
  if (registered.status !== 201) throw new Error(`registering demo-third: HTTP ${registered.status} ${registered.text}`);
  const thirdClient = await call('POST', '/v1/participants/demo-third/clients', { token: admin, body: { scopes: ['tickets'] } });
  if (thirdClient.status !== 201) throw new Error(`client for demo-third: HTTP ${thirdClient.status} ${thirdClient.text}`);
  const tokens = { mila: await token(demo['demo-mila']), bela: await token(demo['demo-bela']), third: await token(JSON.parse(thirdClient.text)) };

  return { sink, servers, hubUrl, fastifyUrl, nestUrl, hubDb, statements, hubQueue, rawQueue, cpu, cpuCost, tokens };
}
