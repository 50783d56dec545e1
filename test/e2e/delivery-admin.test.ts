import { eventually, freePort, Stack } from '../support/stack.js';

let stack: Stack;
let workerMetrics: string;
beforeAll(async () => {
  const metricsPort = await freePort();
  workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
  stack = await Stack.start({
    METRICS_PORT: String(metricsPort),
    DELIVERY_MAX_ATTEMPTS: '3',
    DELIVERY_BACKOFF_BASE_MS: '50',
    DELIVERY_BACKOFF_MAX_MS: '200',
    CIRCUIT_FAILURE_THRESHOLD: '2',
    CIRCUIT_PROBE_INTERVAL_MS: '300',
    SIMULATOR_AUTO_ACKNOWLEDGE: 'false',
  });
}, 90_000);
afterAll(() => stack?.stop());

let n = 0;
const create = async () =>
  (
    await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: `ADM-${++n}`, type: 'question', subject: 'Admin', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
    })
  ).body.id as string;
const admin = (method: string, path: string, params: Record<string, string> = {}) => stack.api.call(method, path, { as: 'hub-admin', params });
const receivedBy = async (participant: string) =>
  (await stack.simulator<{ items: Array<{ body: { ticketId: string; ticketVersion: number } }> }>('GET', `/participants/${participant}/deliveries`)).items;

describe('operating deliveries', () => {
  it('dead-letters after the last attempt, opens the circuit, and replays the dead letters once the receiver is back', async () => {
    await stack.simulator('PUT', '/participants/demo-bela/behaviour', { failNext: 1_000_000, failStatus: 500 });
    const ids = [await create(), await create()];
    await eventually(
      'both deliveries to be dead letters',
      async () => {
        const { body } = await admin('GET', `/v1/deliveries?receiverId=demo-bela&status=dead`);
        return ids.every((id) => body.items.some((d: { ticketId: string }) => d.ticketId === id));
      },
      20_000,
    );
    const state = await admin('GET', '/v1/receivers/{participantId}', { participantId: 'demo-bela' });
    expect(state.body).toMatchObject({ receiverId: 'demo-bela', circuit: expect.stringMatching(/open/), dead: 2 });
    expect(state.body.consecutiveFailures).toBeGreaterThanOrEqual(2);

    const [dead] = (await admin('GET', `/v1/deliveries?ticketId=${ids[0]}` as '/v1/deliveries')).body.items;
    const detail = await admin('GET', '/v1/deliveries/{deliveryId}', { deliveryId: dead.id });
    expect(detail.body.history.map((a: { statusCode?: number }) => a.statusCode)).toEqual([500, 500, 500]);
    expect(detail.body.attempts).toBe(3);

    await stack.simulator('PUT', '/participants/demo-bela/behaviour', { failNext: 0 });
    const replay = await admin('POST', '/v1/receivers/{participantId}/dead-letters/replay', { participantId: 'demo-bela' });
    expect(replay.body).toEqual({ replayed: 2 });
    await eventually(
      'the replayed deliveries to arrive',
      async () => {
        const got = await receivedBy('demo-bela');
        return ids.every((id) => got.some((d) => d.body.ticketId === id));
      },
      15_000,
    );
    const after = await admin('GET', '/v1/receivers/{participantId}', { participantId: 'demo-bela' });
    expect(after.body).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, dead: 0, pending: 0 });

    // The worker counted it all.
    const metrics = await (await fetch(workerMetrics)).text();
    expect(metrics).toMatch(/drehscheibe_delivery_attempts_total\{receiver="demo-bela",outcome="dead"[^}]*\} 2/);
    expect(metrics).toMatch(/drehscheibe_delivery_attempts_total\{receiver="demo-bela",outcome="failed"[^}]*\} [4-9]/);
    expect(metrics).toMatch(/drehscheibe_delivery_latency_seconds_count\{[^}]*receiver="demo-bela"[^}]*\} [1-9]/);
  });

  it('holds deliveries for a paused receiver and sends them in order on resume', async () => {
    const ticketId = await create();
    await stack.api.call('POST', '/v1/tickets/{ticketId}/acknowledgement', { as: 'demo-bela', params: { ticketId }, body: { externalId: 'B' } });
    await eventually('the acknowledgement at the MiLa', async () => (await receivedBy('demo-mila')).some((d) => d.body.ticketId === ticketId));

    expect((await admin('POST', '/v1/receivers/{participantId}/pause', { participantId: 'demo-mila' })).body.paused).toBe(true);
    for (const status of ['in_progress', 'waiting', 'in_progress']) {
      await stack.api.call('POST', '/v1/tickets/{ticketId}/status', { as: 'demo-bela', params: { ticketId }, body: { status, reason: 'x' } });
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect((await receivedBy('demo-mila')).filter((d) => d.body.ticketId === ticketId).map((d) => d.body.ticketVersion)).toEqual([2]);
    expect((await admin('GET', '/v1/receivers/{participantId}', { participantId: 'demo-mila' })).body.pending).toBe(3);

    await admin('POST', '/v1/receivers/{participantId}/resume', { participantId: 'demo-mila' });
    const versions = await eventually('the held deliveries', async () => {
      const got = (await receivedBy('demo-mila')).filter((d) => d.body.ticketId === ticketId).map((d) => d.body.ticketVersion);
      return got.length === 4 && got;
    });
    expect(versions).toEqual([2, 3, 4, 5]);
  });

  it('refuses to retry a delivered delivery and keeps the API to the admin scope', async () => {
    const ticketId = await create();
    await stack.api.call('POST', '/v1/tickets/{ticketId}/acknowledgement', { as: 'demo-bela', params: { ticketId }, body: { externalId: 'C' } });
    const delivered = await eventually('a delivered delivery', async () => {
      const { body } = await admin('GET', `/v1/deliveries?ticketId=${ticketId}&status=delivered` as '/v1/deliveries');
      return body.items[0];
    });
    const retry = await admin('POST', '/v1/deliveries/{deliveryId}/retry', { deliveryId: delivered.id });
    expect(retry.status).toBe(409);
    const asParticipant = await stack.api.call('GET', '/v1/deliveries', { as: 'demo-mila' });
    expect(asParticipant.status).toBe(403);
  });
});
