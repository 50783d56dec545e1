import { randomBytes } from 'node:crypto';
import { loadConfig } from '@drehscheibe/config';
import { createLogger } from '@drehscheibe/observability';
import type { components } from '@drehscheibe/client';
import { createHubApp } from '../../apps/hub-api/src/hub-app.js';
import { ed25519SecretKey, hubEnvironment, testServers } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { eventually } from '../support/stack.js';

/**
 * Issue 17, limits: API requests per participant and window, counted in
 * Redis. A small limit and a short window keep the test short; the client
 * cache is off so that a changed override applies at once.
 */
const LIMIT = 5;
const WINDOW_SECONDS = 3;
const ENV = {
  RATE_LIMIT_REQUESTS: String(LIMIT),
  RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  AUTH_CLIENT_CACHE_MS: '0',
  // The counts live in Redis under the queue prefix: a second replica below shares it, and the keys.
  QUEUE_PREFIX: `test-${randomBytes(4).toString('hex')}`,
  HUB_TOKEN_SIGNING_KEY: ed25519SecretKey(),
  HUB_WEBHOOK_SIGNING_KEY: ed25519SecretKey(),
  HUB_DATA_KEY: randomBytes(32).toString('base64'),
};

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, ENV);
});
afterAll(() => hub?.close());

let seq = 0;
async function participant(overrides: Partial<components['schemas']['ParticipantCreate']> = {}): Promise<string> {
  const id = `de-hb-rate-${++seq}-${randomBytes(3).toString('hex')}`;
  const created = await hub.api.admin('POST', '/v1/participants', { id, name: 'Testland', kind: 'land_ticket_system', land: 'DE-HB', ...overrides });
  expect(created.status).toBe(201);
  const client = await hub.api.admin('POST', '/v1/participants/{participantId}/clients', {}, { participantId: id });
  hub.api.addCredentials(id, client.data);
  await hub.api.token(id); // the token endpoint is not counted; get it before the bursts
  return id;
}

const read = (as: string) => hub.api.call('GET', '/v1/codelists', { as });

function expectLimited(r: { status: number; headers: Headers; body: unknown }, limit: number): number {
  expect(r.status).toBe(429);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:too-many-requests', status: 429 });
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(r.headers.get('ratelimit')).toBe(`"participant";r=0;t=${retryAfter}`);
  expect(r.headers.get('ratelimit-policy')).toBe(`"participant";q=${limit};w=${WINDOW_SECONDS}`);
  return retryAfter;
}

/** Requests until the first 429; returns how many were answered before it. */
async function burst(as: string, max: number): Promise<{ answered: number; refusal: Awaited<ReturnType<typeof read>> }> {
  for (let answered = 0; answered < max; answered++) {
    const r = await read(as);
    if (r.status === 429) return { answered, refusal: r };
    expect(r.status).toBe(200);
  }
  throw new Error(`no 429 after ${max} requests`);
}

describe('per-participant rate limits', () => {
  it('answer 429 with Retry-After over the limit, count each participant on its own, and never limit operators', async () => {
    const [busy, calm] = [await participant(), await participant()];
    const first = await read(busy);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit')).toMatch(new RegExp(`^"participant";r=${LIMIT - 1};t=[1-${WINDOW_SECONDS}]$`));
    expect(first.headers.get('ratelimit-policy')).toBe(`"participant";q=${LIMIT};w=${WINDOW_SECONDS}`);
    const { answered, refusal } = await burst(busy, 2 * LIMIT);
    expect(answered + 1).toBe(LIMIT);
    expectLimited(refusal, LIMIT);
    // A write is refused too, before anything is done.
    const before = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets`);
    const write = await hub.api.call('POST', '/v1/tickets', { as: busy, untypedBody: { subject: 'x' } });
    expectLimited(write, LIMIT);
    expect(await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets`)).toEqual(before);
    // Another participant in the same window is not affected.
    expect((await read(calm)).status).toBe(200);
    // Operator clients are not limited, nor are health checks.
    for (let i = 0; i < 2 * LIMIT; i++) expect((await hub.api.admin('GET', '/v1/participants')).status).toBe(200);
    for (let i = 0; i < 2 * LIMIT; i++) expect((await fetch(`${hub.url}/health/live`)).status).toBe(200);
  });

  it('lets the participant in again once the window has passed', async () => {
    const id = await participant();
    expectLimited((await burst(id, 2 * LIMIT)).refusal, LIMIT);
    const again = await eventually(
      'the window to reset',
      async () => {
        const r = await read(id);
        return r.status === 200 ? r : undefined;
      },
      3 * WINDOW_SECONDS * 1000,
    );
    expect(again.headers.get('ratelimit')).toMatch(new RegExp(`^"participant";r=${LIMIT - 1};`));
  });

  it('applies a participant’s own limit, set at registration and changed later', async () => {
    const own = 8;
    const id = await participant({ rateLimit: own });
    expect((await hub.api.admin('GET', '/v1/participants/{participantId}', undefined, { participantId: id })).data.rateLimit).toBe(own);
    const { answered, refusal } = await burst(id, 3 * own);
    expect(answered).toBe(own);
    expectLimited(refusal, own);

    // Back to the default (null clears), then a higher one: within the same window the count goes on.
    const cleared = await hub.api.admin('PATCH', '/v1/participants/{participantId}', { rateLimit: null }, { participantId: id });
    expect(cleared.data.rateLimit).toBeUndefined();
    expectLimited(await read(id), LIMIT);
    const raised = await hub.api.admin('PATCH', '/v1/participants/{participantId}', { rateLimit: 1000 }, { participantId: id });
    expect(raised.data.rateLimit).toBe(1000);
    expect((await read(id)).status).toBe(200);
  });

  it('refuses a rate limit out of range or of the wrong type (400), and changes nothing', async () => {
    const id = await participant({ rateLimit: 10 });
    for (const rateLimit of [0, -1, 1_000_001, 2.5, '10']) {
      const r = await hub.api.call('PATCH', '/v1/participants/{participantId}', { as: 'hub-admin', params: { participantId: id }, untypedBody: { rateLimit } });
      expect(r.status).toBe(400);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
      expect(JSON.stringify(r.body)).toContain('/body/rateLimit');
    }
    const created = await hub.api.call('POST', '/v1/participants', {
      as: 'hub-admin',
      untypedBody: { id: 'de-hb-rate-refused', name: 'Testland', kind: 'land_ticket_system', rateLimit: 0 },
    });
    expect(created.status).toBe(400);
    const rows = await hub.db.query<{ id: string; rate_limit: number | null }>(
      `SELECT id, rate_limit FROM participants WHERE id IN ($1, 'de-hb-rate-refused')`,
      [id],
    );
    expect(rows).toEqual([{ id, rate_limit: 10 }]);
  });

  it('is shared by every replica of the API', async () => {
    const id = await participant();
    const config = loadConfig(hubEnvironment(hub.db.url, testServers().redisUrl, { ...ENV, PORT: '0' }));
    const { app, database } = await createHubApp(config, createLogger({ name: 'replica', level: 'warn' }));
    await database.connect();
    await app.listen(0, '127.0.0.1');
    try {
      const replica = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      const authorization = `Bearer ${await hub.api.token(id)}`;
      const statuses: number[] = [];
      // Alternating between the two replicas within one window: the limit holds for the sum.
      for (let i = 0; i <= LIMIT; i++) {
        const base = i % 2 === 0 ? hub.url : replica;
        statuses.push((await fetch(`${base}/v1/codelists`, { headers: { authorization } })).status);
      }
      expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429]);
    } finally {
      await app.close();
    }
  });
});
