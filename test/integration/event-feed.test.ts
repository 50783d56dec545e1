import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
});
afterAll(() => hub?.close());

let counter = 0;
const createAsMila = () =>
  hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: {
      externalId: `F-${Date.now()}-${++counter}`,
      type: 'question',
      subject: 'Feed',
      serviceId: 'svc-demo-wohngeld',
      impact: 3,
      urgency: 3,
      channel: 'chat',
    },
  });

interface FeedItem {
  id: string;
  type: string;
  ticketId: string;
  ticketVersion: number;
  actor: { participantId: string };
  ticket: { id: string; status: string };
}

async function readAll(as: string, after?: string, limit = 7): Promise<{ items: FeedItem[]; cursor: string }> {
  const items: FeedItem[] = [];
  let cursor = after;
  for (;;) {
    const query = `limit=${limit}${cursor ? `&after=${cursor}` : ''}`;
    const r = await hub.api.call('GET', `/v1/events?${query}` as '/v1/events', { as });
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    const moved = r.body.nextCursor !== cursor;
    cursor = r.body.nextCursor;
    if (r.body.items.length < limit || !moved) return { items, cursor: cursor! };
  }
}

describe('GET /v1/events', () => {
  it('gives each party the events it may see, not its own, with the ticket as delivered', async () => {
    const { cursor: start } = await readAll('demo-bela');
    const created = await createAsMila();
    await hub.api.call('POST', '/v1/tickets/{ticketId}/status', { as: 'demo-bela', params: { ticketId: created.body.id }, body: { status: 'in_progress' } });

    const bela = await readAll('demo-bela', start);
    expect(bela.items.map((e) => [e.type, e.ticketVersion])).toEqual([['ticket.forwarded', 1]]);
    expect(bela.items[0].ticket).toMatchObject({ id: created.body.id, status: 'forwarded' });

    const mila = (await readAll('demo-mila')).items.filter((e) => e.ticketId === created.body.id);
    expect(mila.map((e) => [e.type, e.ticketVersion, e.actor.participantId])).toEqual([['ticket.status_changed', 2, 'demo-bela']]);

    // Nothing new: the same cursor comes back and no item.
    const again = await hub.api.call('GET', `/v1/events?after=${bela.cursor}` as '/v1/events', { as: 'demo-bela' });
    expect(again.body).toEqual({ items: [], nextCursor: bela.cursor });
  });

  it('never skips an event whose transaction commits after a later one', async () => {
    const ticket = (await createAsMila()).body;
    const { cursor } = await readAll('demo-bela');

    // Transaction A writes an event first but commits last.
    const slow = new pg.Client({ connectionString: hub.db.url });
    await slow.connect();
    await slow.query('BEGIN');
    await slow.query(
      `INSERT INTO ticket_events (id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot)
       VALUES ($1, $2, 100, 'ticket.status_changed', 'demo-mila', now(), '{}', $3)`,
      [uuidv7(), ticket.id, JSON.stringify(ticket)],
    );
    // Transaction B starts later and commits first.
    const fast = await createAsMila();
    const whileOpen = await readAll('demo-bela', cursor);
    expect(whileOpen.items).toEqual([]);

    await slow.query('COMMIT');
    await slow.end();
    const after = await readAll('demo-bela', whileOpen.cursor);
    expect(after.items.map((e) => [e.ticketId, e.ticketVersion])).toEqual([
      [ticket.id, 100],
      [fast.body.id, 1],
    ]);
  });

  it('hands every event to a poller exactly once while four writers create tickets', async () => {
    const { cursor: start } = await readAll('demo-bela');
    const perWriter = 15;
    let writing = true;
    const writers = Promise.all(
      Array.from({ length: 4 }, async () => {
        const ids: string[] = [];
        for (let i = 0; i < perWriter; i++) ids.push((await createAsMila()).body.id);
        return ids;
      }),
    ).finally(() => (writing = false));

    const received: FeedItem[] = [];
    let cursor = start;
    while (writing) {
      const page = await readAll('demo-bela', cursor, 5);
      received.push(...page.items);
      cursor = page.cursor;
    }
    const created = (await writers).flat();
    received.push(...(await readAll('demo-bela', cursor, 5)).items);

    const ids = received.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(received.map((e) => e.ticketId).sort()).toEqual([...created].sort());
  });

  it('refuses a cursor it did not hand out', async () => {
    const r = await hub.api.call('GET', '/v1/events?after=bm9wZQ', { as: 'demo-bela' });
    expect(r.status).toBe(400);
    expect(r.body.type).toBe('urn:drehscheibe:problem:invalid-cursor');
  });
});
