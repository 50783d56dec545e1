import type { components } from '@drehscheibe/client';
import { registryFootprint, ticketFootprint, validTicket } from '../support/bad-input.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

/**
 * Issue 12, items 8, 9 and 11: U+0000 and unpaired surrogates in free text,
 * duplicate JSON member names and top-level JSON values that are not the
 * object the contract wants are refused with 400 and a JSON pointer, the same
 * way on every route, and change nothing; well-formed non-ASCII text is
 * stored exactly as sent.
 */

type TicketCreate = components['schemas']['TicketCreate'];
type Problem = components['schemas']['Problem'];

let hub: InProcessHub;
let ticketId: string;

beforeAll(async () => {
  hub = await startInProcessHub();
  // validTicket's fields are typed as plain strings and numbers; its values are valid.
  const r = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: validTicket('TXT') as TicketCreate });
  expect(r.status).toBe(201);
  ticketId = r.data.id;
});
afterAll(() => hub?.close());

const footprint = () => Promise.all([ticketFootprint(hub.db), registryFootprint(hub.db)]);

/** A request with one free-text field set by the case; `value` lands at `pointer`. */
interface Field {
  name: string;
  method: 'POST' | 'PATCH';
  path: string;
  as: string;
  body: (value: string) => Record<string, unknown>;
  pointer: string;
}

let unique = 0;
const participant = (extra: Partial<components['schemas']['ParticipantCreate']>) => ({
  id: `de-by-text-${++unique}`,
  name: 'Textamt',
  kind: 'land_ticket_system' as const,
  ...extra,
});
const service = (extra: Partial<components['schemas']['ServiceCreate']>) => ({
  id: `svc-text-${++unique}`,
  name: 'Textdienst',
  operatorId: 'demo-bela',
  ...extra,
});
const rule = (extra: Partial<components['schemas']['RoutingRuleCreate']>) => ({
  position: 900_000 + ++unique,
  originLand: 'DE-BY' as const,
  targetId: 'demo-bela',
  ...extra,
});

const fields: Field[] = [
  {
    name: 'ticket externalId',
    method: 'POST',
    path: '/v1/tickets',
    as: 'demo-mila',
    body: (v) => ({ ...validTicket('TXT'), externalId: v }),
    pointer: '/body/externalId',
  },
  {
    name: 'ticket subject',
    method: 'POST',
    path: '/v1/tickets',
    as: 'demo-mila',
    body: (v) => ({ ...validTicket('TXT'), subject: v }),
    pointer: '/body/subject',
  },
  {
    name: 'ticket description',
    method: 'POST',
    path: '/v1/tickets',
    as: 'demo-mila',
    body: (v) => ({ ...validTicket('TXT'), description: v }),
    pointer: '/body/description',
  },
  { name: 'comment text', method: 'POST', path: '/v1/tickets/{ticketId}/comments', as: 'demo-mila', body: (v) => ({ text: v }), pointer: '/body/text' },
  { name: 'participant name', method: 'POST', path: '/v1/participants', as: 'hub-admin', body: (v) => participant({ name: v }), pointer: '/body/name' },
  {
    name: 'participant contact.name',
    method: 'POST',
    path: '/v1/participants',
    as: 'hub-admin',
    body: (v) => participant({ contact: { name: v, email: 'it@example.org' } }),
    pointer: '/body/contact/name',
  },
  {
    name: 'participant name (update)',
    method: 'PATCH',
    path: '/v1/participants/demo-bela',
    as: 'hub-admin',
    body: (v) => ({ name: v }),
    pointer: '/body/name',
  },
  { name: 'service name', method: 'POST', path: '/v1/services', as: 'hub-admin', body: (v) => service({ name: v }), pointer: '/body/name' },
  {
    name: 'service name (update)',
    method: 'PATCH',
    path: '/v1/services/svc-demo-wohngeld',
    as: 'hub-admin',
    body: (v) => ({ name: v }),
    pointer: '/body/name',
  },
  {
    name: 'routing-rule description',
    method: 'POST',
    path: '/v1/routing-rules',
    as: 'hub-admin',
    body: (v) => rule({ description: v }),
    pointer: '/body/description',
  },
];

const badText = [
  { what: 'a NUL byte', value: 'vor\u0000nach', message: /U\+0000/ },
  { what: 'a lone high surrogate', value: 'vor\ud800nach', message: /surrogate/ },
  { what: 'a lone low surrogate', value: 'vor\udc00nach', message: /surrogate/ },
];

/** The JSON text of `body` with the member at `pointer` sent twice: first "erste", then "zweite". */
function withDuplicate(body: Record<string, unknown>, pointer: string): string {
  const key = pointer.split('/').pop()!;
  return JSON.stringify(body).replace(`"${key}":"@@"`, `"${key}":"erste","${key}":"zweite"`);
}

async function expectRefused(field: Field, request: { body?: unknown; rawBody?: string }, pointer: string, message: RegExp) {
  const before = await footprint();
  // The fields mix methods and operations, which no one path type covers, and two give a concrete path rather than
  // the template: path and parameters go unchecked when compiling, and the refusal is read as a Problem.
  const r = await hub.api.call(field.method, field.path as never, {
    as: field.as,
    params: { ticketId } as never,
    untypedBody: request.body,
    rawBody: request.rawBody,
    headers: request.rawBody === undefined ? {} : { 'content-type': 'application/json' },
  });
  expect(r.status).toBe(400);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  const problem = r.problem as Problem;
  expect(problem.type).toBe('urn:drehscheibe:problem:validation-failed');
  expect(problem.errors).toContainEqual({ pointer, message: expect.stringMatching(message) as unknown });
  expect(await footprint()).toEqual(before);
}

describe.each(fields)('$name', (field) => {
  it.each(badText)('refuses $what with 400 and the pointer, and writes nothing', async ({ value, message }) => {
    await expectRefused(field, { body: field.body(value) }, field.pointer, message);
  });

  it('refuses the member sent twice with 400 and the pointer, and writes nothing', async () => {
    await expectRefused(field, { rawBody: withDuplicate(field.body('@@'), field.pointer) }, field.pointer, /duplicate/);
  });
});

describe('the same rule everywhere', () => {
  it('refuses a member name with U+0000', async () => {
    const field = fields[1];
    await expectRefused(field, { rawBody: JSON.stringify({ ...validTicket('TXT'), 'sub\u0000ject': 'x' }) }, '/body/sub\u0000ject', /U\+0000/);
  });

  it('refuses a duplicate deep inside the body (requester.name)', async () => {
    const field = fields[1];
    const raw = JSON.stringify({ ...validTicket('TXT'), requester: { name: '@@', email: 'b@example.org' } });
    await expectRefused(field, { rawBody: raw.replace('"name":"@@"', '"name":"Erika","name":"Max"') }, '/body/requester/name', /duplicate/);
  });

  it('refuses a duplicate serviceId (the last one would decide the routing)', async () => {
    const field = fields[1];
    const raw = JSON.stringify(validTicket('TXT')).replace('"serviceId":"svc-demo-wohngeld"', '"serviceId":"svc-demo-wohngeld","serviceId":"svc-other"');
    await expectRefused(field, { rawBody: raw }, '/body/serviceId', /duplicate/);
  });

  it('escapes ~ and / in the pointer of a duplicate (RFC 6901)', async () => {
    const field = fields[1];
    const raw = JSON.stringify(validTicket('TXT')).replace(/}$/, ',"a/b~c":1,"a/b~c":2}');
    await expectRefused(field, { rawBody: raw }, '/body/a~1b~0c', /duplicate/);
  });

  it('refuses a __proto__ member as malformed, and writes nothing', async () => {
    const before = await footprint();
    const raw = JSON.stringify(validTicket('TXT')).replace(/}$/, ',"__proto__":{"isAdmin":true}}');
    const r = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', rawBody: raw, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:malformed-request');
    expect(await footprint()).toEqual(before);
  });

  it('refuses a body that is not UTF-8 as malformed, and writes nothing', async () => {
    const before = await footprint();
    const body = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const r = await fetch(`${hub.url}/v1/tickets/${ticketId}/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await hub.api.token('demo-mila')}`, 'content-type': 'application/json' },
      body,
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(((await r.json()) as { type: string }).type).toBe('urn:drehscheibe:problem:malformed-request');
    expect(await footprint()).toEqual(before);
  });

  it.each([
    ['q=%00', '/query/q'],
    ['q=%ED%A0%80', '/query/q'],
    ['q=%FF', '/query/q'],
    ['q=ok&cursor=%00', '/query/cursor'],
  ])('refuses the query %s with 400 and the pointer', async (query, pointer) => {
    const r = await hub.api.call('GET', `/v1/tickets?${query}` as '/v1/tickets', { as: 'demo-mila' });
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
  });

  it('refuses a query with a bad text on a route without query parameters too', async () => {
    const r = await hub.api.call('GET', '/health/live?x=%00' as '/health/live');
    expect(r.status).toBe(400);
    expect(r.problem.errors).toEqual([{ pointer: '/query/x', message: expect.stringMatching(/U\+0000/) as unknown }]);
  });

  it.each([
    ['GET', '/v1/tickets/{ticketId}', { ticketId: 'a\u0000b' }, '/path/ticketId'],
    ['GET', '/v1/participants/{participantId}', { participantId: 'demo\u0000bela' }, '/path/participantId'],
    ['GET', '/v1/services/{serviceId}/notices', { serviceId: 'svc\u0000x' }, '/path/serviceId'],
  ] as const)('refuses a path parameter with U+0000: %s %s', async (method, path, params, pointer) => {
    const r = await hub.api.call(method, path, { as: path.includes('participants') ? 'hub-admin' : 'demo-mila', params });
    expect(r.status).toBe(400);
    const problem = r.problem;
    expect(problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(problem.errors).toEqual([{ pointer, message: expect.stringMatching(/U\+0000/) as unknown }]);
  });
});

describe('the token endpoint’s form', () => {
  const token = (form: string, headers: Record<string, string> = {}) =>
    hub.api.call('POST', '/v1/oauth/token', { rawBody: form, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  const { clientId, clientSecret } = { clientId: 'x', clientSecret: 'y' };

  it.each([
    [`grant_type=client_credentials&client_id=a%00b&client_secret=${clientSecret}`, '/body/client_id'],
    [`grant_type=client_credentials&client_id=${clientId}&client_secret=%ED%A0%80`, '/body/client_secret'],
    [`grant_type=client_credentials&client_id=${clientId}&client_secret=%FF`, '/body/client_secret'],
    [`grant_type=client_credentials&client_id=${clientId}&client_id=other&client_secret=${clientSecret}`, '/body/client_id'],
  ])('refuses %s with 400 and the pointer', async (form, pointer) => {
    const before = await footprint();
    const r = await token(form);
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    expect(await footprint()).toEqual(before);
  });

  it('answers HTTP Basic credentials with U+0000 as an unknown client (401), not 500', async () => {
    const basic = Buffer.from(`demo%00mila:${clientSecret}`).toString('base64');
    const r = await token('grant_type=client_credentials', { authorization: `Basic ${basic}` });
    expect(r.status).toBe(401);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:invalid-client');
  });

  it('still issues tokens for a well-formed form', async () => {
    const { clientId: id, clientSecret: secret } = hub.credentials['demo-mila'];
    const r = await token(new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }).toString());
    expect(r.status).toBe(200);
  });
});

describe('top-level JSON values the contract does not describe (item 9)', () => {
  const clients = async () => (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM oauth_clients'))[0].n;

  it.each(['null', '"hello"', '[]', '42', 'true'])('POST /v1/participants/{id}/clients refuses %s with 400 at /body and issues no secret', async (raw) => {
    const before = await footprint();
    const r = await hub.api.call('POST', '/v1/participants/{participantId}/clients', {
      as: 'hub-admin',
      params: { participantId: 'demo-bela' },
      rawBody: raw,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain('/body');
    // No secret in the refusal, under the answer's name for it or the token endpoint's.
    expect(Object.keys(r.body as object)).not.toEqual(expect.arrayContaining(['clientSecret']));
    expect(Object.keys(r.body as object)).not.toEqual(expect.arrayContaining(['client_secret']));
    expect(await footprint()).toEqual(before);
  });

  it('POST /v1/participants/{id}/clients without a body still issues a client', async () => {
    const before = await clients();
    const r = await hub.api.call('POST', '/v1/participants/{participantId}/clients', { as: 'hub-admin', params: { participantId: 'demo-bela' } });
    expect(r.status).toBe(201);
    expect(await clients()).toBe(before + 1);
  });

  it.each(['null', '"x"', '[{}]'])('POST close refuses %s with 400 at /body and writes nothing', async (raw) => {
    const before = await footprint();
    const r = await hub.api.call('POST', '/v1/tickets/{ticketId}/close', {
      as: 'demo-mila',
      params: { ticketId },
      rawBody: raw,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain('/body');
    expect(await footprint()).toEqual(before);
  });
});

describe('well-formed non-ASCII text', () => {
  const text = 'Grüße aus Köln – Straße ½ 😀 𝄞';

  it('is stored and served exactly as sent, in tickets, comments and the registry', async () => {
    const created = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      // validTicket's fields are typed as plain strings and numbers; its values are valid.
      body: { ...(validTicket('TXT') as TicketCreate), externalId: `Köln-😀-${Date.now()}`, subject: text, description: `${text}\n${text}` },
    });
    expect(created.status).toBe(201);
    // The same emoji as a \u escaped surrogate pair is the same text.
    const commented = await hub.api.call('POST', '/v1/tickets/{ticketId}/comments', {
      as: 'demo-bela',
      params: { ticketId: created.data.id },
      rawBody: '{"text":"Antwort \\ud83d\\ude00 Grüße"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(commented.status).toBe(200);
    const read = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId: created.data.id } });
    expect(read.data.subject).toBe(text);
    expect(read.data.description).toBe(`${text}\n${text}`);
    expect(read.data.origin.externalId).toBe(created.data.origin.externalId);
    expect(read.data.comments.map((c: { text: string }) => c.text)).toEqual(['Antwort 😀 Grüße']);
    const [row] = await hub.db.query<{ subject: string; text: string }>(
      'SELECT t.subject, c.text FROM tickets t JOIN ticket_comments c ON c.ticket_id = t.id WHERE t.id = $1',
      [created.data.id],
    );
    expect(row).toEqual({ subject: text, text: 'Antwort 😀 Grüße' });

    const p = participant({ name: text, contact: { name: text } });
    expect((await hub.api.call('POST', '/v1/participants', { as: 'hub-admin', body: p })).status).toBe(201);
    const s = service({ name: text });
    expect((await hub.api.call('POST', '/v1/services', { as: 'hub-admin', body: s })).status).toBe(201);
    const r = await hub.api.call('POST', '/v1/routing-rules', { as: 'hub-admin', body: rule({ description: text }) });
    expect(r.status).toBe(201);
    const [stored] = await hub.db.query<Record<string, string>>(
      `SELECT (SELECT name FROM participants WHERE id = $1) AS participant, (SELECT contact->>'name' FROM participants WHERE id = $1) AS contact,
              (SELECT name FROM services WHERE id = $2) AS service, (SELECT description FROM routing_rules WHERE id = $3) AS rule`,
      [p.id, s.id, r.data.id],
    );
    expect(stored).toEqual({ participant: text, contact: text, service: text, rule: text });
  });
});
