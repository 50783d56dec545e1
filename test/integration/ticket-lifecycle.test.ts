import { jwtVerify, importJWK } from 'jose';
import type { components } from '@drehscheibe/client';
import type { ApiClient } from '../support/api-client.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
});
afterAll(() => hub?.close());

let counter = 0;
const newTicket = (overrides: Partial<components['schemas']['TicketCreate']> = {}) => ({
  externalId: `MILA-${Date.now()}-${++counter}`,
  type: 'incident' as const,
  subject: 'Anmeldung schlägt fehl',
  description: 'Fehlermeldung nach Login',
  serviceId: 'svc-demo-wohngeld',
  category: 'access.login',
  impact: 2 as const,
  urgency: 1 as const,
  channel: 'phone_115' as const,
  ...overrides,
});

async function create(overrides: Partial<components['schemas']['TicketCreate']> = {}) {
  const r = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: newTicket(overrides) });
  expect(r.status).toBe(201);
  return r;
}

/** A ticket command by name (`rejection`, `forward`, ...), typed by its operation. */
const act: ApiClient['command'] = (as, action, ticketId, body, headers) => hub.api.command(as, action, ticketId, body, headers);

describe('creating a ticket (use case 2.1)', () => {
  it('routes it to the service operator, derives the priority and answers with a signed receipt', async () => {
    const body = newTicket();
    const r = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      version: 1,
      status: 'forwarded',
      priority: 2,
      supportLevel: 1,
      origin: { participantId: 'demo-mila', externalId: body.externalId },
      assignee: { participantId: 'demo-bela' },
      service: { id: 'svc-demo-wohngeld' },
    });
    expect(r.headers.get('location')).toBe(`/v1/tickets/${r.data.id}`);
    expect(r.headers.get('etag')).toBe('"1"');

    const { data: jwks } = await hub.api.call('GET', '/.well-known/jwks.json');
    const receipt = r.headers.get('drehscheibe-receipt')!;
    const { kid } = JSON.parse(Buffer.from(receipt.split('.')[0], 'base64url').toString()) as { kid: string };
    const key = await importJWK(
      jwks.keys.find((k: { kid: string }) => k.kid === kid)!,
      'EdDSA',
    );
    const { payload } = await jwtVerify(receipt, key);
    expect(payload).toMatchObject({ ticketId: r.data.id, version: 1, origin: 'demo-mila', externalId: body.externalId });
  });

  it('writes the event and one delivery to the BeLa in the same transaction', async () => {
    const { data: ticket } = await create();
    const events = await hub.db.query<{ type: string; ticket_version: number }>('SELECT type, ticket_version FROM ticket_events WHERE ticket_id = $1', [
      ticket.id,
    ]);
    expect(events).toEqual([{ type: 'ticket.forwarded', ticket_version: 1 }]);
    const deliveries = await hub.db.query<{ receiver_id: string; status: string }>('SELECT receiver_id, status FROM deliveries WHERE ticket_id = $1', [
      ticket.id,
    ]);
    expect(deliveries).toEqual([{ receiver_id: 'demo-bela', status: 'pending' }]);
  });

  it('refuses the same external id twice with 409 and writes nothing', async () => {
    const body = newTicket();
    await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body });
    const before = await hub.db.query('SELECT count(*)::int AS n FROM tickets');
    const again = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body });
    expect(again.status).toBe(409);
    expect(again.problem.type).toBe('urn:drehscheibe:problem:duplicate-external-id');
    expect(await hub.db.query('SELECT count(*)::int AS n FROM tickets')).toEqual(before);
  });

  it('shows personal data to origin and assignee, encrypted at rest, never in the event', async () => {
    const requester = { name: 'Erika Mustermann', email: 'erika@example.org', consent: true };
    const { data: ticket } = await create({ requester });
    expect(ticket.requester).toEqual(requester);
    const bela = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-bela', params: { ticketId: ticket.id } });
    expect(bela.data.requester).toEqual(requester);
    const [row] = await hub.db.query<{ requester_enc: string }>('SELECT requester_enc FROM tickets WHERE id = $1', [ticket.id]);
    expect(row.requester_enc).not.toContain('Erika');
    const [event] = await hub.db.query<{ snapshot: object }>('SELECT snapshot FROM ticket_events WHERE ticket_id = $1', [ticket.id]);
    expect(JSON.stringify(event.snapshot)).not.toContain('Erika');
  });
});

describe('working a ticket (use case 2.2)', () => {
  it('walks forwarded → acknowledged → in_progress → waiting → in_progress → resolved → closed → reopened', async () => {
    const { data: t } = await create();
    // One variable for the answers of several commands: each answers the ticket.
    let r: { body: unknown; data: components['schemas']['Ticket'] } = await act('demo-bela', 'acknowledgement', t.id, { externalId: 'BELA-1' });
    expect(r.body).toMatchObject({ status: 'acknowledged', version: 2, assignee: { participantId: 'demo-bela', externalId: 'BELA-1' } });
    expect(r.data.references).toEqual([
      { participantId: 'demo-bela', externalId: 'BELA-1', role: 'assignee' },
      { participantId: 'demo-mila', externalId: t.origin.externalId, role: 'origin' },
    ]);
    r = await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    expect(r.data.status).toBe('in_progress');
    r = await act('demo-bela', 'status', t.id, { status: 'waiting', reason: 'Welcher Browser?' });
    expect(r.data.status).toBe('waiting');
    r = await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    expect(r.data.status).toBe('in_progress');
    r = await act('demo-bela', 'resolution', t.id, { code: 'solved', text: 'Timeout korrigiert.' });
    expect(r.body).toMatchObject({ status: 'resolved', assignee: { participantId: 'demo-mila' }, resolution: { code: 'solved', resolvedBy: 'demo-bela' } });
    r = await act('demo-mila', 'close', t.id, { note: 'Bürgerin informiert' });
    expect(r.data.status).toBe('closed');
    expect(r.data.closedAt).toBeDefined();
    r = await act('demo-mila', 'reopen', t.id, { reason: 'Fehler tritt erneut auf' });
    expect(r.body).toMatchObject({ status: 'in_progress', assignee: { participantId: 'demo-bela' } });
    expect(r.data.resolution).toBeUndefined();

    const events = await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'demo-mila', params: { ticketId: t.id } });
    expect(events.data.items.map((e: { type: string }) => e.type)).toEqual([
      'ticket.forwarded',
      'ticket.acknowledged',
      'ticket.status_changed',
      'ticket.status_changed',
      'ticket.status_changed',
      'ticket.resolved',
      'ticket.closed',
      'ticket.reopened',
    ]);
    expect(events.data.items.map((e: { ticketVersion: number }) => e.ticketVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const deliveries = await hub.db.query<{ receiver_id: string; ticket_version: number }>(
      'SELECT receiver_id, ticket_version FROM deliveries WHERE ticket_id = $1 ORDER BY ticket_version',
      [t.id],
    );
    // No echo: each change goes to the other party only.
    expect(deliveries.map((d) => `${d.ticket_version}:${d.receiver_id}`)).toEqual([
      '1:demo-bela',
      '2:demo-mila',
      '3:demo-mila',
      '4:demo-mila',
      '5:demo-mila',
      '6:demo-mila',
      '7:demo-bela',
      '8:demo-bela',
    ]);
  });

  it('answers an illegal transition with 409 naming the operations allowed instead, and changes nothing', async () => {
    const { data: t } = await create();
    const r = await act('demo-bela', 'resolution', t.id, { code: 'solved', text: 'x' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      type: 'urn:drehscheibe:problem:illegal-transition',
      allowed: ['acknowledgeTicket', 'rejectTicket', 'changeTicketStatus', 'addComment', 'uploadAttachment', 'setTicketState'],
    });
    const after = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId: t.id } });
    expect(after.data.version).toBe(1);
  });

  it('refuses actions of the wrong party with 403', async () => {
    const { data: t } = await create();
    const r = await act('demo-mila', 'acknowledgement', t.id, { externalId: 'X' });
    expect(r.status).toBe(403);
    expect(r.problem.action).toBe('acknowledgeTicket');
  });

  it('creates no event for a change that changes nothing', async () => {
    const { data: t } = await create();
    await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    const again = await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    expect(again.status).toBe(200);
    expect(again.data.version).toBe(2);
    const [{ n }] = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1', [t.id]);
    expect(n).toBe(2);
  });

  it('refuses a stale If-Match with 412 and the current version', async () => {
    const { data: t } = await create();
    await act('demo-bela', 'acknowledgement', t.id, { externalId: 'B-1' }, { 'if-match': '"1"' });
    const stale = await act('demo-bela', 'status', t.id, { status: 'in_progress' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: 'urn:drehscheibe:problem:version-mismatch', currentVersion: 2 });
  });

  it('hides a ticket from participants that are not party to it, exactly like a missing one', async () => {
    await addParticipant(hub.db, hub.api, 'test-stranger');
    const { data: t } = await create();
    const real = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'test-stranger', params: { ticketId: t.id } });
    const missing = await hub.api.call('GET', '/v1/tickets/{ticketId}', {
      as: 'test-stranger',
      params: { ticketId: '0190b1d0-0000-7000-8000-000000000000' },
    });
    expect(real.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(real.problem.title).toBe(missing.problem.title);
    const events = await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'test-stranger', params: { ticketId: t.id } });
    expect(events.status).toBe(404);
    const sneak = await act('test-stranger', 'status', t.id, { status: 'in_progress' });
    expect(sneak.status).toBe(404);
  });
});
