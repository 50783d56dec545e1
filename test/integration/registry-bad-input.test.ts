import type { components } from '@drehscheibe/client';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, { ALLOW_PRIVATE_ENDPOINTS: 'false' });
  // One ticket, so the demo service and participants are in use.
  const r = await hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: { externalId: 'IN-USE', type: 'question', subject: 'x', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
  });
  expect(r.status).toBe(201);
});
afterAll(() => hub?.close());

/** Everything the registry, notice and delivery endpoints could write. */
async function footprint() {
  const [row] = await hub.db.query(
    `SELECT (SELECT count(*) FROM participants)::int AS participants, (SELECT count(*) FROM oauth_clients)::int AS clients,
            (SELECT count(*) FROM services)::int AS services, (SELECT count(*) FROM routing_rules)::int AS rules,
            (SELECT count(*) FROM service_notices)::int AS notices, (SELECT count(*) FROM service_subscriptions)::int AS subscriptions,
            (SELECT count(*) FROM receiver_health)::int AS health,
            (SELECT string_agg(id || ':' || name || ':' || status || ':' || coalesce(delivery_url, ''), ',' ORDER BY id) FROM participants) AS participant_state,
            (SELECT string_agg(id || ':' || name || ':' || operator_id, ',' ORDER BY id) FROM services) AS service_state`,
  );
  return row;
}

interface Case {
  name: string;
  method: 'POST' | 'PATCH' | 'DELETE' | 'GET' | 'PUT';
  path: string;
  params?: Record<string, string>;
  as?: string;
  body?: unknown;
  rawBody?: string;
  status: number;
  type: string;
  pointer?: string;
}

const participant = { id: 'de-by-newcomer', name: 'Neu', kind: 'land_ticket_system' };
const p = { participantId: 'demo-bela' };
const s = { serviceId: 'svc-demo-wohngeld' };
const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

const cases: Case[] = [
  { name: 'participant: malformed JSON', method: 'POST', path: '/v1/participants', rawBody: '{"id":', status: 400, type: 'malformed-request' },
  {
    name: 'participant: missing kind',
    method: 'POST',
    path: '/v1/participants',
    body: { id: 'de-by-x', name: 'X' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/kind',
  },
  {
    name: 'participant: unknown kind',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, kind: 'bank' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/kind',
  },
  {
    name: 'participant: id with capitals',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, id: 'DE-BY' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/id',
  },
  {
    name: 'participant: over-long name',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, name: 'x'.repeat(201) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/name',
  },
  {
    name: 'participant: unknown Land',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, land: 'DE-XX' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/land',
  },
  {
    name: 'participant: unknown field',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, status: 'active' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/status',
  },
  {
    name: 'participant: ftp endpoint',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, deliveryUrl: 'ftp://example.org/x' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/deliveryUrl',
  },
  {
    name: 'participant: loopback endpoint',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, deliveryUrl: 'http://localhost:9/x' },
    status: 422,
    type: 'endpoint-not-allowed',
  },
  {
    name: 'participant: bad contact e-mail',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, contact: { email: 'nope' } },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/contact/email',
  },
  {
    name: 'participant: existing id',
    method: 'POST',
    path: '/v1/participants',
    body: { ...participant, id: 'demo-mila' },
    status: 409,
    type: 'already-exists',
  },
  {
    name: 'participant: as a participant client',
    method: 'POST',
    path: '/v1/participants',
    as: 'demo-mila',
    body: participant,
    status: 403,
    type: 'forbidden',
  },
  {
    name: 'patch: empty patch',
    method: 'PATCH',
    path: '/v1/participants/{participantId}',
    params: p,
    body: {},
    status: 400,
    type: 'validation-failed',
    pointer: '/body',
  },
  {
    name: 'patch: unknown status',
    method: 'PATCH',
    path: '/v1/participants/{participantId}',
    params: p,
    body: { status: 'gone' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/status',
  },
  {
    name: 'patch: unknown participant',
    method: 'PATCH',
    path: '/v1/participants/{participantId}',
    params: { participantId: 'de-xx-ghost' },
    body: { name: 'x' },
    status: 404,
    type: 'not-found',
  },
  {
    name: 'patch: private endpoint',
    method: 'PATCH',
    path: '/v1/participants/{participantId}',
    params: p,
    body: { deliveryUrl: 'http://192.168.1.1/x' },
    status: 422,
    type: 'endpoint-not-allowed',
  },
  {
    name: 'delete: participant with tickets and services',
    method: 'DELETE',
    path: '/v1/participants/{participantId}',
    params: p,
    status: 409,
    type: 'participant-in-use',
  },
  {
    name: 'clients: unknown scope',
    method: 'POST',
    path: '/v1/participants/{participantId}/clients',
    params: p,
    body: { scopes: ['superuser'] },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/scopes/0',
  },
  {
    name: 'clients: unknown participant',
    method: 'POST',
    path: '/v1/participants/{participantId}/clients',
    params: { participantId: 'de-xx-ghost' },
    body: {},
    status: 404,
    type: 'not-found',
  },
  {
    name: 'service: unknown operator',
    method: 'POST',
    path: '/v1/services',
    body: { id: 'svc-x', name: 'X', operatorId: 'de-xx-ghost' },
    status: 422,
    type: 'unknown-participant',
    pointer: '/body/operatorId',
  },
  {
    name: 'service: bad LeiKa key',
    method: 'POST',
    path: '/v1/services',
    body: { id: 'svc-x', name: 'X', operatorId: 'demo-bela', leikaKey: '123' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/leikaKey',
  },
  {
    name: 'service: existing id',
    method: 'POST',
    path: '/v1/services',
    body: { id: 'svc-demo-wohngeld', name: 'X', operatorId: 'demo-bela' },
    status: 409,
    type: 'already-exists',
  },
  {
    name: 'service: by a participant',
    method: 'POST',
    path: '/v1/services',
    as: 'demo-bela',
    body: { id: 'svc-x', name: 'X', operatorId: 'demo-bela' },
    status: 403,
    type: 'forbidden',
  },
  {
    name: 'service: patch to unknown operator',
    method: 'PATCH',
    path: '/v1/services/{serviceId}',
    params: s,
    body: { operatorId: 'de-xx-ghost' },
    status: 422,
    type: 'unknown-participant',
  },
  { name: 'service: delete in use', method: 'DELETE', path: '/v1/services/{serviceId}', params: s, status: 409, type: 'service-in-use' },
  {
    name: 'rule: negative position',
    method: 'POST',
    path: '/v1/routing-rules',
    body: { position: -1, category: 'payment', targetId: 'demo-bela' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/position',
  },
  { name: 'rule: no condition', method: 'POST', path: '/v1/routing-rules', body: { position: 1, targetId: 'demo-bela' }, status: 422, type: 'invalid-rule' },
  {
    name: 'rule: unknown service',
    method: 'POST',
    path: '/v1/routing-rules',
    body: { position: 1, category: 'payment', serviceId: 'svc-nowhere', targetId: 'demo-bela' },
    status: 422,
    type: 'unknown-service',
  },
  {
    name: 'rule: unknown rule id',
    method: 'PATCH',
    path: '/v1/routing-rules/{ruleId}',
    params: { ruleId: '0190b1d0-0000-7000-8000-000000000000' },
    body: { enabled: false },
    status: 404,
    type: 'not-found',
  },
  {
    name: 'rule: malformed rule id',
    method: 'DELETE',
    path: '/v1/routing-rules/{ruleId}',
    params: { ruleId: 'first' },
    status: 400,
    type: 'validation-failed',
    pointer: '/path/ruleId',
  },
  {
    name: 'notice: missing text',
    method: 'POST',
    path: '/v1/services/{serviceId}/notices',
    params: s,
    as: 'demo-bela',
    body: { kind: 'outage', startsAt: hours(0) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/text',
  },
  {
    name: 'notice: over-long text',
    method: 'POST',
    path: '/v1/services/{serviceId}/notices',
    params: s,
    as: 'demo-bela',
    body: { kind: 'outage', startsAt: hours(0), text: 'x'.repeat(5001) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/text',
  },
  {
    name: 'notice: bad start',
    method: 'POST',
    path: '/v1/services/{serviceId}/notices',
    params: s,
    as: 'demo-bela',
    body: { kind: 'outage', startsAt: 'now', text: 'x' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/startsAt',
  },
  {
    name: 'subscription: unknown service',
    method: 'PUT',
    path: '/v1/services/{serviceId}/subscription',
    params: { serviceId: 'svc-nowhere' },
    as: 'demo-mila',
    status: 404,
    type: 'not-found',
  },
  { name: 'subscription: by an admin client', method: 'PUT', path: '/v1/services/{serviceId}/subscription', params: s, status: 403, type: 'forbidden' },
  {
    name: 'deliveries: unknown status filter',
    method: 'GET',
    path: '/v1/deliveries?status=lost',
    status: 400,
    type: 'validation-failed',
    pointer: '/query/status',
  },
  { name: 'deliveries: forged cursor', method: 'GET', path: '/v1/deliveries?cursor=bm9wZQ', status: 400, type: 'invalid-cursor' },
  {
    name: 'deliveries: retry unknown',
    method: 'POST',
    path: '/v1/deliveries/{deliveryId}/retry',
    params: { deliveryId: '0190b1d0-0000-7000-8000-000000000000' },
    status: 404,
    type: 'not-found',
  },
  {
    name: 'receivers: pause unknown',
    method: 'POST',
    path: '/v1/receivers/{participantId}/pause',
    params: { participantId: 'de-xx-ghost' },
    status: 404,
    type: 'not-found',
  },
  {
    name: 'receivers: by a participant',
    method: 'POST',
    path: '/v1/receivers/{participantId}/pause',
    params: p,
    as: 'demo-bela',
    status: 403,
    type: 'forbidden',
  },
];

describe('registry, notice and delivery administration refuse bad input with problem+json and change nothing', () => {
  it.each(cases)('$name → $status $type', async (c) => {
    const before = await footprint();
    const headers: Record<string, string> = c.rawBody !== undefined ? { 'content-type': 'application/json' } : {};
    // The cases mix methods and operations, which no one path type covers: path and parameters are not
    // checked when compiling (the answer still is, against the contract, when running), and the refusal is read as a Problem.
    const r = await hub.api.call(c.method, c.path as never, {
      as: c.as ?? 'hub-admin',
      params: c.params as never,
      untypedBody: c.body,
      rawBody: c.rawBody,
      headers,
    });
    expect(r.status).toBe(c.status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    const problem = r.problem as components['schemas']['Problem'];
    expect(problem.type).toBe(`urn:drehscheibe:problem:${c.type}`);
    if (c.pointer) expect(problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain(c.pointer);
    expect(await footprint()).toEqual(before);
  });
});
