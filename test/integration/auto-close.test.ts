import { randomBytes } from 'node:crypto';
import { loadConfig } from '@drehscheibe/config';
import { createDataSource } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';
import { createAutoClose } from '../../apps/worker/src/auto-close-schedule.js';
import type { DeliveryWorkerHandle } from '../../apps/worker/src/delivery-worker.js';
import { createWorkerTickets } from '../../apps/worker/src/ticket-runtime.js';
import { hubEnvironment, testServers } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startInProcessWorker } from '../support/in-process-worker.js';
import { eventually } from '../support/stack.js';
import { startRecordingReceiver, type TestReceiver } from '../support/webhook-receiver.js';
import { readWholeFeed } from '../support/feed.js';

/**
 * Auto-close (issue 14, item 9): a resolved ticket closes by itself once its
 * service's period (or the hub's default) has passed without a reopen, with
 * one `ticket.closed` whose actor is the hub, `drehscheibe`, so every party
 * gets it. The worker runs the job (fast here: every 100 ms, default PT1S);
 * webhooks go to a real HTTP server in this test.
 */
interface Received {
  id: string;
  type: string;
  ticketId?: string;
  actor?: { participantId: string };
}

let received: Map<string, Received[]>;
let receiver: TestReceiver;
let hub: InProcessHub;
let worker: DeliveryWorkerHandle | undefined;
const shared = { QUEUE_PREFIX: `auto-close-${randomBytes(4).toString('hex')}`, AUTO_CLOSE_AFTER: 'PT1S' };

beforeAll(async () => {
  const recording = await startRecordingReceiver<Received>();
  ({ received } = recording);
  receiver = recording;
  hub = await startInProcessHub(receiver.url, shared);
  for (const [id, autoCloseAfter] of [
    ['svc-auto-slow', 'PT3S'],
    ['svc-auto-off', 'P0D'],
  ]) {
    const r = await hub.api.call('POST', '/v1/services', { as: 'hub-admin', body: { id, name: id, operatorId: 'demo-bela', autoCloseAfter } });
    expect(r.status).toBe(201);
  }
  worker = await startInProcessWorker(hub.db.url, {
    ...shared,
    AUTO_CLOSE_INTERVAL_MS: '100',
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
async function resolvedTicket(serviceId: string): Promise<string> {
  const created = await hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: { externalId: `AUTO-${Date.now()}-${++seq}`, type: 'incident', subject: 'Antrag hängt', serviceId, impact: 2, urgency: 2, channel: 'email' },
  });
  expect(created.status).toBe(201);
  const id = created.data.id;
  expect((await hub.api.command('demo-bela', 'acknowledgement', id, { externalId: `BELA-${seq}` })).status).toBe(200);
  const resolved = await hub.api.command('demo-bela', 'resolution', id, { code: 'solved', text: 'Erledigt' });
  expect(resolved.data.status).toBe('resolved');
  return id;
}

const events = async (ticketId: string) => (await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'demo-mila', params: { ticketId } })).data.items;
const statusOf = async (ticketId: string) => (await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId } })).data.status;
const closedByHub = (ticketId: string) => eventually(`ticket ${ticketId} to be closed`, async () => (await statusOf(ticketId)) === 'closed');

const feed = (as: string) => readWholeFeed<Received>(hub.api, as);

describe('auto-close', () => {
  it('closes a resolved ticket after the hub default, as the hub, with one event every party gets', async () => {
    const id = await resolvedTicket('svc-demo-wohngeld');
    await closedByHub(id);

    const history = await events(id);
    const closed = history.filter((e) => e.type === 'ticket.closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      actor: { participantId: 'drehscheibe' },
      data: { status: 'closed', previousStatus: 'resolved', autoClosed: true, after: 'PT1S' },
      ticketVersion: history.at(-1)!.ticketVersion,
    });
    const resolvedAt = Date.parse(history.find((e) => e.type === 'ticket.resolved')!.occurredAt);
    expect(Date.parse(closed[0].occurredAt) - resolvedAt).toBeGreaterThanOrEqual(1000);
    const ticket = (await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-bela', params: { ticketId: id } })).data;
    expect(ticket.closedAt).toBe(closed[0].occurredAt);

    // Delivered to both parties (the origin included: the hub, not a party, acted) and in both feeds.
    for (const party of ['demo-mila', 'demo-bela']) {
      await eventually(`${party} to receive the closing`, () => Promise.resolve((received.get(party) ?? []).some((r) => r.id === closed[0].id)));
      const own = (received.get(party) ?? []).filter((r) => r.ticketId === id && r.type === 'ticket.closed');
      expect(own).toEqual([expect.objectContaining({ actor: { participantId: 'drehscheibe' } })]);
      expect((await feed(party)).filter((e) => e.id === closed[0].id)).toHaveLength(1);
    }
  });

  it('does not close a ticket reopened before its period, and closes after the service’s own period', async () => {
    const reopened = await resolvedTicket('svc-auto-slow');
    const reopen = await hub.api.command('demo-mila', 'reopen', reopened, { reason: 'Geht doch nicht' });
    expect(reopen.data.status).toBe('in_progress');
    const [resolvedEvent, reopenEvent] = ['ticket.resolved', 'ticket.reopened'].map(
      (t) => (history: Awaited<ReturnType<typeof events>>) => history.find((e) => e.type === t)!,
    );
    const history = await events(reopened);
    // The reopen came within the period (3 s), so the test shows what it claims.
    expect(Date.parse(reopenEvent(history).occurredAt) - Date.parse(resolvedEvent(history).occurredAt)).toBeLessThan(3000);

    // A ticket of the same service resolved later closes: every run since covered the reopened one too.
    const later = await resolvedTicket('svc-auto-slow');
    await closedByHub(later);
    const laterClosed = (await events(later)).find((e) => e.type === 'ticket.closed')!;
    expect(laterClosed.data).toMatchObject({ autoClosed: true, after: 'PT3S' });
    expect(Date.parse(laterClosed.occurredAt) - Date.parse(resolvedEvent(await events(later)).occurredAt)).toBeGreaterThanOrEqual(3000);

    expect(await statusOf(reopened)).toBe('in_progress');
    expect((await events(reopened)).filter((e) => e.type === 'ticket.closed')).toEqual([]);
  });

  it('never closes a ticket of a service that switched auto-close off (P0D)', async () => {
    const off = await resolvedTicket('svc-auto-off');
    // Resolved after it, closed by the default period: the job has run past the moment `off` would have been due.
    const byDefault = await resolvedTicket('svc-demo-wohngeld');
    await closedByHub(byDefault);
    expect(await statusOf(off)).toBe('resolved');
    expect((await events(off)).map((e) => e.type)).not.toContain('ticket.closed');
  });

  it('keeps the period per service: set, read, back to the default with null, refused when not a fixed-length duration', async () => {
    const admin = { as: 'hub-admin', params: { serviceId: 'svc-auto-slow' } };
    expect((await hub.api.call('GET', '/v1/services/{serviceId}', admin)).data.autoCloseAfter).toBe('PT3S');
    const patched = await hub.api.call('PATCH', '/v1/services/{serviceId}', { ...admin, body: { autoCloseAfter: 'P2W' } });
    expect(patched.data.autoCloseAfter).toBe('P2W');
    const cleared = await hub.api.call('PATCH', '/v1/services/{serviceId}', { ...admin, body: { autoCloseAfter: null } });
    expect(cleared.data).not.toHaveProperty('autoCloseAfter');
    for (const bad of ['P1M', '14 days', 'P', 'PT1.5S']) {
      const r = await hub.api.call('PATCH', '/v1/services/{serviceId}', { ...admin, untypedBody: { autoCloseAfter: bad } });
      expect(r.status).toBe(400);
    }
    // Back as it was for the other tests.
    expect((await hub.api.call('PATCH', '/v1/services/{serviceId}', { ...admin, body: { autoCloseAfter: 'PT3S' } })).status).toBe(200);
  });

  it('reserves the participant id drehscheibe for the hub', async () => {
    const r = await hub.api.call('POST', '/v1/participants', {
      as: 'hub-admin',
      body: { id: 'drehscheibe', name: 'Not the hub', kind: 'vendor', level: 'federal' },
    });
    expect(r.status).toBe(409);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:already-exists');
    expect((await hub.api.call('GET', '/v1/participants/{participantId}', { as: 'hub-admin', params: { participantId: 'drehscheibe' } })).status).toBe(404);
  });

  it('closes a ticket once when two runs race (two workers)', async () => {
    // Only the two runs below act: the worker's own schedule stops.
    await worker?.stop();
    worker = undefined;
    const id = await resolvedTicket('svc-demo-wohngeld');
    // Due now, without waiting out the period.
    await hub.db.query(`UPDATE tickets SET resolved_at = resolved_at - interval '1 hour' WHERE id = $1`, [id]);

    const config = loadConfig(hubEnvironment(hub.db.url, testServers().redisUrl, shared));
    const sources: DataSource[] = await Promise.all([1, 2].map(() => createDataSource({ url: hub.db.url, poolSize: 2 }).initialize()));
    try {
      const dispatched: string[] = [];
      const dispatcher = {
        dispatch: (refs: Array<{ id: string }>) => {
          dispatched.push(...refs.map((r) => r.id));
          return Promise.resolve();
        },
      };
      const [one, two] = sources.map((ds) => createAutoClose(config, createWorkerTickets(config, ds, dispatcher)));
      const runs = await Promise.all([one.runOnce(), two.runOnce(), one.runOnce()]);
      expect(runs.reduce((n, r) => n + r.closed, 0)).toBe(1);

      const closed = (await events(id)).filter((e) => e.type === 'ticket.closed');
      expect(closed).toHaveLength(1);
      const deliveries = await hub.db.query<{ id: string; receiver_id: string }>(
        `SELECT d.id, d.receiver_id FROM deliveries d JOIN ticket_events e ON e.ticket_id = d.ticket_id AND e.ticket_version = d.ticket_version
          WHERE e.id = $1 ORDER BY d.receiver_id`,
        [closed[0].id],
      );
      expect(deliveries.map((d) => d.receiver_id)).toEqual(['demo-bela', 'demo-mila']);
      expect(dispatched.sort()).toEqual(deliveries.map((d) => d.id).sort());
    } finally {
      await Promise.all(sources.map((ds) => ds.destroy()));
    }
  });
});
