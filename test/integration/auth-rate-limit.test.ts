import { randomBytes } from 'node:crypto';
import { loadConfig } from '@drehscheibe/config';
import { createLogger } from '@drehscheibe/observability';
import { hashClientSecret } from '@drehscheibe/security';
import { Redis } from 'ioredis';
import { FailedAuthLimiter } from '../../apps/hub-api/src/auth/failed-auth-limiter.js';
import { createHubApp } from '../../apps/hub-api/src/hub-app.js';
import { hubEnvironment, testServers } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

/**
 * Issue 12, item 20: failed client authentications are limited per client id
 * and per source address (here all requests come from 127.0.0.1, so the
 * per-source limit is shown with distinct client ids). Small limits keep the
 * test short; the window is long enough not to end during the test.
 */
const PER_CLIENT = 3;
const PER_SOURCE = 12;
const LIMITS = {
  AUTH_FAILURES_PER_CLIENT: String(PER_CLIENT),
  AUTH_FAILURES_PER_SOURCE: String(PER_SOURCE),
  AUTH_FAILURE_WINDOW_SECONDS: '600',
  // The counts live in Redis under the queue prefix: a second replica below shares it.
  QUEUE_PREFIX: `test-${randomBytes(4).toString('hex')}`,
};

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, LIMITS);
});
afterAll(() => hub?.close());

const form = (clientId: string, clientSecret: string) => ({
  rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});
const tokenRequest = (clientId: string, clientSecret: string) => hub.api.call('POST', '/v1/oauth/token', form(clientId, clientSecret));
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function operatorClient(id: string, scopes = '{admin}'): Promise<string> {
  const secret = `secret-of-${id}`;
  await hub.db.query(`INSERT INTO oauth_clients (client_id, participant_id, secret_hash, scopes) VALUES ($1, NULL, $2, $3)`, [
    id,
    await hashClientSecret(secret),
    scopes,
  ]);
  return secret;
}

function expectTooMany(r: { status: number; headers: Headers; body: unknown }): number {
  expect(r.status).toBe(429);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:too-many-requests', status: 429, error: 'temporarily_unavailable' });
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(600);
  return retryAfter;
}

// The tests run in order and share the source address's count, which the last ones exhaust.
describe('failed client authentications', () => {
  it('get at most the limit’s worth of secret checks in a concurrent burst; the rest wait with 429', async () => {
    await operatorClient('burst');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => tokenRequest('burst', `wrong-${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(PER_CLIENT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - PER_CLIENT);
    for (const a of answers.filter((a) => a.status === 429)) expectTooMany(a);
  });

  it('are limited per client id: a burst of bad secrets gets 429 with Retry-After, even for the right secret, others are untouched', async () => {
    const secret = await operatorClient('flooded');
    const other = await operatorClient('bystander');
    // A success before the flood, from this source (the next test relies on it).
    expect((await tokenRequest('bystander', other)).status).toBe(200);
    for (let i = 0; i < PER_CLIENT; i++) expect((await tokenRequest('flooded', `wrong-${i}`)).status).toBe(401);
    expectTooMany(await tokenRequest('flooded', 'wrong-again'));
    // Held back before the secret is checked: the right one waits too.
    expect(expectTooMany(await tokenRequest('flooded', secret))).toBeGreaterThan(0);
    const [{ n }] = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM oauth_clients WHERE client_id = 'flooded'`);
    expect(n).toBe(1);
    // Another client from the same source is not affected by this client id's count.
    expect((await tokenRequest('bystander', other)).status).toBe(200);
    // HTTP Basic, as the queue board takes it, meets the same count.
    const board = await fetch(`${hub.url}/admin/queues`, { headers: { authorization: basic('flooded', secret) } });
    expect(board.status).toBe(429);
    expect(Number(board.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('do not lock a client out from a source where it authenticated before', async () => {
    // 'bystander' authenticated from here; a flood for its id from elsewhere would count against
    // its id, which here we stand in for by raising its count directly to the limit.
    const secret = 'secret-of-bystander';
    const before = await tokenRequest('bystander', secret);
    expect(before.status).toBe(200);
    for (let i = 0; i < PER_CLIENT; i++) expect((await tokenRequest('bystander', `wrong-${i}`)).status).toBe(401);
    // The count for the id is exhausted, but this source proved it holds the secret: not held back.
    expect((await tokenRequest('bystander', secret)).status).toBe(200);
  });

  it('are limited per source address, across client ids, and the queue board meets the same count', async () => {
    let attempts = 0;
    let answer = await tokenRequest('ghost-0', 'nope');
    while (answer.status === 401 && attempts < PER_SOURCE) answer = await tokenRequest(`ghost-${++attempts}`, 'nope');
    expectTooMany(answer);
    // The source is now held back for every client id, a known one with the right secret included, on both ways in.
    expectTooMany(await tokenRequest('bystander', 'secret-of-bystander'));
    const board = await fetch(`${hub.url}/admin/queues`, { headers: { authorization: basic('bystander', 'secret-of-bystander') } });
    expect(board.status).toBe(429);
  });

  it('are counted in Redis, shared by every replica', async () => {
    // A second API replica on the same Redis and database sees the same exhausted source count.
    const config = loadConfig(hubEnvironment(hub.db.url, testServers().redisUrl, { ...LIMITS, PORT: '0' }));
    const { app, database } = await createHubApp(config, createLogger({ name: 'replica', level: 'warn' }));
    await database.connect(); // the replica answers 503 until its database is connected
    await app.listen(0, '127.0.0.1');
    try {
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      const { rawBody, headers } = form('bystander', 'secret-of-bystander');
      const r = await fetch(`${url}/v1/oauth/token`, { method: 'POST', body: rawBody, headers });
      expect(r.status).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('are read from Redis even while a new replica is still opening its connection', async () => {
    // Regression: a replica whose Redis connection was not ready yet read no shared count and admitted.
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    const limits = { perClient: 100, perSource: 2, windowSeconds: 600 };
    const established = new Redis(testServers().redisUrl);
    let opening: Redis | undefined;
    try {
      await established.ping();
      const first = new FailedAuthLimiter(established, prefix, limits);
      for (const clientId of ['a', 'b']) {
        const attempt = await first.admit(clientId, '10.9.8.7');
        if ('retryAfterSeconds' in attempt) throw new Error('held back too early');
        await attempt.failed();
      }
      // Made and asked at once: its connection is still being opened.
      opening = new Redis(testServers().redisUrl);
      const second = new FailedAuthLimiter(opening, prefix, limits);
      expect(opening.status).not.toBe('ready');
      expect(await second.admit('c', '10.9.8.7')).toEqual({ by: 'source', retryAfterSeconds: expect.any(Number) as number });
    } finally {
      established.disconnect();
      opening?.disconnect();
    }
  });
});
