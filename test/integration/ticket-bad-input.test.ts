import type { components } from '@drehscheibe/client';
import type { TicketActionPath } from '../support/api-client.js';
import { ticketFootprint, validTicket } from '../support/bad-input.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

type TicketCreate = components['schemas']['TicketCreate'];

let hub: InProcessHub;
let ticketId: string;

beforeAll(async () => {
  hub = await startInProcessHub();
  // validTicket's fields are typed as plain strings and numbers; its values are valid.
  const r = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: validTicket('BAD') as TicketCreate });
  ticketId = r.data.id;
});
afterAll(() => hub?.close());

interface BadCase {
  name: string;
  path: string;
  as?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  status: number;
  type: string;
  pointer?: string;
}

const t = (p: string) => p.replace('{id}', '{ticketId}');

const cases: BadCase[] = [
  { name: 'malformed JSON', path: '/v1/tickets', rawBody: '{"externalId": "x",', status: 400, type: 'malformed-request' },
  { name: 'an empty JSON body', path: '/v1/tickets', rawBody: '', status: 400, type: 'malformed-request' },
  { name: 'a JSON array', path: '/v1/tickets', body: [validTicket('BAD')], status: 400, type: 'validation-failed', pointer: '/body' },
  {
    name: 'an unknown field',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), colour: 'red' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/colour',
  },
  {
    name: 'a priority (derived, never sent)',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), priority: 1 },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/priority',
  },
  {
    name: 'a missing subject',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), subject: undefined },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/subject',
  },
  { name: 'a wrong type', path: '/v1/tickets', body: { ...validTicket('BAD'), impact: '1' }, status: 400, type: 'validation-failed', pointer: '/body/impact' },
  {
    name: 'an over-long subject',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), subject: 'x'.repeat(201) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/subject',
  },
  {
    name: 'an over-long description',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), description: 'x'.repeat(10_001) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/description',
  },
  {
    name: 'an unknown ticket type',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), type: 'wish' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/type',
  },
  {
    name: 'an unknown channel',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), channel: 'pigeon' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/channel',
  },
  {
    name: 'an unknown category code',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), category: 'access.teleport' },
    status: 422,
    type: 'unknown-code',
    pointer: '/body/category',
  },
  {
    name: 'an unknown service',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), serviceId: 'svc-nowhere' },
    status: 422,
    type: 'unknown-service',
    pointer: '/body/serviceId',
  },
  {
    name: 'an unknown assignee',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), assignee: { participantId: 'de-xx-ghost' } },
    status: 422,
    type: 'unroutable',
  },
  {
    name: 'the origin as assignee',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), assignee: { participantId: 'demo-mila' } },
    status: 422,
    type: 'unroutable',
  },
  {
    name: 'a malformed e-mail of the requester',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), requester: { email: 'not-an-address' } },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/requester/email',
  },
  {
    name: 'a bad timestamp',
    path: '/v1/tickets',
    body: { ...validTicket('BAD'), dueAt: 'tomorrow' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/dueAt',
  },
  { name: 'a text/plain body', path: '/v1/tickets', rawBody: 'hello', contentType: 'text/plain', status: 415, type: 'unsupported-media-type' },
  {
    name: 'a status the endpoint does not set',
    path: t('/v1/tickets/{id}/status'),
    as: 'demo-bela',
    body: { status: 'closed' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/status',
  },
  {
    name: 'an unknown resolution code',
    path: t('/v1/tickets/{id}/resolution'),
    as: 'demo-bela',
    body: { code: 'magic', text: 'x' },
    status: 422,
    type: 'unknown-code',
    pointer: '/body/code',
  },
  {
    name: 'an empty resolution text',
    path: t('/v1/tickets/{id}/resolution'),
    as: 'demo-bela',
    body: { code: 'solved', text: '' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/text',
  },
  { name: 'a reopen without reason', path: t('/v1/tickets/{id}/reopen'), body: {}, status: 400, type: 'validation-failed', pointer: '/body/reason' },
  {
    name: 'an acknowledgement with an over-long external id',
    path: t('/v1/tickets/{id}/acknowledgement'),
    as: 'demo-bela',
    body: { externalId: 'x'.repeat(101) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/externalId',
  },
  { name: 'an illegal transition', path: t('/v1/tickets/{id}/close'), body: {}, status: 409, type: 'illegal-transition' },
];

describe('bad input answers problem+json and writes nothing', () => {
  it.each(cases)('$name → $status $type', async (c) => {
    const before = await ticketFootprint(hub.db);
    const headers: Record<string, string> = {};
    if (c.rawBody !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
    const r = await hub.api.call('POST', c.path as '/v1/tickets' | TicketActionPath, {
      as: c.as ?? 'demo-mila',
      params: { ticketId },
      untypedBody: c.body,
      rawBody: c.rawBody,
      headers,
    });
    expect(r.status).toBe(c.status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.problem.type).toBe(`urn:drehscheibe:problem:${c.type}`);
    expect(r.problem.correlationId).toEqual(expect.any(String));
    if (c.pointer) expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain(c.pointer);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('refuses a malformed ticket id in the path', async () => {
    const r = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId: 'drop table' } });
    expect(r.status).toBe(400);
    expect(r.problem.errors![0].pointer).toBe('/path/ticketId');
  });

  it.each(['yesterday', '3', '"3', 'W/3', '"1",,', ''])('refuses the malformed If-Match %p with 400 at /header/if-match', async (ifMatch) => {
    const before = await ticketFootprint(hub.db);
    const r = await hub.api.call('POST', '/v1/tickets/{ticketId}/comments', {
      as: 'demo-mila',
      params: { ticketId },
      body: { text: 'Bedingt' },
      headers: { 'if-match': ifMatch },
    });
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain('/header/if-match');
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('refuses a malformed If-Match', async () => {
    const before = await ticketFootprint(hub.db);
    const r = await hub.api.call('POST', '/v1/tickets/{ticketId}/status', {
      as: 'demo-bela',
      params: { ticketId },
      body: { status: 'in_progress' },
      headers: { 'if-match': 'yesterday' },
    });
    expect(r.status).toBe(400);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('refuses a body over the size limit with 413', async () => {
    const r = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      rawBody: JSON.stringify({ ...validTicket('BAD'), description: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(413);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:payload-too-large');
  });
});

describe('If-Match compares strongly (RFC 9110 13.1.1)', () => {
  let id: string;
  const comment = (ifMatch: string) =>
    hub.api.call('POST', '/v1/tickets/{ticketId}/comments', {
      as: 'demo-mila',
      params: { ticketId: id },
      body: { text: 'Bedingt' },
      headers: { 'if-match': ifMatch },
    });

  beforeAll(async () => {
    // validTicket's fields are typed as plain strings and numbers; its values are valid.
    const r = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: validTicket('IFM') as TicketCreate });
    id = r.data.id;
    expect(r.headers.get('etag')).toBe('"1"');
  });

  it.each(['W/"1"', '"7", W/"1"', '"one"'])('refuses %s at version 1 with 412 version-mismatch and changes nothing', async (ifMatch) => {
    const before = await ticketFootprint(hub.db);
    const r = await comment(ifMatch);
    expect(r.status).toBe(412);
    expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:version-mismatch', currentVersion: 1 });
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('applies the change for the strong tag of the current version, for * and for a list with it', async () => {
    const strong = await comment('"1"');
    expect(strong.status).toBe(200);
    expect(strong.headers.get('etag')).toBe('"2"');
    const any = await comment('*');
    expect(any.status).toBe(200);
    expect(any.headers.get('etag')).toBe('"3"');
    const list = await comment('"1", W/"3" ,"3"');
    expect(list.status).toBe(200);
    expect(list.headers.get('etag')).toBe('"4"');
  });
});
