import { eventually, Stack } from '../support/stack.js';
import type { CallOptions, Method, Operation, PathOf } from '../support/api-client.js';

let stack: Stack;
const workerMetrics = async () => (await fetch(`${stack.workerUrl}/metrics`)).text();
/** A counter's value in the worker's metrics (0 while it has no sample). */
const workerCounter = async (name: string, labels: Record<string, string>) => {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = (await workerMetrics()).split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
};
beforeAll(async () => {
  stack = await Stack.start({
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
  ).data.id;
const admin = <M extends Method, P extends PathOf<M>>(method: M, path: P, params?: CallOptions<Operation<M, P>>['params']) =>
  stack.api.call(method, path, { as: 'hub-admin', params });
const receivedBy = async (participant: string) =>
  (await stack.simulator<{ items: Array<{ body: { ticketId: string; ticketVersion: number } }> }>('GET', `/participants/${participant}/deliveries`)).items;

describe('operating deliveries', () => {
  it('dead-letters after the last attempt, opens the circuit, and replays the dead letters once the receiver is back', async () => {
    await stack.simulator('PUT', '/participants/demo-bela/behaviour', { failNext: 1_000_000, failStatus: 500 });
    const ids = [await create(), await create()];
    await eventually(
      'both deliveries to be dead letters',
      async () => {
        const { data } = await admin('GET', `/v1/deliveries?receiverId=demo-bela&status=dead` as '/v1/deliveries');
        return ids.every((id) => data.items.some((d) => d.ticketId === id));
      },
      20_000,
    );
    const state = await admin('GET', '/v1/receivers/{participantId}', { participantId: 'demo-bela' });
    expect(state.body).toMatchObject({ receiverId: 'demo-bela', circuit: expect.stringMatching(/open/) as string, dead: 2 });
    expect(state.data.consecutiveFailures).toBeGreaterThanOrEqual(2);

    const [dead] = (await admin('GET', `/v1/deliveries?ticketId=${ids[0]}` as '/v1/deliveries')).data.items;
    const detail = await admin('GET', '/v1/deliveries/{deliveryId}', { deliveryId: dead.id });
    expect(detail.data.history.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    expect(detail.data.attempts).toBe(3);

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
    const metrics = await workerMetrics();
    expect(metrics).toMatch(/drehscheibe_delivery_attempts_total\{receiver="demo-bela",outcome="dead"[^}]*\} 2/);
    expect(metrics).toMatch(/drehscheibe_delivery_attempts_total\{receiver="demo-bela",outcome="failed"[^}]*\} [4-9]/);
    expect(metrics).toMatch(/drehscheibe_delivery_latency_seconds_count\{[^}]*receiver="demo-bela"[^}]*\} [1-9]/);
  });

  it('holds deliveries for a paused receiver and sends them in order on resume', async () => {
    const ticketId = await create();
    await stack.api.call('POST', '/v1/tickets/{ticketId}/acknowledgement', { as: 'demo-bela', params: { ticketId }, body: { externalId: 'B' } });
    await eventually('the acknowledgement at the MiLa', async () => (await receivedBy('demo-mila')).some((d) => d.body.ticketId === ticketId));

    expect((await admin('POST', '/v1/receivers/{participantId}/pause', { participantId: 'demo-mila' })).data.paused).toBe(true);
    const heldBefore = await workerCounter('drehscheibe_delivery_deferrals_total', { receiver: 'demo-mila', reason: 'paused' });
    for (const status of ['in_progress', 'waiting', 'in_progress'] as const) {
      await stack.api.call('POST', '/v1/tickets/{ticketId}/status', { as: 'demo-bela', params: { ticketId }, body: { status, reason: 'x' } });
    }
    // Proof that nothing was sent rather than "not yet": the worker took the first of them up and held it for the pause
    // (the later versions wait behind it, in order).
    await eventually('the worker to hold the deliveries for the paused receiver', async () => {
      const held = await workerCounter('drehscheibe_delivery_deferrals_total', { receiver: 'demo-mila', reason: 'paused' });
      return held - heldBefore >= 1;
    });
    expect((await receivedBy('demo-mila')).filter((d) => d.body.ticketId === ticketId).map((d) => d.body.ticketVersion)).toEqual([2]);
    expect((await admin('GET', '/v1/receivers/{participantId}', { participantId: 'demo-mila' })).data.pending).toBe(3);

    await admin('POST', '/v1/receivers/{participantId}/resume', { participantId: 'demo-mila' });
    const versions = await eventually('the held deliveries', async () => {
      const got = (await receivedBy('demo-mila')).filter((d) => d.body.ticketId === ticketId).map((d) => d.body.ticketVersion);
      return got.length === 4 && got;
    });
    expect(versions).toEqual([2, 3, 4, 5]);
  });

  it('moves lastSuccessAt to the latest success, not only the first, while the receiver stays healthy', async () => {
    const delivered = async (ticketId: string) =>
      eventually(`the delivery of ${ticketId} to the BeLa`, async () => (await receivedBy('demo-bela')).some((d) => d.body.ticketId === ticketId));
    const lastSuccess = async () => {
      const { data } = await admin('GET', '/v1/receivers/{participantId}', { participantId: 'demo-bela' });
      expect(data).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 }); // the healthy path: no circuit write per delivery
      return data.lastSuccessAt ? Date.parse(data.lastSuccessAt) : 0;
    };
    await delivered(await create()); // a closed circuit with a row: every further success is a healthy one
    const first = await eventually('a recorded success', lastSuccess);

    const startedSecond = Date.now();
    await delivered(await create());
    const second = await eventually('lastSuccessAt to move to the second delivery', async () => {
      const at = await lastSuccess();
      return at > first && at >= startedSecond - 5 && at;
    });

    const startedThird = Date.now();
    await delivered(await create());
    await eventually('lastSuccessAt to move to the third delivery', async () => {
      const at = await lastSuccess();
      return at > second && at >= startedThird - 5;
    });
  });

  it('refuses to retry a delivered delivery and keeps the API to the admin scope', async () => {
    const ticketId = await create();
    await stack.api.call('POST', '/v1/tickets/{ticketId}/acknowledgement', { as: 'demo-bela', params: { ticketId }, body: { externalId: 'C' } });
    const delivered = await eventually('a delivered delivery', async () => {
      const { data } = await admin('GET', `/v1/deliveries?ticketId=${ticketId}&status=delivered` as '/v1/deliveries');
      return data.items[0];
    });
    const retry = await admin('POST', '/v1/deliveries/{deliveryId}/retry', { deliveryId: delivered.id });
    expect(retry.status).toBe(409);
    const asParticipant = await stack.api.call('GET', '/v1/deliveries', { as: 'demo-mila' });
    expect(asParticipant.status).toBe(403);
  });
});
