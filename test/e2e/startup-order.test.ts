import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { components } from '@drehscheibe/client';
import pg from 'pg';
import type { TestDatabase } from '../support/database.js';
import { eventually, Stack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * Start-up in the order an orchestrator produces: hub-api, worker and the
 * migration job start before PostgreSQL and Redis exist. They must stay
 * alive, say why they wait, report not-ready (the API answering 503 with
 * Retry-After meanwhile), and become ready by themselves once the servers
 * are up — then a ticket is created and delivered. Afterwards PostgreSQL is
 * shut down and started again under the running apps.
 *
 * The servers are this file's own (scripts/lib/infra.mjs). The apps reach
 * them through TCP proxies that hold their ports from the start (a port only
 * reserved for a server that starts later can be taken by any other process
 * meanwhile); until a server is up behind its proxy, every connection to it
 * is cut.
 */

interface PostgresServer {
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}
interface RedisServer {
  url: string;
  stop(): Promise<void>;
}
interface Infra {
  startPostgres(options: { dir: string; port: number; password: string; fast: boolean; logFile: null }): Promise<PostgresServer & { port: number }>;
  startRedis(options: { dir: string; port: number }): Promise<RedisServer>;
  findFreePort(): Promise<number>;
}
// Plain ESM JavaScript without type declarations: imported by a non-literal path.
const INFRA_MODULE = '../../scripts/lib/infra.mjs';

const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
let infra: Infra;
let dir: string;
let pgProxy: TcpProxy;
let redisProxy: TcpProxy;
let postgres: PostgresServer | undefined;
let redis: RedisServer | undefined;
let stack: Stack | undefined;
let pool: pg.Pool | undefined;

/** Starts PostgreSQL (again) on a port free right now and puts it behind the proxy the apps use. */
const startPostgres = async () => {
  const server = await infra.startPostgres({ dir: join(dir, 'pg'), port: await infra.findFreePort(), password: PASSWORD, fast: true, logFile: null });
  postgres = server;
  pgProxy.retarget(server.url('hub'));
};

beforeAll(async () => {
  infra = (await import(INFRA_MODULE)) as Infra;
  dir = mkdtempSync(join(tmpdir(), 'hub-startup-'));
  [pgProxy, redisProxy] = [await TcpProxy.start(), await TcpProxy.start()];
});
afterAll(async () => {
  await stack?.stop();
  await pool?.end();
  await redis?.stop();
  await postgres?.stop();
  await pgProxy?.close();
  await redisProxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the health checks of the API and the worker answer (the worker is not in the API document). */
interface Health {
  status?: string;
  checks?: { database?: string; redis?: string };
}
const get = async (url: string) => {
  const r = await fetch(url);
  const text = await r.text();
  const body: unknown = text.startsWith('{') ? JSON.parse(text) : text;
  // A text answer has no `checks`: reading them gives undefined, which the conditions below treat as not (yet) ready.
  return { status: r.status, headers: r.headers, body: body as Health };
};
const alive = (name: 'hub-api' | 'worker') => {
  const child = stack!.process(name);
  return child !== undefined && child.exitCode === null && child.signalCode === null;
};
/** Warnings (level 40) that say the database is not reachable yet, with the reason. */
const retriesLogged = (name: 'hub-api' | 'worker') =>
  stack!.log(name).match(/"level":40[^\n]*"reason":"[^"]+"[^\n]*"msg":"database: not reachable yet; retrying"/g)?.length ?? 0;

describe('start-up before PostgreSQL and Redis', () => {
  it('waits, reports not-ready, becomes ready by itself, delivers; and rides out a PostgreSQL restart', async () => {
    const databaseUrl = `postgres://drehscheibe:${PASSWORD}@127.0.0.1:${pgProxy.port}/hub`;
    const database: TestDatabase = {
      url: databaseUrl,
      query: async <T>(sql: string, params: unknown[] = []) => {
        if (!pool) {
          pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
          pool.on('error', () => undefined); // idle clients lose their server in the restart below
        }
        return (await pool.query(sql, params)).rows as T[];
      },
      drop: () => Promise.resolve(), // the server is this file's: stopped in afterAll
    };
    stack = await Stack.prepare(database, `redis://127.0.0.1:${redisProxy.port}`, { LOG_LEVEL: 'info' });
    const migrating = stack.runCli(['migrate']);
    await Promise.all([stack.startApp('hub-api', 'live'), stack.startApp('worker', 'live')]);

    // Nothing is up: alive, not ready, saying why, and the API refuses with 503 + Retry-After.
    await eventually('both apps to log repeated retries', () => Promise.resolve(retriesLogged('hub-api') >= 2 && retriesLogged('worker') >= 2));
    expect(alive('hub-api') && alive('worker')).toBe(true);
    const apiReady = await get(`${stack.apiUrl}/health/ready`);
    expect(apiReady.status).toBe(503);
    expect(apiReady.body).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });
    expect((await get(`${stack.workerUrl}/health/live`)).status).toBe(200);
    expect(await get(`${stack.workerUrl}/health/ready`)).toMatchObject({ status: 503, body: { checks: { database: 'down', redis: 'down' } } });
    const token = await fetch(`${stack.apiUrl}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=demo-mila&client_secret=x',
    });
    expect(token.status).toBe(503);
    expect(token.headers.get('retry-after')).toBe('5');
    expect(token.headers.get('content-type')).toContain('application/problem+json');
    expect(((await token.json()) as { type: string }).type).toBe('urn:drehscheibe:problem:service-unavailable');
    for (const name of ['hub-api', 'worker'] as const) {
      expect(stack.log(name)).toContain(`"target":"127.0.0.1:${pgProxy.port}/hub"`);
      expect(stack.log(name)).not.toContain(PASSWORD);
    }

    // PostgreSQL comes up: the waiting migration job applies the schema; the API becomes ready without Redis.
    await startPostgres();
    await postgres!.createDatabase('hub');
    expect(await migrating).toMatch(/applied migrations/);
    await stack.seed();
    await stack.startApp('simulator');
    await eventually('the API to become ready', async () => (await get(`${stack!.apiUrl}/health/ready`)).status === 200);
    // The worker connects on its own schedule (its next retry), and stays not-ready without Redis.
    const worker = await eventually('the worker to connect to PostgreSQL', async () => {
      const r = await get(`${stack!.workerUrl}/health/ready`);
      return r.body.checks?.database === 'up' && r;
    });
    expect(worker).toMatchObject({ status: 503, body: { checks: { database: 'up', redis: 'down' } } });
    const whileRedisDown = await stack.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: ticket('START-1') });
    expect(whileRedisDown.status).toBe(201);

    // Redis comes up: the worker becomes ready and delivers, the ticket from before included.
    redis = await infra.startRedis({ dir: join(dir, 'redis'), port: await infra.findFreePort() });
    redisProxy.retarget(redis.url);
    await eventually('the worker to become ready', async () => (await get(`${stack!.workerUrl}/health/ready`)).status === 200);
    const afterwards = await stack.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: ticket('START-2') });
    expect(afterwards.status).toBe(201);
    await eventually('both tickets delivered to the BeLa', async () => delivered([whileRedisDown.data.id, afterwards.data.id]));
    expect(alive('hub-api') && alive('worker')).toBe(true);

    // PostgreSQL shuts down under the running apps: 503 with Retry-After, not-ready, still alive; then back.
    await postgres!.stop();
    await pool?.end();
    pool = undefined;
    const down = await eventually('the API to answer 503 while PostgreSQL is down', async () => {
      const r = await fetch(`${stack!.apiUrl}/v1/tickets`, { headers: { authorization: `Bearer ${await stack!.api.token('demo-mila')}` } });
      return r.status === 503 && r;
    });
    expect(down.headers.get('retry-after')).toBe('5');
    await eventually('the worker to report the database down', async () => (await get(`${stack!.workerUrl}/health/ready`)).body.checks?.database === 'down');
    expect((await get(`${stack.apiUrl}/health/ready`)).status).toBe(503);
    await startPostgres();
    await eventually('the API to be ready again', async () => (await get(`${stack!.apiUrl}/health/ready`)).status === 200);
    await eventually('the worker to be ready again', async () => (await get(`${stack!.workerUrl}/health/ready`)).status === 200);
    const again = await eventually('a ticket to be accepted again', async () => {
      const r = await stack!.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: ticket('START-3') });
      return r.status === 201 && r;
    });
    await eventually('the ticket after the restart delivered', async () => delivered([again.data.id]));
    expect(alive('hub-api') && alive('worker')).toBe(true);
  }, 180_000);
});

// Without the defaulted supportLevel (openapi-typescript marks it required).
const ticket = (externalId: string): Omit<components['schemas']['TicketCreate'], 'supportLevel'> => ({
  externalId,
  type: 'question',
  subject: 'Start-up order',
  serviceId: 'svc-demo-wohngeld',
  impact: 3,
  urgency: 3,
  channel: 'email',
});

async function delivered(ticketIds: string[]): Promise<boolean> {
  const { items } = await stack!.simulator<{ items: Array<{ body: { ticketId: string } }> }>('GET', '/participants/demo-bela/deliveries');
  return ticketIds.every((id) => items.some((d) => d.body.ticketId === id));
}
