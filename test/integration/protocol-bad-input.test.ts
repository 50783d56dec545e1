import type { components } from '@drehscheibe/client';
import type { TicketAction, TicketActionPath, TicketCommandBody } from '../support/api-client.js';
import { ticketFootprint, validTicket } from '../support/bad-input.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

/**
 * Bad input to the exchange protocol: rejection, forwarding, cancellation,
 * comments, the ticket search, the event feed and Idempotency-Key. Every
 * refusal is problem+json and changes nothing.
 */

let hub: InProcessHub;

/** Tickets in the states the cases need; bad input never moves them. */
type Fixture = 'forwarded' | 'acknowledged' | 'in_progress' | 'rejected' | 'resolved' | 'closed' | 'cancelled' | 'unknown';
const fixtures = {} as Record<Fixture, string>;
/** A well-formed ticket id that no ticket has. */
const UNKNOWN_TICKET = '01900000-0000-7000-8000-000000000000';

const create = async () => {
  // validTicket's fields are typed as plain strings and numbers; its values are valid.
  const r = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: validTicket('PBAD') as components['schemas']['TicketCreate'] });
  expect(r.status).toBe(201);
  return r.data.id;
};
/** A ticket command that must succeed. */
const act = async <A extends TicketAction>(as: string, action: A, ticketId: string, body: TicketCommandBody<A>) => {
  const r = await hub.api.command(as, action, ticketId, body);
  expect(r.status).toBe(200);
  return r.body;
};

beforeAll(async () => {
  hub = await startInProcessHub();
  await addParticipant(hub.db, hub.api, 'test-vendor');
  await addParticipant(hub.db, hub.api, 'test-stranger');
  await addParticipant(hub.db, hub.api, 'test-sleeping');
  await hub.db.query(`UPDATE participants SET status = 'suspended' WHERE id = 'test-sleeping'`);

  fixtures.forwarded = await create();
  fixtures.acknowledged = await create();
  await act('demo-bela', 'acknowledgement', fixtures.acknowledged, { externalId: 'BELA-ACK' });
  fixtures.in_progress = await create();
  await act('demo-bela', 'status', fixtures.in_progress, { status: 'in_progress' });
  fixtures.rejected = await create();
  await act('demo-bela', 'rejection', fixtures.rejected, { reason: 'Nicht unser Dienst' });
  fixtures.resolved = await create();
  await act('demo-bela', 'acknowledgement', fixtures.resolved, { externalId: 'BELA-RES' });
  await act('demo-bela', 'resolution', fixtures.resolved, { code: 'solved', text: 'Erledigt' });
  fixtures.closed = await create();
  await act('demo-bela', 'acknowledgement', fixtures.closed, { externalId: 'BELA-CLO' });
  await act('demo-bela', 'resolution', fixtures.closed, { code: 'solved', text: 'Erledigt' });
  await act('demo-mila', 'close', fixtures.closed, {});
  fixtures.cancelled = await create();
  await act('demo-mila', 'cancel', fixtures.cancelled, { reason: 'Zurückgezogen' });
  fixtures.unknown = UNKNOWN_TICKET;
});
afterAll(() => hub?.close());

interface BadCase {
  name: string;
  path: string;
  ticket?: Fixture;
  as?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  type: string;
  pointer?: string;
  /** Extension members the problem must carry (`reason`, `currentStatus`, ...). */
  problem?: Record<string, unknown>;
}

const REJECT = '/v1/tickets/{ticketId}/rejection';
const FORWARD = '/v1/tickets/{ticketId}/forward';
const CANCEL = '/v1/tickets/{ticketId}/cancel';
const COMMENT = '/v1/tickets/{ticketId}/comments';

/** A request each endpoint would accept; the cases break one thing about it. */
const baseline: Record<string, { as: string; ticket: Fixture; body: Record<string, unknown> }> = {
  [REJECT]: { as: 'demo-bela', ticket: 'forwarded', body: { reason: 'Nicht unser Dienst' } },
  [FORWARD]: { as: 'demo-bela', ticket: 'acknowledged', body: { participantId: 'test-vendor', note: 'Bitte prüfen' } },
  [CANCEL]: { as: 'demo-mila', ticket: 'forwarded', body: { reason: 'Die Bürgerin hat ihr Anliegen zurückgezogen' } },
  [COMMENT]: { as: 'demo-mila', ticket: 'forwarded', body: { text: 'Die Bürgerin nutzt Firefox', visibility: 'public' } },
};

/** What every command endpoint must refuse alike. */
const common = (path: string): BadCase[] => {
  const ok = baseline[path];
  const on = { path, as: ok.as, ticket: ok.ticket };
  const list: BadCase[] = [
    { ...on, name: 'malformed JSON', rawBody: '{"reason": "x",', status: 400, type: 'malformed-request' },
    { ...on, name: 'an empty JSON body', rawBody: '', status: 400, type: 'malformed-request' },
    { ...on, name: 'no body at all', status: 400, type: 'validation-failed', pointer: '/body' },
    { ...on, name: 'a JSON null', rawBody: 'null', status: 400, type: 'validation-failed', pointer: '/body' },
    { ...on, name: 'a JSON array', body: [ok.body], status: 400, type: 'validation-failed', pointer: '/body' },
    { ...on, name: 'a JSON string', rawBody: '"hello"', status: 400, type: 'validation-failed', pointer: '/body' },
    { ...on, name: 'an unknown field', body: { ...ok.body, colour: 'red' }, status: 400, type: 'validation-failed', pointer: '/body/colour' },
    { ...on, name: 'a text/plain body', rawBody: JSON.stringify(ok.body), contentType: 'text/plain', status: 415, type: 'unsupported-media-type' },
    { ...on, name: 'a stale If-Match', body: ok.body, headers: { 'if-match': '"99"' }, status: 412, type: 'version-mismatch' },
    { ...on, name: 'a party not on the ticket', as: 'test-stranger', body: ok.body, status: 404, type: 'not-found' },
    { ...on, name: 'a ticket that does not exist', ticket: 'unknown', body: ok.body, status: 404, type: 'not-found' },
  ];
  return list.map((c) => ({ ...c, name: `${path.split('/').pop()}: ${c.name}` }));
};

const rejection = (c: Omit<BadCase, 'path'>): BadCase => ({ path: REJECT, as: 'demo-bela', ticket: 'forwarded', ...c, name: `rejection: ${c.name}` });
const forward = (c: Omit<BadCase, 'path'>): BadCase => ({ path: FORWARD, as: 'demo-bela', ticket: 'acknowledged', ...c, name: `forward: ${c.name}` });
const cancel = (c: Omit<BadCase, 'path'>): BadCase => ({ path: CANCEL, as: 'demo-mila', ticket: 'forwarded', ...c, name: `cancel: ${c.name}` });
const comment = (c: Omit<BadCase, 'path'>): BadCase => ({ path: COMMENT, as: 'demo-mila', ticket: 'forwarded', ...c, name: `comments: ${c.name}` });

const cases: BadCase[] = [
  ...common(REJECT),
  rejection({ name: 'a missing reason', body: {}, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  rejection({ name: 'an empty reason', body: { reason: '' }, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  rejection({ name: 'a reason of the wrong type', body: { reason: 42 }, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  rejection({ name: 'a null reason', body: { reason: null }, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  rejection({ name: 'an over-long reason', body: { reason: 'x'.repeat(2001) }, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  rejection({
    name: 'a return address (the hub decides)',
    body: { reason: 'x', assignee: { participantId: 'test-vendor' } },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/assignee',
  }),
  rejection({ name: 'by the origin while BeLa is assignee', as: 'demo-mila', body: { reason: 'x' }, status: 403, type: 'forbidden' }),
  rejection({
    name: 'of a resolved ticket by the origin it returned to',
    ticket: 'resolved',
    as: 'demo-mila',
    body: { reason: 'x' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'resolved' },
  }),
  rejection({ name: 'of a resolved ticket by the former assignee', ticket: 'resolved', body: { reason: 'x' }, status: 403, type: 'forbidden' }),
  rejection({
    name: 'of a closed ticket',
    ticket: 'closed',
    as: 'demo-mila',
    body: { reason: 'x' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'closed' },
  }),
  rejection({
    name: 'of a cancelled ticket',
    ticket: 'cancelled',
    body: { reason: 'x' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'cancelled', allowed: [] },
  }),
  rejection({
    name: 'of a rejected ticket by the sender it returned to',
    ticket: 'rejected',
    as: 'demo-mila',
    body: { reason: 'x' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'rejected' },
  }),

  ...common(FORWARD),
  forward({ name: 'a missing participant', body: { note: 'x' }, status: 400, type: 'validation-failed', pointer: '/body/participantId' }),
  forward({ name: 'a participant of the wrong type', body: { participantId: 7 }, status: 400, type: 'validation-failed', pointer: '/body/participantId' }),
  forward({
    name: 'a participant reference object',
    body: { participantId: { participantId: 'test-vendor' } },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/participantId',
  }),
  forward({
    name: 'a malformed participant id',
    body: { participantId: 'Test_Vendor' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/participantId',
  }),
  forward({ name: 'a too short participant id', body: { participantId: 'x' }, status: 400, type: 'validation-failed', pointer: '/body/participantId' }),
  forward({
    name: 'an over-long participant id',
    body: { participantId: 'a'.repeat(65) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/participantId',
  }),
  forward({
    name: 'an over-long note',
    body: { participantId: 'test-vendor', note: 'x'.repeat(2001) },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/note',
  }),
  forward({
    name: 'a note of the wrong type',
    body: { participantId: 'test-vendor', note: ['x'] },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/note',
  }),
  forward({
    name: 'a status (the hub sets it)',
    body: { participantId: 'test-vendor', status: 'forwarded' },
    status: 400,
    type: 'validation-failed',
    pointer: '/body/status',
  }),
  forward({
    name: 'to an unknown participant',
    body: { participantId: 'de-xx-ghost' },
    status: 422,
    type: 'unroutable',
    problem: { reason: 'unknown-participant' },
  }),
  forward({ name: 'to yourself', body: { participantId: 'demo-bela' }, status: 422, type: 'unroutable', problem: { reason: 'self-assignment' } }),
  forward({
    name: 'to a suspended participant',
    body: { participantId: 'test-sleeping' },
    status: 422,
    type: 'unroutable',
    problem: { reason: 'participant-suspended' },
  }),
  forward({ name: 'by the origin while BeLa is assignee', as: 'demo-mila', body: { participantId: 'test-vendor' }, status: 403, type: 'forbidden' }),
  forward({ name: 'by a watcher (the BeLa that rejected)', ticket: 'rejected', body: { participantId: 'test-vendor' }, status: 403, type: 'forbidden' }),
  forward({
    name: 'of a ticket not yet acknowledged',
    ticket: 'forwarded',
    body: { participantId: 'test-vendor' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'forwarded' },
  }),
  forward({
    name: 'of a resolved ticket',
    ticket: 'resolved',
    as: 'demo-mila',
    body: { participantId: 'test-vendor' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'resolved' },
  }),
  forward({
    name: 'of a closed ticket',
    ticket: 'closed',
    as: 'demo-mila',
    body: { participantId: 'test-vendor' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'closed' },
  }),
  forward({
    name: 'of a cancelled ticket',
    ticket: 'cancelled',
    body: { participantId: 'test-vendor' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'cancelled' },
  }),

  ...common(CANCEL),
  cancel({ name: 'a missing reason', body: {}, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  cancel({ name: 'an empty reason', body: { reason: '' }, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  cancel({ name: 'a reason of the wrong type', body: { reason: true }, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  cancel({ name: 'an over-long reason', body: { reason: 'x'.repeat(2001) }, status: 400, type: 'validation-failed', pointer: '/body/reason' }),
  cancel({ name: 'a note instead of a reason', body: { note: 'x' }, status: 400, type: 'validation-failed', pointer: '/body/note' }),
  cancel({ name: 'by the assignee', as: 'demo-bela', body: { reason: 'x' }, status: 403, type: 'forbidden' }),
  cancel({ name: 'by a watcher', ticket: 'rejected', as: 'demo-bela', body: { reason: 'x' }, status: 403, type: 'forbidden' }),
  cancel({
    name: 'of a resolved ticket',
    ticket: 'resolved',
    body: { reason: 'x' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'resolved' },
  }),
  cancel({
    name: 'of a closed ticket',
    ticket: 'closed',
    body: { reason: 'x' },
    status: 409,
    type: 'illegal-transition',
    problem: { currentStatus: 'closed' },
  }),

  ...common(COMMENT),
  comment({ name: 'a missing text', body: { visibility: 'public' }, status: 400, type: 'validation-failed', pointer: '/body/text' }),
  comment({ name: 'an empty text', body: { text: '' }, status: 400, type: 'validation-failed', pointer: '/body/text' }),
  comment({ name: 'a text of the wrong type', body: { text: { de: 'Hallo' } }, status: 400, type: 'validation-failed', pointer: '/body/text' }),
  comment({ name: 'an over-long text', body: { text: 'x'.repeat(10_001) }, status: 400, type: 'validation-failed', pointer: '/body/text' }),
  comment({ name: 'an unknown visibility', body: { text: 'x', visibility: 'secret' }, status: 400, type: 'validation-failed', pointer: '/body/visibility' }),
  comment({ name: 'a null visibility', body: { text: 'x', visibility: null }, status: 400, type: 'validation-failed', pointer: '/body/visibility' }),
  comment({ name: 'a forged author', body: { text: 'x', author: 'demo-bela' }, status: 400, type: 'validation-failed', pointer: '/body/author' }),
  comment({ name: 'an internal note by a stranger', as: 'test-stranger', body: { text: 'x', visibility: 'internal' }, status: 404, type: 'not-found' }),
  // Issue 12, item 16: a closed or cancelled ticket takes no comments, public or internal.
  ...(['public', 'internal'] as const).flatMap((visibility) => [
    comment({
      name: `a ${visibility} comment on a closed ticket by its origin`,
      ticket: 'closed',
      body: { text: 'Noch etwas', visibility },
      status: 409,
      type: 'illegal-transition',
      problem: { currentStatus: 'closed', allowed: ['reopenTicket', 'setTicketState'] },
    }),
    comment({
      name: `a ${visibility} comment on a closed ticket by the former assignee`,
      ticket: 'closed',
      as: 'demo-bela',
      body: { text: 'Noch etwas', visibility },
      status: 409,
      type: 'illegal-transition',
      problem: { currentStatus: 'closed', allowed: [] },
    }),
    comment({
      name: `a ${visibility} comment on a cancelled ticket`,
      ticket: 'cancelled',
      body: { text: 'Noch etwas', visibility },
      status: 409,
      type: 'illegal-transition',
      problem: { currentStatus: 'cancelled', allowed: [] },
    }),
  ]),
];

describe('bad input to the exchange protocol answers problem+json and writes nothing', () => {
  it.each(cases)('$name → $status $type', async (c) => {
    const before = await ticketFootprint(hub.db);
    const headers: Record<string, string> = { ...c.headers };
    if (c.rawBody !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
    const r = await hub.api.call('POST', c.path as TicketActionPath, {
      as: c.as ?? 'demo-mila',
      params: { ticketId: fixtures[c.ticket ?? 'forwarded'] },
      untypedBody: c.body,
      rawBody: c.rawBody,
      headers,
    });
    expect(r.status).toBe(c.status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.problem.type).toBe(`urn:drehscheibe:problem:${c.type}`);
    expect(r.problem.correlationId).toEqual(expect.any(String));
    if (c.pointer) expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain(c.pointer);
    if (c.problem) expect(r.body).toMatchObject(c.problem);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });
});

interface QueryCase {
  name: string;
  query: string;
  status: number;
  type: string;
  pointer?: string;
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const ticketQueries: QueryCase[] = [
  { name: 'an unknown parameter', query: 'colour=red', status: 400, type: 'validation-failed', pointer: '/query/colour' },
  { name: 'the feed’s parameter name', query: 'after=abc', status: 400, type: 'validation-failed', pointer: '/query/after' },
  { name: 'limit=0', query: 'limit=0', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'limit=201', query: 'limit=201', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'limit=1000', query: 'limit=1000', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'limit=-1', query: 'limit=-1', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'limit=abc', query: 'limit=abc', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'limit=1.5', query: 'limit=1.5', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'an empty limit', query: 'limit=', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'a repeated limit', query: 'limit=1&limit=2', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'role=boss', query: 'role=boss', status: 400, type: 'validation-failed', pointer: '/query/role' },
  { name: 'role=ORIGIN', query: 'role=ORIGIN', status: 400, type: 'validation-failed', pointer: '/query/role' },
  { name: 'updatedSince=yesterday', query: 'updatedSince=yesterday', status: 400, type: 'validation-failed', pointer: '/query/updatedSince' },
  { name: 'updatedSince without a time', query: 'updatedSince=2024-01-01', status: 400, type: 'validation-failed', pointer: '/query/updatedSince' },
  { name: 'updatedSince without an offset', query: 'updatedSince=2024-01-01T10:00:00', status: 400, type: 'validation-failed', pointer: '/query/updatedSince' },
  { name: 'updatedSince on 30 February', query: 'updatedSince=2024-02-30T10:00:00Z', status: 400, type: 'validation-failed', pointer: '/query/updatedSince' },
  { name: 'updatedSince as epoch seconds', query: 'updatedSince=1700000000', status: 400, type: 'validation-failed', pointer: '/query/updatedSince' },
  { name: 'priority=9', query: 'priority=9', status: 400, type: 'validation-failed', pointer: '/query/priority' },
  { name: 'priority=0', query: 'priority=0', status: 400, type: 'validation-failed', pointer: '/query/priority' },
  { name: 'priority=high', query: 'priority=high', status: 400, type: 'validation-failed', pointer: '/query/priority' },
  { name: 'status in capitals', query: 'status=FORWARDED', status: 400, type: 'validation-failed', pointer: '/query/status' },
  { name: 'status with an empty element', query: 'status=forwarded,,closed', status: 400, type: 'validation-failed', pointer: '/query/status' },
  { name: 'status with a trailing comma', query: 'status=forwarded,', status: 400, type: 'validation-failed', pointer: '/query/status' },
  {
    name: 'status separated by semicolons',
    query: `status=${encodeURIComponent('forwarded;closed')}`,
    status: 400,
    type: 'validation-failed',
    pointer: '/query/status',
  },
  {
    name: 'status separated by spaces',
    query: `status=${encodeURIComponent('forwarded, closed')}`,
    status: 400,
    type: 'validation-failed',
    pointer: '/query/status',
  },
  { name: 'an empty status', query: 'status=', status: 400, type: 'validation-failed', pointer: '/query/status' },
  { name: 'a repeated status', query: 'status=forwarded&status=closed', status: 400, type: 'validation-failed', pointer: '/query/status' },
  {
    name: 'an over-long status list',
    query: `status=${Array(40).fill('forwarded').join(',')}`,
    status: 400,
    type: 'validation-failed',
    pointer: '/query/status',
  },
  { name: 'a malformed category', query: `category=${encodeURIComponent('Access Login')}`, status: 400, type: 'validation-failed', pointer: '/query/category' },
  { name: 'a category with an empty level', query: 'category=access..login', status: 400, type: 'validation-failed', pointer: '/query/category' },
  { name: 'an over-long serviceId', query: `serviceId=${'s'.repeat(65)}`, status: 400, type: 'validation-failed', pointer: '/query/serviceId' },
  { name: 'an empty q', query: 'q=', status: 400, type: 'validation-failed', pointer: '/query/q' },
  { name: 'an over-long q', query: `q=${'x'.repeat(201)}`, status: 400, type: 'validation-failed', pointer: '/query/q' },
  { name: 'an over-long cursor', query: `cursor=${'a'.repeat(201)}`, status: 400, type: 'validation-failed', pointer: '/query/cursor' },
  { name: 'cursor=abc', query: 'cursor=abc', status: 400, type: 'invalid-cursor' },
  { name: 'a cursor that is JSON but no id', query: `cursor=${cursorOf({ id: 'not-a-ticket-id' })}`, status: 400, type: 'invalid-cursor' },
  { name: 'a cursor that is a JSON array', query: `cursor=${cursorOf(['019'])}`, status: 400, type: 'invalid-cursor' },
  { name: 'a cursor of the event feed', query: `cursor=${cursorOf({ x: '0', p: '0' })}`, status: 400, type: 'invalid-cursor' },
  { name: 'a forged cursor of 36 dashes', query: `cursor=${cursorOf({ id: '-'.repeat(36) })}`, status: 400, type: 'invalid-cursor' },
  { name: 'a forged cursor of 36 hex digits', query: `cursor=${cursorOf({ id: '0'.repeat(36) })}`, status: 400, type: 'invalid-cursor' },
];

const feedQueries: QueryCase[] = [
  { name: 'after=garbage', query: 'after=garbage', status: 400, type: 'invalid-cursor' },
  { name: 'after that is not base64', query: `after=${encodeURIComponent('%%%!!')}`, status: 400, type: 'invalid-cursor' },
  { name: 'a cursor of the ticket search', query: `after=${cursorOf({ id: '01900000-0000-7000-8000-000000000000' })}`, status: 400, type: 'invalid-cursor' },
  { name: 'a cursor with non-numeric positions', query: `after=${cursorOf({ x: 'abc', p: '1' })}`, status: 400, type: 'invalid-cursor' },
  {
    name: 'a forged cursor beyond the range of a transaction id',
    query: `after=${cursorOf({ x: '99999999999999999999', p: '0' })}`,
    status: 400,
    type: 'invalid-cursor',
  },
  {
    name: 'a forged cursor beyond the range of a position',
    query: `after=${cursorOf({ x: '1', p: '99999999999999999999' })}`,
    status: 400,
    type: 'invalid-cursor',
  },
  { name: 'an over-long after', query: `after=${'a'.repeat(201)}`, status: 400, type: 'validation-failed', pointer: '/query/after' },
  { name: 'limit=0', query: 'limit=0', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'limit=201', query: 'limit=201', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'limit=abc', query: 'limit=abc', status: 400, type: 'validation-failed', pointer: '/query/limit' },
  { name: 'the search’s parameter name', query: `cursor=${cursorOf({ x: '0', p: '0' })}`, status: 400, type: 'validation-failed', pointer: '/query/cursor' },
  { name: 'an unknown parameter', query: 'since=2024-01-01T00:00:00Z', status: 400, type: 'validation-failed', pointer: '/query/since' },
];

describe.each([
  { path: '/v1/tickets', queries: ticketQueries },
  { path: '/v1/events', queries: feedQueries },
])('GET $path refuses bad query parameters', ({ path, queries }) => {
  it.each(queries)('$name → $status $type', async (c) => {
    const before = await ticketFootprint(hub.db);
    const r = await hub.api.call('GET', `${path}?${c.query}` as '/v1/tickets' | '/v1/events', { as: 'demo-mila' });
    expect(r.status).toBe(c.status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    const problem = r.problem;
    expect(problem.type).toBe(`urn:drehscheibe:problem:${c.type}`);
    expect(problem.correlationId).toEqual(expect.any(String));
    if (c.pointer) expect(problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain(c.pointer);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });
});

describe('GET /v1/tickets with a leap second in updatedSince', () => {
  // RFC 3339 (and the contract's `format: date-time`) allows second 60; the hub must not fail on it.
  it.each(['2016-12-31T23:59:60Z', '2017-01-01T00:59:60+01:00'])('accepts %s', async (since) => {
    const r = await hub.api.call('GET', `/v1/tickets?updatedSince=${encodeURIComponent(since)}` as '/v1/tickets', { as: 'demo-mila' });
    expect(r.status).toBe(200);
    expect(r.data.items).toEqual(expect.any(Array));
  });
});

describe('Idempotency-Key', () => {
  const keys = [
    { name: 'a key with a space', key: 'my key', pointer: '/header/idempotency-key' },
    { name: 'a key over 200 characters', key: 'k'.repeat(201), pointer: '/header/idempotency-key' },
    { name: 'an empty key', key: '', pointer: '/header/idempotency-key' },
    { name: 'a key with a non-ASCII character', key: 'schl\u00fcssel', pointer: '/header/idempotency-key' },
  ];

  it.each(keys)('refuses $name with 400 and writes nothing', async ({ key, pointer }) => {
    const before = await ticketFootprint(hub.db);
    const r = await hub.api.call('POST', COMMENT, {
      as: 'demo-mila',
      params: { ticketId: fixtures.forwarded },
      body: { text: 'Mit Schlüssel' },
      headers: { 'idempotency-key': key },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(r.problem.errors!.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  describe.each([
    { name: 'a comment', path: COMMENT, as: 'demo-mila', body: { text: 'Erste Nachricht' }, other: { text: 'Zweite Nachricht' } },
    { name: 'a cancellation', path: CANCEL, as: 'demo-mila', body: { reason: 'Zurückgezogen' }, other: { reason: 'Doch anders' } },
    { name: 'a rejection', path: REJECT, as: 'demo-bela', body: { reason: 'Nicht zuständig' }, other: { reason: 'Falscher Dienst' } },
    { name: 'a forward', path: FORWARD, as: 'demo-bela', body: { participantId: 'test-vendor' }, other: { participantId: 'test-stranger' }, acknowledge: true },
  ])('on $name', ({ path, as, body, other, acknowledge }) => {
    let ticketId: string;
    let key: string;
    let first: { status: number; body: unknown; etag: string | null };

    beforeAll(async () => {
      ticketId = await create();
      if (acknowledge) await act('demo-bela', 'acknowledgement', ticketId, { externalId: `ACK-${ticketId.slice(-6)}` });
      key = `key-${ticketId}`;
      const r = await hub.api.call('POST', path as TicketActionPath, { as, params: { ticketId }, body, headers: { 'idempotency-key': key } });
      expect(r.status).toBe(200);
      expect(r.headers.get('idempotent-replayed')).toBeNull();
      first = { status: r.status, body: r.body, etag: r.headers.get('etag') };
    });

    it('replays the first answer for the same key and body and writes nothing new', async () => {
      const before = await ticketFootprint(hub.db);
      const r = await hub.api.call('POST', path as TicketActionPath, { as, params: { ticketId }, body, headers: { 'idempotency-key': key } });
      expect(r.status).toBe(first.status);
      expect(r.body).toEqual(first.body);
      expect(r.headers.get('etag')).toBe(first.etag);
      expect(r.headers.get('idempotent-replayed')).toBe('true');
      expect(await ticketFootprint(hub.db)).toEqual(before);
    });

    it('refuses the same key with another body: 422 idempotency-key-reused, nothing written', async () => {
      const before = await ticketFootprint(hub.db);
      const r = await hub.api.call('POST', path as TicketActionPath, { as, params: { ticketId }, body: other, headers: { 'idempotency-key': key } });
      expect(r.status).toBe(422);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.problem.type).toBe('urn:drehscheibe:problem:idempotency-key-reused');
      expect(await ticketFootprint(hub.db)).toEqual(before);
    });

    it('refuses the same key and body on another ticket: 422 idempotency-key-reused, nothing written', async () => {
      const before = await ticketFootprint(hub.db);
      const r = await hub.api.call('POST', path as TicketActionPath, {
        as,
        params: { ticketId: fixtures.forwarded },
        body,
        headers: { 'idempotency-key': key },
      });
      expect(r.status).toBe(422);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.problem.type).toBe('urn:drehscheibe:problem:idempotency-key-reused');
      expect(await ticketFootprint(hub.db)).toEqual(before);
    });
  });

  it('refuses the same key and body on another operation with 422', async () => {
    const ticketId = await create();
    const key = `cross-${ticketId}`;
    const body = { reason: 'Zurückgezogen' };
    const first = await hub.api.call('POST', CANCEL, { as: 'demo-mila', params: { ticketId }, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(200);
    const before = await ticketFootprint(hub.db);
    const r = await hub.api.call('POST', '/v1/tickets/{ticketId}/reopen', {
      as: 'demo-mila',
      params: { ticketId },
      body,
      headers: { 'idempotency-key': key },
    });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.problem.type).toBe('urn:drehscheibe:problem:idempotency-key-reused');
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('replays the first answer even after the ticket has moved on', async () => {
    const ticketId = await create();
    const key = `late-${ticketId}`;
    const first = await hub.api.call('POST', COMMENT, {
      as: 'demo-mila',
      params: { ticketId },
      body: { text: 'Eins' },
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(200);
    await act('demo-bela', 'comments', ticketId, { text: 'Zwei' });
    const before = await ticketFootprint(hub.db);
    const r = await hub.api.call('POST', COMMENT, {
      as: 'demo-mila',
      params: { ticketId },
      body: { text: 'Eins' },
      headers: { 'idempotency-key': key },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('idempotent-replayed')).toBe('true');
    expect(r.body).toEqual(first.body);
    expect(r.data.comments).toHaveLength(1);
    expect(await ticketFootprint(hub.db)).toEqual(before);
  });

  it('keeps nothing for a refused first attempt, so the key can carry the corrected request', async () => {
    const ticketId = await create();
    const key = `retry-${ticketId}`;
    const stored = () => hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1`, [key]);
    // Refused by the contract, before the key is looked at.
    const invalid = await hub.api.call('POST', CANCEL, {
      as: 'demo-mila',
      params: { ticketId },
      body: { reason: '' },
      headers: { 'idempotency-key': key },
    });
    expect(invalid.status).toBe(400);
    expect(await stored()).toEqual([{ n: 0 }]);
    // Refused by the ticket's state, after the key was claimed.
    const illegal = await hub.api.call('POST', CANCEL, {
      as: 'demo-mila',
      params: { ticketId: fixtures.closed },
      body: { reason: 'Zu spät' },
      headers: { 'idempotency-key': key },
    });
    expect(illegal.status).toBe(409);
    expect(await stored()).toEqual([{ n: 0 }]);
    const ok = await hub.api.call('POST', CANCEL, {
      as: 'demo-mila',
      params: { ticketId },
      body: { reason: 'Zurückgezogen' },
      headers: { 'idempotency-key': key },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    expect(ok.data.status).toBe('cancelled');
    expect(await stored()).toEqual([{ n: 1 }]);
  });

  it('accepts a key of exactly 200 printable characters', async () => {
    const ticketId = await create();
    const key = Array.from({ length: 200 }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join('');
    const a = await hub.api.call('POST', COMMENT, {
      as: 'demo-mila',
      params: { ticketId },
      body: { text: 'Grenzfall' },
      headers: { 'idempotency-key': key },
    });
    expect(a.status).toBe(200);
    const b = await hub.api.call('POST', COMMENT, {
      as: 'demo-mila',
      params: { ticketId },
      body: { text: 'Grenzfall' },
      headers: { 'idempotency-key': key },
    });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body).toEqual(a.body);
  });
});
