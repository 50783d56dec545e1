import { eventually, Stack } from '../support/stack.js';

/**
 * Issue 17: the simulated Land systems verify each delivery signature
 * scheme (the real apps as processes), and a delivery secret appears in the
 * one answer that generated it — in no log line of the hub, the worker or
 * the simulator.
 */
interface Received {
  signatureVersion: string;
  raw: { body: string; headers: Record<string, string> };
  body: { id: string; type: string; ticketId: string };
}

let stack: Stack;
beforeAll(async () => {
  // A new scheme is verified by a handshake: retried every second here, not every 30 s.
  stack = await Stack.start({ CIRCUIT_PROBE_INTERVAL_MS: '1000', LOG_LEVEL: 'debug' });
}, 90_000);
afterAll(() => stack?.stop());

const deliveriesOf = async (participant: string, ticketId: string): Promise<Received[]> =>
  (await stack.simulator<{ items: Received[] }>('GET', `/participants/${participant}/deliveries`)).items.filter((d) => d.body.ticketId === ticketId);

async function chooseScheme(participantId: string, scheme: 'standard-webhooks-hmac' | 'fit-connect'): Promise<string> {
  const r = await stack.api.admin('PATCH', '/v1/participants/{participantId}', { deliverySignature: { scheme } }, { participantId });
  expect(r.status).toBe(200);
  expect(r.headers.get('cache-control')).toBe('no-store');
  const secret = r.data.deliverySignature!.secret!;
  expect(secret).toBeTruthy();
  // What the Land's administrator does with the secret shown once: configure the receiving system.
  await stack.simulator('PUT', `/participants/${participantId}/signature`, { scheme, secrets: [secret] });
  return secret;
}

describe('the simulator verifies each delivery signature scheme', () => {
  it('receives HMAC and FIT-Connect deliveries verified, and no secret reaches a log', async () => {
    const hmacSecret = await chooseScheme('demo-bela', 'standard-webhooks-hmac');
    const fitSecret = await chooseScheme('demo-mila', 'fit-connect');
    for (const participantId of ['demo-bela', 'demo-mila']) {
      await eventually(`${participantId}'s endpoint verified with its new scheme`, async () => {
        const r = await stack.api.admin('GET', '/v1/receivers/{participantId}', undefined, { participantId });
        return r.status === 200 && (r.body as { endpoint?: { verification?: string } }).endpoint?.verification === 'verified';
      });
    }

    const created = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: 'MILA-SIG-1', type: 'incident', subject: 'Signaturen', serviceId: 'svc-demo-wohngeld', impact: 2, urgency: 2, channel: 'email' },
    });
    expect(created.status).toBe(201);
    const ticketId = created.data.id;

    // The BeLa (HMAC) receives the forwarded ticket and acknowledges it; the MiLa (FIT-Connect) receives the acknowledgement.
    const [forwarded] = await eventually('the BeLa to receive ticket.forwarded', async () => {
      const d = await deliveriesOf('demo-bela', ticketId);
      return d.length > 0 && d;
    });
    expect(forwarded.signatureVersion).toBe('v1');
    expect(forwarded.raw.headers['webhook-signature']).toMatch(/^v1,/);
    const [acknowledged] = await eventually('the MiLa to receive ticket.acknowledged', async () => {
      const d = (await deliveriesOf('demo-mila', ticketId)).filter((x) => x.body.type === 'ticket.acknowledged');
      return d.length > 0 && d;
    });
    expect(acknowledged.signatureVersion).toBe('fit-connect');
    expect(acknowledged.raw.headers['callback-authentication']).toMatch(/^[0-9a-f]{128}$/);
    expect(acknowledged.raw.headers['webhook-signature']).toBeUndefined();

    // A simulator with the wrong secret refuses: nothing is accepted that it cannot verify.
    await stack.simulator('PUT', '/participants/demo-mila/signature', { scheme: 'fit-connect', secrets: ['x'.repeat(86)] });
    const progress = await stack.api.call('POST', '/v1/tickets/{ticketId}/status', { as: 'demo-bela', params: { ticketId }, body: { status: 'in_progress' } });
    expect(progress.status).toBe(200);
    await eventually('the delivery to the MiLa to be refused and retried', async () => {
      const rows = await stack.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.receiver_id = 'demo-mila' AND a.status_code = 401`,
      );
      return rows[0].n > 0;
    });
    await stack.simulator('PUT', '/participants/demo-mila/signature', { scheme: 'fit-connect', secrets: [fitSecret] });
    await eventually('the MiLa to receive ticket.status_changed once its secret is right', async () =>
      (await deliveriesOf('demo-mila', ticketId)).some((x) => x.body.type === 'ticket.status_changed'),
    );

    for (const app of ['hub-api', 'worker', 'simulator'] as const) {
      const log = stack.log(app);
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(hmacSecret);
      expect(log).not.toContain(hmacSecret.slice(6)); // nor its base64 without the prefix
      expect(log).not.toContain(fitSecret);
    }
  });
});
