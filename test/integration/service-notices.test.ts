import { v7 as uuidv7 } from 'uuid';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
  // A portal without an endpoint: it polls the feed.
  await addParticipant(hub.db, hub.api, 'test-portal');
});
afterAll(() => hub?.close());

const publish = (as: string, body: unknown, serviceId = 'svc-demo-wohngeld') =>
  hub.api.call('POST', '/v1/services/{serviceId}/notices', { as, params: { serviceId }, untypedBody: body });
const subscription = (method: 'PUT' | 'DELETE', as: string) =>
  hub.api.call(method, '/v1/services/{serviceId}/subscription', { as, params: { serviceId: 'svc-demo-wohngeld' } });
const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

async function feed(as: string, after?: string): Promise<{ items: Array<{ id: string; type: string; notice?: { id: string } }>; cursor: string }> {
  const r = await hub.api.call('GET', `/v1/events?limit=200${after ? `&after=${after}` : ''}` as '/v1/events', { as });
  expect(r.status).toBe(200);
  return { items: r.data.items, cursor: r.data.nextCursor };
}
const noticeIds = (items: Array<{ type: string; notice?: { id: string } }>) =>
  items.filter((i) => i.type === 'service.notice_published').map((i) => i.notice!.id);

describe('service notices', () => {
  it('lets the operator publish, lists current and upcoming ones, and delivers to subscribers with an endpoint', async () => {
    expect((await subscription('PUT', 'demo-mila')).status).toBe(204);
    // One that ended (published while it ran): no longer listed.
    const past = uuidv7();
    await hub.db.query(
      `INSERT INTO service_notices (id, service_id, kind, starts_at, ends_at, text, author_id, created_at)
       VALUES ($1, 'svc-demo-wohngeld', 'outage', now() - interval '5 hours', now() - interval '4 hours', 'Vorbei', 'demo-bela', now() - interval '5 hours')`,
      [past],
    );
    const maintenance = await publish('demo-bela', { kind: 'maintenance', startsAt: hours(24), endsAt: hours(27), text: 'Wartung' });
    const open = await publish('demo-bela', { kind: 'outage', startsAt: hours(-1), text: 'Störung des Bezahldienstes' });
    const ongoing = await publish('demo-bela', { kind: 'outage', startsAt: hours(-2), endsAt: hours(1), text: 'Langsame Antworten' });
    expect(maintenance.status).toBe(201);
    expect(ongoing.status).toBe(201);
    expect(maintenance.body).toMatchObject({ kind: 'maintenance', author: 'demo-bela', serviceId: 'svc-demo-wohngeld' });

    const current = await hub.api.call('GET', '/v1/services/{serviceId}/notices', { as: 'demo-mila', params: { serviceId: 'svc-demo-wohngeld' } });
    expect(current.data.items.map((n: { id: string }) => n.id)).toEqual([ongoing.data.id, open.data.id, maintenance.data.id]);
    expect(current.data.items.map((n: { id: string }) => n.id)).not.toContain(past);

    const deliveries = await hub.db.query<{ receiver_id: string; notice_id: string }>(
      'SELECT receiver_id, notice_id FROM deliveries WHERE notice_id IS NOT NULL ORDER BY created_at',
    );
    expect(deliveries.map((d) => d.receiver_id)).toEqual(['demo-mila', 'demo-mila', 'demo-mila']);

    expect((await subscription('DELETE', 'demo-mila')).status).toBe(204);
    await publish('demo-bela', { kind: 'information', startsAt: hours(0), text: 'Neue Version' });
    const [{ n }] = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE notice_id IS NOT NULL');
    expect(n).toBe(3);
  });

  it('refuses notices from anyone but the operator, bad periods, ended windows and unknown services, writing nothing', async () => {
    await subscription('PUT', 'demo-mila');
    const counts = () =>
      hub.db.query(
        `SELECT (SELECT count(*) FROM service_notices)::int AS notices, (SELECT count(*) FROM notice_recipients)::int AS recipients,
                (SELECT count(*) FROM deliveries)::int AS deliveries`,
      );
    const before = await counts();
    const notOperator = await publish('demo-mila', { kind: 'outage', startsAt: hours(0), text: 'x' });
    expect(notOperator.status).toBe(403);
    const backwards = await publish('demo-bela', { kind: 'outage', startsAt: hours(2), endsAt: hours(1), text: 'x' });
    expect(backwards.status).toBe(422);
    expect(backwards.problem.type).toBe('urn:drehscheibe:problem:invalid-period');
    // A window that ended years ago is history, not a notice to push as new.
    const ended = await publish('demo-bela', { kind: 'outage', startsAt: '2019-03-01T08:00:00Z', endsAt: '2019-03-01T12:00:00Z', text: 'Alt' });
    expect(ended.status).toBe(422);
    expect(ended.problem.type).toBe('urn:drehscheibe:problem:invalid-period');
    expect(ended.problem.errors).toEqual([{ pointer: '/body/endsAt', message: 'must be in the future' }]);
    const unknownKind = await publish('demo-bela', { kind: 'meteor', startsAt: hours(0), text: 'x' });
    expect(unknownKind.status).toBe(400);
    const unknownService = await publish('demo-bela', { kind: 'outage', startsAt: hours(0), text: 'x' }, 'svc-nowhere');
    expect(unknownService.status).toBe(404);
    const admin = await hub.api.call('POST', '/v1/services/{serviceId}/notices', {
      as: 'hub-admin',
      params: { serviceId: 'svc-demo-wohngeld' },
      body: { kind: 'outage', startsAt: hours(0), text: 'x' },
    });
    expect(admin.status).toBe(403);
    expect(await counts()).toEqual(before);
    await subscription('DELETE', 'demo-mila');
  });

  it('puts a notice in the feed of every subscriber exactly once, polling or not, as its webhook', async () => {
    const portalStart = (await feed('test-portal')).cursor;
    const milaStart = (await feed('demo-mila')).cursor;
    await subscription('PUT', 'test-portal');
    await subscription('PUT', 'demo-mila');
    const notice = await publish('demo-bela', { kind: 'maintenance', startsAt: hours(1), endsAt: hours(2), text: 'Wartung am Abend' });
    expect(notice.status).toBe(201);
    // Unsubscribing afterwards does not take back what was published to it.
    await subscription('DELETE', 'demo-mila');

    const portal = await feed('test-portal', portalStart);
    expect(noticeIds(portal.items)).toEqual([notice.data.id]);
    const item = portal.items.find((i) => i.type === 'service.notice_published');
    expect(item).toEqual({
      id: notice.data.id,
      type: 'service.notice_published',
      occurredAt: notice.data.createdAt,
      serviceId: 'svc-demo-wohngeld',
      notice: notice.body,
    });
    expect((await feed('test-portal', portal.cursor)).items).toEqual([]);

    // The subscriber with an endpoint: the same notice by webhook and in its feed.
    const mila = await feed('demo-mila', milaStart);
    expect(noticeIds(mila.items)).toEqual([notice.data.id]);
    const delivered = await hub.db.query<{ notice_id: string }>('SELECT notice_id FROM deliveries WHERE notice_id = $1', [notice.data.id]);
    expect(delivered.map((d) => d.notice_id)).toEqual([notice.data.id]);
    // Neither the author nor a participant that never subscribed gets it.
    expect(noticeIds((await feed('demo-bela')).items)).toEqual([]);
    await subscription('DELETE', 'test-portal');
  });
});
