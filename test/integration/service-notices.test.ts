import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
});
afterAll(() => hub?.close());

const publish = (as: string, body: unknown, serviceId = 'svc-demo-wohngeld') =>
  hub.api.call('POST', '/v1/services/{serviceId}/notices', { as, params: { serviceId }, body });
const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('service notices', () => {
  it('lets the operator publish, lists current and upcoming ones, and delivers to subscribers with an endpoint', async () => {
    expect((await hub.api.call('PUT', '/v1/services/{serviceId}/subscription', { as: 'demo-mila', params: { serviceId: 'svc-demo-wohngeld' } })).status).toBe(
      204,
    );
    const past = await publish('demo-bela', { kind: 'outage', startsAt: hours(-5), endsAt: hours(-4), text: 'Vorbei' });
    const maintenance = await publish('demo-bela', { kind: 'maintenance', startsAt: hours(24), endsAt: hours(27), text: 'Wartung' });
    const open = await publish('demo-bela', { kind: 'outage', startsAt: hours(-1), text: 'Störung des Bezahldienstes' });
    expect(maintenance.status).toBe(201);
    expect(maintenance.body).toMatchObject({ kind: 'maintenance', author: 'demo-bela', serviceId: 'svc-demo-wohngeld' });

    const current = await hub.api.call('GET', '/v1/services/{serviceId}/notices', { as: 'demo-mila', params: { serviceId: 'svc-demo-wohngeld' } });
    expect(current.body.items.map((n: { id: string }) => n.id)).toEqual([open.body.id, maintenance.body.id]);
    expect(current.body.items.map((n: { id: string }) => n.id)).not.toContain(past.body.id);

    const deliveries = await hub.db.query<{ receiver_id: string; notice_id: string }>(
      'SELECT receiver_id, notice_id FROM deliveries WHERE notice_id IS NOT NULL ORDER BY created_at',
    );
    expect(deliveries.map((d) => d.receiver_id)).toEqual(['demo-mila', 'demo-mila', 'demo-mila']);

    await hub.api.call('DELETE', '/v1/services/{serviceId}/subscription', { as: 'demo-mila', params: { serviceId: 'svc-demo-wohngeld' } });
    await publish('demo-bela', { kind: 'information', startsAt: hours(0), text: 'Neue Version' });
    const [{ n }] = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE notice_id IS NOT NULL');
    expect(n).toBe(3);
  });

  it('refuses notices from anyone but the operator, bad periods and unknown services, writing nothing', async () => {
    const before = await hub.db.query('SELECT count(*)::int AS n FROM service_notices');
    const notOperator = await publish('demo-mila', { kind: 'outage', startsAt: hours(0), text: 'x' });
    expect(notOperator.status).toBe(403);
    const backwards = await publish('demo-bela', { kind: 'outage', startsAt: hours(2), endsAt: hours(1), text: 'x' });
    expect(backwards.status).toBe(422);
    expect(backwards.body.type).toBe('urn:drehscheibe:problem:invalid-period');
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
    expect(await hub.db.query('SELECT count(*)::int AS n FROM service_notices')).toEqual(before);
  });
});
