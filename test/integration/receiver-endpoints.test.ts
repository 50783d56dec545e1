import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { components } from '@drehscheibe/client';
import { jwkToPublicKey, verifyWebhook } from '@drehscheibe/webhooks';
import { calculateJwkThumbprint } from 'jose';
import type { DeliveryWorkerHandle } from '../../apps/worker/src/delivery-worker.js';
import { ed25519SecretKey } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startInProcessWorker } from '../support/in-process-worker.js';
import { eventually } from '../support/stack.js';
import { startReceiver, type TestReceiver } from '../support/webhook-receiver.js';

/**
 * Endpoints (issue 14, item 10) and the delivery key (item 11): a new or
 * changed delivery URL is verified by a signed challenge before tickets flow
 * to it, a changed URL starts without the old circuit and backoff, and the
 * webhook key set names the key that signs. Real receivers on loopback, the
 * real worker.
 */
type ReceiverState = components['schemas']['ReceiverState'];

interface Arrival {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Backoff and probe far longer than any wait below: a delivery that arrives did not wait them out. */
const BACKOFF_MS = 120_000;
const QUICKLY_MS = 20_000;

let hub: InProcessHub;
let worker: DeliveryWorkerHandle;
const receivers: TestReceiver[] = [];

beforeAll(async () => {
  // One webhook key for both: the API publishes what the worker signs with.
  const shared = { QUEUE_PREFIX: `endpoints-${randomBytes(4).toString('hex')}`, HUB_WEBHOOK_SIGNING_KEY: ed25519SecretKey() };
  hub = await startInProcessHub(undefined, shared);
  worker = await startInProcessWorker(hub.db.url, {
    ...shared,
    DELIVERY_BACKOFF_BASE_MS: String(BACKOFF_MS),
    CIRCUIT_FAILURE_THRESHOLD: '1',
    CIRCUIT_PROBE_INTERVAL_MS: String(BACKOFF_MS),
    RECONCILE_INTERVAL_MS: '500',
  });
});
afterAll(async () => {
  await worker?.stop();
  await hub?.close();
  await Promise.all(receivers.map((r) => r.close()));
});

/** A receiver that records what arrives; `answer` decides each delivery's status. */
async function receiver(answer: () => number = () => 204, challengeAnswered: () => boolean = () => true) {
  const deliveries: Arrival[] = [];
  const challenges: Arrival[] = [];
  const r = await startReceiver(
    (request, body, response) => {
      deliveries.push({ headers: request.headers, body });
      response.writeHead(answer()).end();
    },
    {
      onChallenge: (request, body) => {
        challenges.push({ headers: request.headers, body });
        return challengeAnswered();
      },
    },
  );
  receivers.push(r);
  return { url: `${r.url}/hook`, deliveries, challenges };
}

let seq = 0;
async function register(deliveryUrl: string): Promise<string> {
  const id = `de-hb-endpoint-${++seq}-${randomBytes(2).toString('hex')}`;
  const r = await hub.api.call('POST', '/v1/participants', {
    as: 'hub-admin',
    body: { id, name: `Endpoint ${seq}`, kind: 'land_ticket_system', land: 'DE-HB', deliveryUrl },
  });
  expect(r.status).toBe(201);
  return id;
}

const state = async (participantId: string): Promise<ReceiverState> => {
  const r = await hub.api.call('GET', '/v1/receivers/{participantId}', { as: 'hub-admin', params: { participantId } });
  expect(r.status).toBe(200);
  return r.data;
};

/** A ticket from the demo MiLa, addressed to `assignee`: its creation is delivered there. */
async function ticketFor(assignee: string): Promise<string> {
  const r = await hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: {
      externalId: `EP-${++seq}`,
      type: 'incident',
      subject: 'Endpunkt',
      serviceId: 'svc-demo-wohngeld',
      impact: 2,
      urgency: 2,
      channel: 'email',
      assignee: { participantId: assignee },
    },
  });
  expect(r.status).toBe(201);
  return r.data.id;
}

const deliveriesOf = async (receiverId: string) => (await hub.api.call('GET', '/v1/deliveries', { as: 'hub-admin', query: { receiverId } })).data;

describe('endpoint verification', () => {
  it('verifies a new endpoint with a challenge signed by the first key of the webhook key set before tickets flow', async () => {
    const target = await receiver();
    const id = await register(target.url);
    // Asynchronous: the registration answers at once; the worker runs the handshake.
    expect(['pending', 'verified']).toContain((await state(id)).endpoint?.verification);
    const verified = await eventually('the endpoint to be verified', async () => {
      const s = await state(id);
      return s.endpoint?.verification === 'verified' && s;
    });
    expect(verified.endpoint).toEqual({ url: target.url, verification: 'verified', checkedAt: expect.any(String) as string });
    expect(target.challenges).toHaveLength(1);
    const challenge = JSON.parse(target.challenges[0].body) as Record<string, unknown>;
    expect(challenge).toMatchObject({ type: 'endpoint.verification', participantId: id, challenge: expect.stringMatching(/^[\w-]{20,}$/) as string });

    const ticketId = await ticketFor(id);
    await eventually('the ticket to arrive', () => Promise.resolve(target.deliveries.some((d) => d.body.includes(ticketId))));

    // The published webhook key set: its first key signs, and it says what it is for.
    const { data: set } = await hub.api.call('GET', '/.well-known/webhook-jwks.json');
    const [current] = set.keys;
    expect(current).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA' });
    expect(current.kid).toBe((await calculateJwkThumbprint({ kty: current.kty, crv: current.crv!, x: current.x! })).slice(0, 16));
    const firstKeyOnly = { ed25519PublicKeys: [jwkToPublicKey(current)] };
    for (const signed of [target.challenges[0], target.deliveries[0]]) {
      expect(verifyWebhook(signed.headers, signed.body, firstKeyOnly).version).toBe('v1a');
    }
  });

  it('holds deliveries while the endpoint fails its handshake, says why, and lets them go once an operator re-verifies it', async () => {
    let echo = false;
    const target = await receiver(
      () => 204,
      () => echo,
    );
    const id = await register(target.url);
    const ticketId = await ticketFor(id);
    const failed = await eventually('the handshake to fail', async () => {
      const s = await state(id);
      return s.endpoint?.verification === 'failed' && s;
    });
    expect(failed.endpoint).toMatchObject({ url: target.url, error: 'the answer does not echo the challenge', checkedAt: expect.any(String) as string });
    expect(failed.pending).toBe(1);
    // Held, not tried: no attempt used, nothing sent.
    expect((await deliveriesOf(id)).items.map((d) => [d.status, d.attempts])).toEqual([['pending', 0]]);
    expect(target.deliveries).toEqual([]);

    // The worker would try again by itself, sooner after the first failures, later after more; here not before an hour.
    await hub.db.query(`UPDATE receiver_health SET next_verification_at = now() + interval '1 hour' WHERE receiver_id = $1`, [id]);
    const challengesBefore = target.challenges.length;
    echo = true;
    const again = await hub.api.call('POST', '/v1/receivers/{participantId}/verification', { as: 'hub-admin', params: { participantId: id } });
    expect(again.status).toBe(202);
    expect(again.data.endpoint?.verification).toMatch(/pending|verified/);
    await eventually('the held ticket to arrive', () => Promise.resolve(target.deliveries.some((d) => d.body.includes(ticketId))), QUICKLY_MS);
    expect(target.challenges.length).toBeGreaterThan(challengesBefore);
    expect((await state(id)).endpoint).toMatchObject({ verification: 'verified' });
    expect((await deliveriesOf(id)).items.map((d) => [d.status, d.attempts])).toEqual([['delivered', 1]]);
  });

  it('refuses re-verification for a participant without an endpoint, and shows none', async () => {
    const target = await receiver();
    const id = await register(target.url);
    const cleared = await hub.api.call('PATCH', '/v1/participants/{participantId}', {
      as: 'hub-admin',
      params: { participantId: id },
      body: { deliveryUrl: null },
    });
    expect(cleared.status).toBe(200);
    const none = await hub.api.call('POST', '/v1/receivers/{participantId}/verification', { as: 'hub-admin', params: { participantId: id } });
    expect(none.status).toBe(422);
    expect(none.problem.type).toBe('urn:drehscheibe:problem:endpoint-not-allowed');
    expect((await state(id)).endpoint).toBeUndefined();
  });
});

describe('a changed delivery URL', () => {
  it('drops the open circuit and the backoff: the pending delivery goes to the new URL at once', async () => {
    const broken = await receiver(() => 500);
    const id = await register(broken.url);
    await eventually('the first endpoint to be verified', async () => (await state(id)).endpoint?.verification === 'verified');
    const ticketId = await ticketFor(id);
    const open = await eventually('the circuit to open', async () => {
      const s = await state(id);
      return s.circuit === 'open' && s;
    });
    expect(open).toMatchObject({ pending: 1, consecutiveFailures: 1 });
    expect(Date.parse(open.nextProbeAt!) - Date.now()).toBeGreaterThan(QUICKLY_MS);
    const [held] = (await deliveriesOf(id)).items;
    expect(held).toMatchObject({ status: 'pending', attempts: 1 });
    expect(Date.parse(held.nextAttemptAt!) - Date.now()).toBeGreaterThan(QUICKLY_MS);

    const fixed = await receiver();
    const changed = await hub.api.call('PATCH', '/v1/participants/{participantId}', {
      as: 'hub-admin',
      params: { participantId: id },
      body: { deliveryUrl: fixed.url },
    });
    expect(changed.status).toBe(200);
    // In the same transaction as the new URL: closed, no failures counted, the delivery due now.
    expect(await state(id)).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, pending: 1 });

    const started = Date.now();
    await eventually('the pending delivery to reach the new URL', () => Promise.resolve(fixed.deliveries.some((d) => d.body.includes(ticketId))), QUICKLY_MS);
    expect(Date.now() - started).toBeLessThan(QUICKLY_MS);
    expect(fixed.challenges).toHaveLength(1); // verified before it got the ticket
    expect(await state(id)).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, pending: 0, endpoint: { url: fixed.url, verification: 'verified' } });
    expect((await deliveriesOf(id)).items.map((d) => [d.status, d.attempts])).toEqual([['delivered', 1]]);
    expect(broken.deliveries).toHaveLength(1);
  });
});
