import { randomBytes, randomUUID } from 'node:crypto';
import { createDataSource } from '@drehscheibe/persistence';
import { RequesterPurge, TicketStore } from '@drehscheibe/tickets';
import type { DataSource } from 'typeorm';
import type { DeliveryWorkerHandle } from '../../apps/worker/src/delivery-worker.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startInProcessWorker } from '../support/in-process-worker.js';
import { eventually } from '../support/stack.js';
import { startReceiver, type TestReceiver } from '../support/webhook-receiver.js';

/**
 * The retention purge (issue 17, personal data): once a closed or cancelled
 * ticket is older than REQUESTER_DATA_RETENTION (1 s here), the worker
 * removes its requester's data — the encrypted field, stored idempotent
 * answers that carry it, receivers' answers that quote it — marks the
 * ticket, and the API says so; the ticket's version and history stay.
 * Tickets still open keep theirs. The origin's system here answers every
 * delivery with its own copy of the ticket, requester included (an echo),
 * so the hub holds a receiver answer with personal data.
 */
const marker = randomBytes(4).toString('hex');
const requester = { name: `Purgetest Person ${marker}`, email: `purge-${marker}@example.org`, phone: '+49 30 5550001' };

let hub: InProcessHub;
let worker: DeliveryWorkerHandle | undefined;
let receiver: TestReceiver;
const shared = { QUEUE_PREFIX: `purge-${marker}` };

beforeAll(async () => {
  receiver = await startReceiver((request, _body, response) => {
    const echo = request.url?.includes('demo-mila') ? { ticket: { requester } } : {};
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
  });
  hub = await startInProcessHub(receiver.url, shared);
  worker = await startInProcessWorker(hub.db.url, {
    ...shared,
    REQUESTER_DATA_RETENTION: 'PT1S',
    REQUESTER_PURGE_INTERVAL_MS: '100',
    DELIVERY_BACKOFF_BASE_MS: '100',
    RECONCILE_INTERVAL_MS: '500',
  });
  await worker.started;
});
afterAll(async () => {
  await worker?.stop();
  await hub?.close();
  await receiver?.close();
});

let seq = 0;
async function ticketWithRequester(): Promise<{ id: string; key: string }> {
  const key = randomUUID();
  const created = await hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    headers: { 'idempotency-key': key },
    body: {
      externalId: `PURGE-${marker}-${++seq}`,
      type: 'incident',
      subject: 'Antrag hängt',
      serviceId: 'svc-demo-wohngeld',
      impact: 2,
      urgency: 2,
      channel: 'email',
      requester,
    },
  });
  expect(created.status).toBe(201);
  expect(created.data.requester).toEqual(requester);
  return { id: created.data.id, key };
}

async function closedTicket(): Promise<{ id: string; key: string }> {
  const t = await ticketWithRequester();
  expect((await hub.api.command('demo-bela', 'acknowledgement', t.id, { externalId: `BELA-${marker}-${seq}` })).status).toBe(200);
  expect((await hub.api.command('demo-bela', 'resolution', t.id, { code: 'solved', text: 'Erledigt' })).status).toBe(200);
  expect((await hub.api.command('demo-mila', 'close', t.id, {})).data.status).toBe('closed');
  return t;
}

const view = async (as: string, ticketId: string) => (await hub.api.call('GET', '/v1/tickets/{ticketId}', { as, params: { ticketId } })).data;
const row = async (ticketId: string) =>
  (
    await hub.db.query<{ requester_enc: string | null; requester_purged_at: Date | null; version: number }>(
      'SELECT requester_enc, requester_purged_at, version FROM tickets WHERE id = $1',
      [ticketId],
    )
  )[0];
const eventCount = async (ticketId: string) =>
  (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1', [ticketId]))[0].n;
const excerptsQuoting = async (ticketId: string) =>
  (
    await hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.ticket_id = $1 AND a.response_excerpt LIKE $2`,
      [ticketId, `%${marker}%`],
    )
  )[0].n;

describe('requester retention purge', () => {
  it('removes the requester of a closed ticket and every copy, marks it, and leaves version and history alone', async () => {
    const open = await ticketWithRequester();
    const closed = await closedTicket();
    // The origin's system echoed the requester in its answer to a delivery of the closed ticket: a copy the purge must remove.
    await eventually('the origin system’s echo to be recorded', async () => (await excerptsQuoting(closed.id)) > 0);
    const versionBefore = (await row(closed.id)).version;
    const eventsBefore = await eventCount(closed.id);

    await eventually('the closed ticket to be purged', async () => (await row(closed.id)).requester_purged_at !== null);

    const purged = await row(closed.id);
    expect(purged.requester_enc).toBeNull();
    expect(purged.version).toBe(versionBefore);
    expect(await eventCount(closed.id)).toBe(eventsBefore);
    expect(await excerptsQuoting(closed.id)).toBe(0);
    expect(await hub.db.query('SELECT 1 FROM idempotency_keys WHERE ticket_id = $1', [closed.id])).toHaveLength(0);

    const asOrigin = await view('demo-mila', closed.id);
    expect(asOrigin.requester).toBeUndefined();
    expect(asOrigin.requesterPurgedAt).toBe(purged.requester_purged_at!.toISOString());
    expect(asOrigin.version).toBe(versionBefore);
    // Not entitled to the requester (no longer the assignee): not told either.
    expect((await view('demo-bela', closed.id)).requesterPurgedAt).toBeUndefined();

    // The ticket still open keeps its requester, its stored answer and its marker unset.
    expect((await view('demo-mila', open.id)).requester).toEqual(requester);
    expect((await row(open.id)).requester_purged_at).toBeNull();
    expect(await hub.db.query('SELECT 1 FROM idempotency_keys WHERE ticket_id = $1', [open.id])).toHaveLength(1);
  });

  it('purges a cancelled ticket too, and a repeated run changes nothing', async () => {
    const t = await ticketWithRequester();
    expect((await hub.api.command('demo-mila', 'cancel', t.id, { reason: 'Hat sich erledigt' })).data.status).toBe('cancelled');
    await eventually('the cancelled ticket to be purged', async () => (await row(t.id)).requester_purged_at !== null);
    const first = await row(t.id);

    const ds: DataSource = await createDataSource({ url: hub.db.url, poolSize: 2 }).initialize();
    try {
      const again = await new RequesterPurge(new TicketStore(ds), [], { retention: 'PT1S', batchSize: 10, maxBatches: 2 }).runOnce();
      expect(again.purged).toBe(0);
    } finally {
      await ds.destroy();
    }
    expect(await row(t.id)).toEqual(first);
  });
});
