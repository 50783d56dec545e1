import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
});
afterAll(() => hub?.close());

/** Routes that are operations of the tooling, not of the API contract. */
const TOOLING = /^(GET|POST|PUT|DELETE|PATCH|OPTIONS) \/(docs|admin\/queues)/;

describe('the OpenAPI document and the routes', () => {
  it('describe the same operations — a route missing from either side fails', () => {
    const inSpec = new SpecValidator(loadOpenApiDocument()).operationKeys().sort();
    const served = hub.routes.filter((r) => !TOOLING.test(r)).sort();
    expect(served).toEqual(inSpec);
  });

  it('declare 503 with Retry-After on every operation that needs the database or Redis', () => {
    const document = loadOpenApiDocument() as unknown as {
      paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, { $ref?: string }> }>>;
      components: { responses: Record<string, { headers?: Record<string, unknown> }> };
    };
    // The health checks report outages in their own body; /metrics answers during them (without the database's figures).
    const exempt = new Set(['getLiveness', 'getReadiness', 'getMetrics']);
    const missing = Object.values(document.paths)
      .flatMap((item) => Object.values(item).filter((op) => typeof op === 'object' && op && 'responses' in op))
      .filter((op) => !exempt.has(op.operationId!) && op.responses?.['503']?.$ref !== '#/components/responses/ServiceUnavailable')
      .map((op) => op.operationId);
    expect(missing).toEqual([]);
    expect(Object.keys(document.components.responses.ServiceUnavailable.headers ?? {})).toEqual(['Retry-After']);
  });

  it('Swagger UI serves exactly the hand-written document', async () => {
    const docs = await fetch(`${hub.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    const json = await (await fetch(`${hub.url}/docs-json`)).json();
    expect(json).toEqual(JSON.parse(JSON.stringify(loadOpenApiDocument())));
  });
});

describe('operations endpoints', () => {
  it('answers liveness and readiness with the dependencies checked', async () => {
    expect((await hub.api.call('GET', '/health/live')).body).toEqual({ status: 'ok' });
    const ready = await hub.api.call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
  });

  it('publishes the token key and the webhook key as Ed25519 JWKs, each in its own set', async () => {
    const { data: tokenSet } = await hub.api.call('GET', '/.well-known/jwks.json');
    const { data: webhookSet } = await hub.api.call('GET', '/.well-known/webhook-jwks.json');
    expect(tokenSet.keys).toHaveLength(1);
    expect(webhookSet.keys).toHaveLength(1);
    for (const key of [...tokenSet.keys, ...webhookSet.keys]) expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA' });
    expect(tokenSet.keys[0].kid).not.toBe(webhookSet.keys[0].kid);
    expect(tokenSet.keys[0].x).not.toBe(webhookSet.keys[0].x);
  });

  it('answers an unknown route with problem+json and a correlation id', async () => {
    const response = await fetch(`${hub.url}/v1/nothing-here`, { headers: { 'x-correlation-id': 'trace-123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('x-correlation-id')).toBe('trace-123');
    expect(await response.json()).toMatchObject({ type: 'urn:drehscheibe:problem:not-found', status: 404, correlationId: 'trace-123' });
  });
});

describe('queue board', () => {
  it('opens for an admin client with HTTP Basic and refuses participants and strangers', async () => {
    const { clientId, clientSecret } = hub.credentials['hub-admin'];
    const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
    const admin = await fetch(`${hub.url}/admin/queues`, { headers: basic(clientId, clientSecret) });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('<html');
    const api = await fetch(`${hub.url}/admin/queues/api/queues`, { headers: basic(clientId, clientSecret) });
    expect(((await api.json()) as { queues: Array<{ name: string }> }).queues[0].name).toBe('deliveries');
    const mila = hub.credentials['demo-mila'];
    expect((await fetch(`${hub.url}/admin/queues`, { headers: basic(mila.clientId, mila.clientSecret) })).status).toBe(401);
    expect((await fetch(`${hub.url}/admin/queues`, { headers: { authorization: `Bearer ${await hub.api.token('demo-mila')}` } })).status).toBe(401);
    const none = await fetch(`${hub.url}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
  });
});

describe('metrics', () => {
  it('exposes request, ticket, backlog and queue metrics in Prometheus format', async () => {
    await hub.api.call('GET', '/health/live');
    const r = await hub.api.call('GET', '/metrics', { as: 'hub-admin' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = r.data;
    expect(text).toMatch(/drehscheibe_http_request_duration_seconds_count\{[^}]*route="\/health\/live"[^}]*\} [1-9]/);
    expect(text).toContain('# TYPE drehscheibe_queue_jobs gauge');
    expect(text).toMatch(/drehscheibe_queue_jobs\{state="waiting"[^}]*\} \d+/);
    expect(text).toContain('# TYPE drehscheibe_tickets gauge');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

describe('codelists', () => {
  it('lists every codelist with URN, version and codes', async () => {
    const { status, data } = await hub.api.call('GET', '/v1/codelists', { as: 'demo-mila' });
    expect(status).toBe(200);
    const ids = data.items.map((l) => l.id);
    expect(ids).toEqual(expect.arrayContaining(['ticket-status', 'ticket-type', 'priority', 'impact', 'urgency', 'channel', 'category', 'resolution-code']));
    const status_ = data.items.find((l) => l.id === 'ticket-status')!;
    expect(status_.uri).toBe('urn:xoev-de:drehscheibe:codeliste:ticket-status');
    expect(status_.version).toBe('1.0');
  });

  it('keeps the contract enums and the codelists identical', async () => {
    const { data } = await hub.api.call('GET', '/v1/codelists', { as: 'demo-mila' });
    const codes = (id: string) => data.items.find((l) => l.id === id)!.codes.map((c) => c.code);
    const schemas = loadOpenApiDocument().components.schemas as Record<string, { enum: unknown[] }>;
    expect(codes('ticket-status')).toEqual(schemas.TicketStatus.enum);
    expect(codes('ticket-type')).toEqual(schemas.TicketType.enum);
    expect(codes('channel')).toEqual(schemas.Channel.enum);
    expect(codes('impact').map(Number)).toEqual(schemas.Level.enum);
  });
});
