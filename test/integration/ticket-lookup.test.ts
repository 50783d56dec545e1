import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

/**
 * A lost create can be found again without its Idempotency-Key (issue 14,
 * item 6): by any party's own ticket number, and from the 409 a second
 * create with the same number answers.
 */
let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
  await addParticipant(hub.db, hub.api, 'test-outsider');
});
afterAll(() => hub?.close());

let seq = 0;
const ticket = (externalId: string) => ({
  externalId,
  type: 'incident' as const,
  subject: 'Bescheid kommt nicht an',
  serviceId: 'svc-demo-wohngeld',
  impact: 2 as const,
  urgency: 2 as const,
  channel: 'email' as const,
});
const create = (as: string, externalId: string) => hub.api.call('POST', '/v1/tickets', { as, body: ticket(externalId) });
const find = async (as: string, externalId: string) => {
  const r = await hub.api.call('GET', '/v1/tickets', { as, query: { externalId } });
  expect(r.status).toBe(200);
  return r.data.items.map((t) => t.id);
};
const ticketCount = async () => (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0].n;

describe('finding a ticket by a participant’s own number', () => {
  it('finds a ticket by the caller’s own number and by its partner’s, exactly, only for parties', async () => {
    const own = `MILA-LOOKUP-${Date.now()}-${++seq}`;
    const partner = `BELA-LOOKUP-${Date.now()}-${seq}`;
    const created = await create('demo-mila', own);
    expect(created.status).toBe(201);
    const id = created.data.id;
    expect((await hub.api.command('demo-bela', 'acknowledgement', id, { externalId: partner })).status).toBe(200);

    expect(await find('demo-mila', own)).toEqual([id]);
    expect(await find('demo-mila', partner)).toEqual([id]);
    expect(await find('demo-bela', own)).toEqual([id]);
    expect(await find('demo-bela', partner)).toEqual([id]);
    // Exact: no prefix, no other case.
    expect(await find('demo-mila', own.slice(0, -1))).toEqual([]);
    expect(await find('demo-mila', own.toLowerCase())).toEqual([]);
    // Not a party: nothing, though the number exists.
    expect(await find('test-outsider', own)).toEqual([]);
  });

  it('finds only the tickets the caller is party to when two origins use the same number', async () => {
    const number = `SAME-${Date.now()}-${++seq}`;
    const mine = await create('demo-mila', number);
    const theirs = await create('test-outsider', number);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(await find('demo-mila', number)).toEqual([mine.data.id]);
    expect(await find('test-outsider', number)).toEqual([theirs.data.id]);
    // The assignee of both finds both, in id order.
    expect(await find('demo-bela', number)).toEqual([mine.data.id, theirs.data.id].sort());
  });

  it('combines with the other filters', async () => {
    const number = `COMBINED-${Date.now()}-${++seq}`;
    const created = await create('demo-mila', number);
    const r = await hub.api.call('GET', '/v1/tickets', { as: 'demo-mila', query: { externalId: number, status: 'forwarded', role: 'origin' } });
    expect(r.data.items.map((t) => t.id)).toEqual([created.data.id]);
    const none = await hub.api.call('GET', '/v1/tickets', { as: 'demo-mila', query: { externalId: number, status: 'closed' } });
    expect(none.data.items).toEqual([]);
  });

  it('refuses a number that is no ExternalId without looking', async () => {
    const r = await hub.api.call('GET', '/v1/tickets', { as: 'demo-mila', query: { externalId: ' padded ' } });
    expect(r.status).toBe(400);
    expect(r.problem.errors?.[0]?.pointer).toBe('/query/externalId');
  });
});

describe('a second create with the same externalId', () => {
  it('answers 409 with the existing ticket’s id and Location, and creates nothing', async () => {
    const number = `DUP-${Date.now()}-${++seq}`;
    const first = await create('demo-mila', number);
    expect(first.status).toBe(201);
    const before = await ticketCount();

    const again = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { ...ticket(number), subject: 'Another text' },
      headers: { 'idempotency-key': `k-${number}` },
    });
    expect(again.status).toBe(409);
    expect(again.problem).toMatchObject({ type: 'urn:drehscheibe:problem:duplicate-external-id', ticketId: first.data.id });
    expect(again.headers.get('location')).toBe(`/v1/tickets/${first.data.id}`);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await ticketCount()).toBe(before);

    // The Location leads to the ticket as it is.
    const read = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId: first.data.id } });
    expect(read.data.origin.externalId).toBe(number);
  });

  it('never names another origin’s ticket: the same number is free for someone else', async () => {
    const number = `OTHER-${Date.now()}-${++seq}`;
    expect((await create('test-outsider', number)).status).toBe(201);
    const mine = await create('demo-mila', number);
    expect(mine.status).toBe(201);
    expect(mine.headers.get('location')).toBe(`/v1/tickets/${mine.data.id}`);
  });
});
