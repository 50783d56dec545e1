import type { components } from '@drehscheibe/client';
import type { ApiClient } from '../support/api-client.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
  await addParticipant(hub.db, hub.api, 'test-vendor');
  await addParticipant(hub.db, hub.api, 'test-other-land');
});
afterAll(() => hub?.close());

let counter = 0;
const ticketBody = (overrides: Partial<components['schemas']['TicketCreate']> = {}) => ({
  externalId: `P-${Date.now()}-${++counter}`,
  type: 'incident' as const,
  subject: 'Hochladen von Nachweisen bricht ab',
  serviceId: 'svc-demo-wohngeld',
  category: 'form.upload',
  impact: 2 as const,
  urgency: 2 as const,
  channel: 'web_form' as const,
  ...overrides,
});
const create = async (overrides: Partial<components['schemas']['TicketCreate']> = {}, as = 'demo-mila') => {
  const r = await hub.api.call('POST', '/v1/tickets', { as, body: ticketBody(overrides) });
  expect(r.status).toBe(201);
  return r.data;
};
/** A ticket command by name (`rejection`, `forward`, ...), typed by its operation. */
const act: ApiClient['command'] = (as, action, ticketId, body, headers) => hub.api.command(as, action, ticketId, body, headers);
const get = (as: string, ticketId: string) => hub.api.call('GET', '/v1/tickets/{ticketId}', { as, params: { ticketId } });
const deliveriesOf = (ticketId: string) =>
  hub.db.query<{ receiver_id: string; ticket_version: number }>(
    'SELECT receiver_id, ticket_version FROM deliveries WHERE ticket_id = $1 ORDER BY ticket_version, receiver_id',
    [ticketId],
  );

describe('rejection and re-routing', () => {
  it('returns a rejected ticket to its sender, who forwards it elsewhere', async () => {
    const t = await create();
    const rejected = await act('demo-bela', 'rejection', t.id, { reason: 'Nicht unser Dienst' });
    expect(rejected.body).toMatchObject({ status: 'rejected', assignee: { participantId: 'demo-mila' } });
    const rerouted = await act('demo-mila', 'forward', t.id, { participantId: 'test-other-land', note: 'Bitte übernehmen' });
    expect(rerouted.body).toMatchObject({ status: 'forwarded', assignee: { participantId: 'test-other-land' } });
    // The BeLa that declined stays a watcher: it keeps read access.
    expect(rerouted.data.references.map((r: { participantId: string; role: string }) => `${r.participantId}:${r.role}`).sort()).toEqual([
      'demo-bela:watcher',
      'demo-mila:origin',
      'test-other-land:assignee',
    ]);
    expect((await get('demo-bela', t.id)).status).toBe(200);
    const events = await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'test-other-land', params: { ticketId: t.id } });
    expect(events.data.items.map((e: { type: string }) => e.type)).toEqual(['ticket.forwarded', 'ticket.rejected', 'ticket.forwarded']);
  });
});

describe('multi-hop forwarding', () => {
  it('keeps earlier parties informed when the BeLa involves a vendor', async () => {
    const t = await create();
    await act('demo-bela', 'acknowledgement', t.id, { externalId: 'BELA-77' });
    const forwarded = await act('demo-bela', 'forward', t.id, { participantId: 'test-vendor' });
    expect(forwarded.body).toMatchObject({ status: 'forwarded', version: 3, assignee: { participantId: 'test-vendor' } });
    const ack = await act('test-vendor', 'acknowledgement', t.id, { externalId: 'VENDOR-1' });
    expect(ack.data.references).toEqual(
      expect.arrayContaining([
        { participantId: 'demo-bela', externalId: 'BELA-77', role: 'watcher' },
        { participantId: 'test-vendor', externalId: 'VENDOR-1', role: 'assignee' },
      ]),
    );
    const resolved = await act('test-vendor', 'resolution', t.id, { code: 'solved', text: 'Upload-Limit erhöht' });
    expect(resolved.data.assignee.participantId).toBe('demo-mila');
    // Deliveries only to parties with an endpoint (the vendor polls the feed), never to the actor.
    expect((await deliveriesOf(t.id)).map((d) => `${d.ticket_version}:${d.receiver_id}`)).toEqual([
      '1:demo-bela',
      '2:demo-mila',
      '3:demo-mila',
      '4:demo-bela',
      '4:demo-mila',
      '5:demo-bela',
      '5:demo-mila',
    ]);
    // The former assignee may no longer work the ticket.
    const late = await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    expect(late.status).toBe(403);
  });
});

describe('conversation', () => {
  it('delivers public comments, keeps internal ones inside the organisation', async () => {
    const t = await create();
    const pub = await act('demo-bela', 'comments', t.id, { text: 'Wir prüfen das.' });
    expect(pub.data.version).toBe(2);
    const internal = await act('demo-bela', 'comments', t.id, { text: 'Kollege fragen: Timeout?', visibility: 'internal' });
    expect(internal.status).toBe(200);
    expect(internal.data.version).toBe(2);
    expect(internal.data.comments.map((c: { visibility: string }) => c.visibility)).toEqual(['public', 'internal']);
    const asMila = await get('demo-mila', t.id);
    expect(asMila.data.comments).toEqual([expect.objectContaining({ author: 'demo-bela', visibility: 'public', text: 'Wir prüfen das.' })]);
    const [event] = await hub.db.query<{ snapshot: object }>("SELECT snapshot FROM ticket_events WHERE ticket_id = $1 AND type = 'ticket.comment_added'", [
      t.id,
    ]);
    expect(JSON.stringify(event.snapshot)).not.toContain('Kollege');
    expect((await deliveriesOf(t.id)).map((d) => `${d.ticket_version}:${d.receiver_id}`)).toEqual(['1:demo-bela', '2:demo-mila']);
  });

  it('treats a public comment of the other side as the answer to a question', async () => {
    const t = await create();
    await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    await act('demo-bela', 'status', t.id, { status: 'waiting', reason: 'Welche Dateigröße?' });
    const answer = await act('demo-mila', 'comments', t.id, { text: '25 MB, PDF' });
    expect(answer.body.status).toBe('in_progress');
    const events = await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'demo-bela', params: { ticketId: t.id } });
    // Two facts, two events: the comment, then the status change it caused (status-only consumers see it).
    expect(events.data.items.slice(-2)).toMatchObject([
      { type: 'ticket.comment_added', data: { comment: { text: '25 MB, PDF' } } },
      { type: 'ticket.status_changed', actor: { participantId: 'demo-mila' }, data: { status: 'in_progress', previousStatus: 'waiting', answered: true } },
    ]);
    expect(events.data.items.at(-1)!.ticketVersion).toBe(answer.data.version);
  });

  it('lets the origin cancel, and nobody act afterwards', async () => {
    const t = await create();
    const cancelled = await act('demo-mila', 'cancel', t.id, { reason: 'Zurückgezogen' });
    expect(cancelled.body.status).toBe('cancelled');
    const after = await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    expect(after.status).toBe(409);
    expect(after.problem.allowed).toEqual([]);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for a retry and creates one ticket', async () => {
    const body = ticketBody();
    const headers = { 'idempotency-key': `create-${body.externalId}` };
    const first = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body, headers });
    const retry = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    const rows = await hub.db.query('SELECT id FROM tickets WHERE origin_external_id = $1', [body.externalId]);
    expect(rows).toHaveLength(1);
  });

  it('refuses the same key for another request and changes nothing', async () => {
    const t = await create();
    const headers = { 'idempotency-key': `status-${t.id}` };
    await act('demo-bela', 'status', t.id, { status: 'in_progress' }, headers);
    const other = await act('demo-bela', 'status', t.id, { status: 'waiting', reason: 'x' }, headers);
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('urn:drehscheibe:problem:idempotency-key-reused');
    expect((await get('demo-bela', t.id)).body.status).toBe('in_progress');
  });

  it('keys belong to the client: another client may use the same key', async () => {
    const key = `shared-${Date.now()}`;
    const a = await hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body: ticketBody(), headers: { 'idempotency-key': key } });
    const b = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-bela',
      body: ticketBody({ assignee: { participantId: 'demo-mila' } }),
      headers: { 'idempotency-key': key },
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.data.id).not.toBe(a.data.id);
  });
});

describe('GET /v1/tickets', () => {
  it('filters by role, status, category prefix and subject text, only among own tickets', async () => {
    const tag = `Suche-${Date.now()}`;
    const a = await create({ subject: `${tag} alpha`, category: 'access.login' });
    const b = await create({ subject: `${tag} beta`, category: 'payment.failed' });
    await act('demo-bela', 'status', b.id, { status: 'in_progress' });
    const list = (as: string, query: string) => hub.api.call('GET', `/v1/tickets?${query}` as '/v1/tickets', { as });
    const ids = (r: Awaited<ReturnType<typeof list>>) => r.data.items.map((t) => t.id);

    expect(ids(await list('demo-mila', `q=${encodeURIComponent(tag)}`))).toEqual([a.id, b.id]);
    expect(ids(await list('demo-mila', `q=${encodeURIComponent(tag)}&category=access`))).toEqual([a.id]);
    expect(ids(await list('demo-mila', `q=${encodeURIComponent(tag)}&status=in_progress,waiting`))).toEqual([b.id]);
    expect(ids(await list('demo-bela', `q=${encodeURIComponent(tag)}&role=assignee`))).toEqual([a.id, b.id]);
    expect(ids(await list('demo-bela', `q=${encodeURIComponent(tag)}&role=origin`))).toEqual([]);
    expect(ids(await list('test-vendor', `q=${encodeURIComponent(tag)}`))).toEqual([]);
  });

  it('pages with an opaque cursor without gaps or repeats while tickets keep arriving', async () => {
    const tag = `Seiten-${Date.now()}`;
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await create({ subject: `${tag} ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await hub.api.call('GET', `/v1/tickets?q=${encodeURIComponent(tag)}&limit=2${cursor ? `&cursor=${cursor}` : ''}` as '/v1/tickets', {
        as: 'demo-mila',
      });
      seen.push(...r.data.items.map((t: { id: string }) => t.id));
      cursor = r.data.nextCursor;
      // A write in between must not disturb the walk.
      if (seen.length === 2) await create({ subject: `${tag} late` });
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual(created);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
