import { unavailableDependency } from '@drehscheibe/availability';
import type { components } from '@drehscheibe/client';
import { createDataSource } from '@drehscheibe/persistence';
import { testServers } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { eventually } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * The API while PostgreSQL or Redis cannot be reached: every route that
 * needs the missing server answers 503 problem+json with Retry-After (never
 * 500), nothing half-happens, and everything works again once the server is
 * back. The hub reaches both servers through real TCP proxies this test
 * controls: `refuse` cuts the open connections and every new one (the server
 * gone); a black hole accepts and never answers (a hung server). A proxy rather than stopping the shared test servers: the other
 * test files keep using them, and the outage starts and ends exactly when
 * the test says.
 */

let hub: InProcessHub;
let pg: TcpProxy;
let redis: TcpProxy;
let ticketId: string;
let deliveryId: string;
let n = 0;

beforeAll(async () => {
  const servers = testServers();
  pg = await TcpProxy.start(servers.databaseUrl);
  redis = await TcpProxy.start(servers.redisUrl);
  hub = await startInProcessHub(
    undefined,
    { DATABASE_CONNECT_TIMEOUT_MS: '1000', LOG_LEVEL: 'error' }, // the outage warnings are expected here
    { databaseUrl: (url) => pg.route(url), redisUrl: (url) => redis.route(url) },
  );
  // Tokens up front: the calls under test are the ones during the outage.
  await Promise.all(['demo-mila', 'demo-bela', 'hub-admin'].map((p) => hub.api.token(p)));
  ticketId = (await createTicket()).data.id;
  [{ id: deliveryId }] = await hub.db.query<{ id: string }>('SELECT id FROM deliveries WHERE ticket_id = $1', [ticketId]);
});
afterAll(async () => {
  pg?.setMode('forward');
  redis?.setMode('forward');
  await hub?.close();
  await pg?.close();
  await redis?.close();
});

const createTicket = () =>
  hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: { externalId: `OUT-${++n}`, type: 'question', subject: 'Ausfall', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
  });

const basic = (who: string) => {
  const { clientId, clientSecret } = hub.credentials[who];
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
};

interface Call {
  what: string;
  send: () => Promise<{ status: number; headers: Headers; body: unknown }>;
}

/** One call of every kind the API serves: token, ticket read and write, feed, registry and delivery administration, the queue board. */
const everyKind = (): Call[] => {
  const { clientId, clientSecret } = hub.credentials['demo-mila'];
  return [
    {
      what: 'token',
      send: () =>
        hub.api.call('POST', '/v1/oauth/token', {
          rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
    },
    { what: 'ticket read', send: () => hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId } }) },
    { what: 'ticket list', send: () => hub.api.call('GET', '/v1/tickets', { as: 'demo-mila' }) },
    { what: 'ticket create', send: createTicket },
    {
      what: 'ticket comment',
      send: () => hub.api.call('POST', '/v1/tickets/{ticketId}/comments', { as: 'demo-mila', params: { ticketId }, body: { text: `Nachfrage ${++n}` } }),
    },
    { what: 'feed', send: () => hub.api.call('GET', '/v1/events', { as: 'demo-bela' }) },
    { what: 'registry', send: () => hub.api.call('GET', '/v1/participants', { as: 'hub-admin' }) },
    { what: 'deliveries', send: () => hub.api.call('GET', '/v1/deliveries', { as: 'hub-admin' }) },
    { what: 'delivery retry', send: () => hub.api.call('POST', '/v1/deliveries/{deliveryId}/retry', { as: 'hub-admin', params: { deliveryId } }) },
    {
      what: 'queue board',
      send: async () => {
        const r = await fetch(`${hub.url}/admin/queues/api/queues`, { headers: { authorization: basic('hub-admin') } });
        const text = await r.text();
        return { status: r.status, headers: r.headers, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
      },
    },
  ];
};

/** The answer every call must give while a dependency is unreachable. */
function expectUnavailable(what: string, r: { status: number; headers: Headers; body: unknown }): void {
  const seen = `${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
  expect(seen).toBe(`${what}: 503 ${JSON.stringify(r.body).slice(0, 300)}`);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:service-unavailable', status: 503 });
}

// Ready (200) and not ready (503) both answer the health document; only a bad query (none here) gets a problem.
const ready = async () => (await hub.api.call('GET', '/health/ready')).body as components['schemas']['Health'];

describe('PostgreSQL unreachable', () => {
  it('answers 503 problem+json with Retry-After on every kind of route, then works again once it is back', async () => {
    pg.setMode('refuse');
    for (const call of everyKind()) expectUnavailable(call.what, await call.send());
    expect((await hub.api.call('GET', '/health/live')).status).toBe(200);
    const readiness = await hub.api.call('GET', '/health/ready');
    expect(readiness.status).toBe(503);
    expect(readiness.body).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });

    pg.setMode('forward');
    await eventually('the API to be ready again', async () => (await ready()).status === 'ok');
    for (const call of everyKind()) {
      const r = await call.send();
      expect(`${call.what}: ${r.status}`).toMatch(new RegExp(`^${call.what}: 20[01]$`));
    }
  });

  it('answers 503 within the connection timeout when the database accepts connections but never answers', async () => {
    pg.setMode('blackhole');
    try {
      // The first calls may meet pooled connections the proxy has just cut (a fast 503); soon one needs a new connection and hangs.
      let tookMs = 0;
      for (let i = 0; i < 10 && tookMs < 900; i++) {
        const started = Date.now();
        const r = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId } });
        tookMs = Date.now() - started;
        expectUnavailable('ticket read on a hung database', r);
      }
      // DATABASE_CONNECT_TIMEOUT_MS is 1 s here: the request waited for it, not for as long as the database hangs.
      expect(tookMs).toBeGreaterThanOrEqual(900);
      expect(tookMs).toBeLessThan(15_000);
    } finally {
      pg.setMode('forward');
    }
    await eventually(
      'the ticket to be readable again',
      async () => (await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId } })).status === 200,
    );
  });
});

describe('a connection to PostgreSQL reset in the middle of a query', () => {
  it('fails the query with an error the hub knows as "database unreachable" (503), not as a bug (500)', async () => {
    const dataSource = await createDataSource({ url: pg.route(hub.db.url), poolSize: 1 }).initialize();
    try {
      const running = dataSource.query('SELECT pg_sleep(30)').then(
        () => new Error('the query should have failed'),
        (e: unknown) => e,
      );
      await eventually('the query to run on the server', async () => {
        const rows = await hub.db.query(`SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`);
        return rows.length === 1;
      });
      pg.setMode('refuse'); // RST on the open connection
      const error = await running;
      expect((error as { driverError?: { code?: string } }).driverError?.code ?? (error as Error).message).toMatch(/ECONNRESET|EPIPE|Connection terminated/);
      expect(unavailableDependency(error)).toBe('database');
    } finally {
      pg.setMode('forward');
      await dataSource.destroy();
    }
  });
});

describe('Redis unreachable', () => {
  const deliveryRow = async () =>
    (
      await hub.db.query<{ status: string; attempts: number; next_attempt_at: Date }>(
        'SELECT status, attempts, next_attempt_at FROM deliveries WHERE id = $1',
        [deliveryId],
      )
    )[0];

  it('keeps accepting tickets, refuses retry and replay with 503 without changing them, and runs them once Redis is back', async () => {
    await hub.db.query(`UPDATE deliveries SET status = 'dead' WHERE id = $1`, [deliveryId]);
    const before = await deliveryRow();
    redis.setMode('refuse');
    try {
      // The outbox is in PostgreSQL: writes need no Redis.
      const created = await createTicket();
      expect(created.status).toBe(201);
      expect(await ready()).toEqual({ status: 'ok', checks: { database: 'up', redis: 'down' } });

      expectUnavailable('delivery retry', await hub.api.call('POST', '/v1/deliveries/{deliveryId}/retry', { as: 'hub-admin', params: { deliveryId } }));
      expectUnavailable(
        'dead-letter replay',
        await hub.api.call('POST', '/v1/receivers/{participantId}/dead-letters/replay', { as: 'hub-admin', params: { participantId: 'demo-bela' } }),
      );
      expect(await deliveryRow()).toEqual(before); // refused means unchanged
      const board = await fetch(`${hub.url}/admin/queues/api/queues`, { headers: { authorization: basic('hub-admin') } });
      expectUnavailable('queue board', { status: board.status, headers: board.headers, body: await board.json() });
    } finally {
      redis.setMode('forward');
    }

    await eventually('Redis to be reachable again', async () => (await ready()).checks?.redis === 'up');
    const replay = await hub.api.call('POST', '/v1/receivers/{participantId}/dead-letters/replay', {
      as: 'hub-admin',
      params: { participantId: 'demo-bela' },
    });
    expect(replay.status).toBe(200);
    expect(replay.data.replayed).toBeGreaterThanOrEqual(1);
    expect((await deliveryRow()).status).toBe('pending');
    const retry = await hub.api.call('POST', '/v1/deliveries/{deliveryId}/retry', { as: 'hub-admin', params: { deliveryId } });
    expect(retry.status).toBe(200);
  });
});
