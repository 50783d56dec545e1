import { randomBytes } from 'node:crypto';
import type { TicketActionPath } from '../support/api-client.js';
import type { DeliveryWorkerHandle } from '../../apps/worker/src/delivery-worker.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startInProcessWorker } from '../support/in-process-worker.js';
import { addParticipant } from '../support/participants.js';
import { eventually } from '../support/stack.js';
import { startRecordingReceiver, type TestReceiver } from '../support/webhook-receiver.js';
import { readWholeFeed } from '../support/feed.js';

/**
 * The feed and webhooks carry the same events (issue 12, item 17): a party
 * that joins a ticket late (multi-hop) gets, both ways, the events from the
 * one that made it a party on; and service notices go both ways too. The
 * webhooks are real: the worker delivers to an HTTP server in this test.
 */
interface Received {
  id: string;
  type: string;
  ticketId?: string;
  ticketVersion?: number;
}

let received: Map<string, Received[]>;
let receiver: TestReceiver;
let hub: InProcessHub;
let worker: DeliveryWorkerHandle;

beforeAll(async () => {
  const recording = await startRecordingReceiver<Received>();
  ({ received } = recording);
  receiver = recording;
  const { url } = receiver;
  const shared = { QUEUE_PREFIX: `feed-webhooks-${randomBytes(4).toString('hex')}` };
  hub = await startInProcessHub(url, shared);
  await addParticipant(hub.db, hub.api, 'test-late', `${url}/participants/test-late/webhook`);
  worker = await startInProcessWorker(hub.db.url, { ...shared, DELIVERY_BACKOFF_BASE_MS: '100', RECONCILE_INTERVAL_MS: '500' });
});
afterAll(async () => {
  await worker?.stop();
  await hub?.close();
  await receiver?.close();
});

const act = async (as: string, action: string, ticketId: string, body: unknown) => {
  const r = await hub.api.call('POST', `/v1/tickets/{ticketId}/${action}` as TicketActionPath, { as, params: { ticketId }, untypedBody: body });
  expect(r.status).toBe(200);
  return r.body;
};

const feed = (as: string) => readWholeFeed<Received>(hub.api, as);

describe('the feed carries what webhooks carry', () => {
  it('gives a party that joined late the same events both ways, from the one that made it a party on', async () => {
    const created = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: {
        externalId: `LATE-${Date.now()}`,
        type: 'incident',
        subject: 'Anhang fehlt',
        serviceId: 'svc-demo-wohngeld',
        impact: 2,
        urgency: 2,
        channel: 'email',
      },
    });
    expect(created.status).toBe(201);
    const id = created.data.id;
    await act('demo-bela', 'acknowledgement', id, { externalId: 'BELA-1' }); // 2
    await act('demo-bela', 'comments', id, { text: 'Wir schauen nach.' }); // 3
    await act('demo-bela', 'forward', id, { participantId: 'test-late' }); // 4: test-late joins
    await act('test-late', 'acknowledgement', id, { externalId: 'LATE-1' }); // 5: its own
    await act('demo-mila', 'comments', id, { text: 'Danke.' }); // 6
    await act('test-late', 'resolution', id, { code: 'solved', text: 'Erledigt' }); // 7: its own
    await act('demo-mila', 'close', id, {}); // 8

    // A notice to the late party, which subscribed: both ways too.
    await hub.api.call('PUT', '/v1/services/{serviceId}/subscription', { as: 'test-late', params: { serviceId: 'svc-demo-wohngeld' } });
    const notice = await hub.api.call('POST', '/v1/services/{serviceId}/notices', {
      as: 'demo-bela',
      params: { serviceId: 'svc-demo-wohngeld' },
      body: { kind: 'information', startsAt: new Date().toISOString(), text: 'Neue Version' },
    });
    expect(notice.status).toBe(201);

    await eventually(
      'every delivery to be delivered',
      async () => (await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'delivered'`))[0].n === 0,
    );
    const summary = (items: Received[]) => items.map((i) => (i.ticketId ? `${i.ticketVersion}:${i.type}` : i.type)).sort();
    const ids = (items: Received[]) => items.map((i) => i.id).sort();

    const lateWebhooks = received.get('test-late') ?? [];
    const lateFeed = await feed('test-late');
    expect(summary(lateWebhooks)).toEqual(['4:ticket.forwarded', '6:ticket.comment_added', '8:ticket.closed', 'service.notice_published']);
    expect(ids(lateFeed)).toEqual(ids(lateWebhooks));
    // The full history stays readable for a party.
    const history = await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'test-late', params: { ticketId: id } });
    expect(history.data.items).toHaveLength(8);

    // The same holds for the parties that were there from the start.
    for (const party of ['demo-mila', 'demo-bela']) {
      expect(ids(await feed(party))).toEqual(ids(received.get(party) ?? []));
    }
  });
});
