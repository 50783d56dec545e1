import { jwkToPublicKey, verifyWebhook } from '@drehscheibe/webhooks';
import { eventually, Stack } from '../support/stack.js';

interface Received {
  webhookId: string;
  signatureVersion: string;
  raw: { body: string; headers: Record<string, string> };
  body: {
    id: string;
    type: string;
    ticketId: string;
    ticketVersion: number;
    actor: { participantId: string };
    data: Record<string, unknown>;
    ticket: Record<string, unknown>;
  };
}

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
}, 90_000);
afterAll(() => stack?.stop());

const deliveriesOf = async (participant: string, ticketId: string): Promise<Received[]> =>
  (await stack.simulator<{ items: Received[] }>('GET', `/participants/${participant}/deliveries`)).items.filter((d) => d.body.ticketId === ticketId);

describe('a ticket travels MiLa → hub → BeLa and its status comes back', () => {
  it('runs steps 1–4 of the walking skeleton with signed, ordered deliveries', async () => {
    // 1. The MiLa creates a ticket for the demo service.
    const created = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: {
        externalId: 'MILA-E2E-1',
        type: 'incident',
        subject: 'Antrag lässt sich nicht absenden',
        serviceId: 'svc-demo-wohngeld',
        category: 'form.submission',
        impact: 2,
        urgency: 2,
        channel: 'phone_115',
        requester: { name: 'Max Mustermann', consent: true },
      },
    });
    expect(created.status).toBe(201);
    const ticketId = created.data.id;
    expect(created.body).toMatchObject({ status: 'forwarded', assignee: { participantId: 'demo-bela' }, priority: 3 });

    // 2. The simulated BeLa receives ticket.forwarded and acknowledges it through the API.
    const [forwarded] = await eventually('the BeLa to receive ticket.forwarded', async () => {
      const d = await deliveriesOf('demo-bela', ticketId);
      return d.length > 0 && d;
    });
    expect(forwarded.body).toMatchObject({ type: 'ticket.forwarded', ticketVersion: 1, actor: { participantId: 'demo-mila' } });
    expect(forwarded.body.ticket).toMatchObject({ id: ticketId, status: 'forwarded', origin: { externalId: 'MILA-E2E-1' } });
    expect(forwarded.body.ticket.requester).toBeUndefined();
    const acknowledged = await eventually('the BeLa to acknowledge', async () => {
      const r = await stack.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId } });
      return r.body.status === 'acknowledged' && r;
    });
    expect(acknowledged.data.assignee.externalId).toMatch(/^SIM-DEMO-BELA-/);

    // 3. The BeLa works on it and resolves it, with If-Match as a careful client would.
    const progress = await stack.api.call('POST', '/v1/tickets/{ticketId}/status', {
      as: 'demo-bela',
      params: { ticketId },
      body: { status: 'in_progress' },
      headers: { 'if-match': acknowledged.headers.get('etag')! },
    });
    expect(progress.status).toBe(200);
    const resolved = await stack.api.call('POST', '/v1/tickets/{ticketId}/resolution', {
      as: 'demo-bela',
      params: { ticketId },
      body: { code: 'solved', text: 'Pflichtfeld-Prüfung korrigiert; Absenden funktioniert wieder.' },
      headers: { 'if-match': progress.headers.get('etag')! },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', version: 4, assignee: { participantId: 'demo-mila' } });

    // 4. The MiLa reads the ticket and its history, and has received every change.
    const read = await stack.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId } });
    expect(read.body).toMatchObject({ status: 'resolved', resolution: { code: 'solved' }, requester: { name: 'Max Mustermann' } });
    const history = await stack.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'demo-mila', params: { ticketId } });
    expect(history.data.items.map((e: { type: string }) => e.type)).toEqual([
      'ticket.forwarded',
      'ticket.acknowledged',
      'ticket.status_changed',
      'ticket.resolved',
    ]);

    const toMila = await eventually('the MiLa to receive three deliveries', async () => {
      const d = await deliveriesOf('demo-mila', ticketId);
      return d.length >= 3 && d;
    });
    expect(toMila.map((d) => [d.body.type, d.body.ticketVersion, d.body.ticket.status])).toEqual([
      ['ticket.acknowledged', 2, 'acknowledged'],
      ['ticket.status_changed', 3, 'in_progress'],
      ['ticket.resolved', 4, 'resolved'],
    ]);
    expect(toMila[2].body.data).toMatchObject({ status: 'resolved', previousStatus: 'in_progress', resolution: { code: 'solved' } });

    // No echo: the BeLa got only the MiLa's change, never its own.
    expect((await deliveriesOf('demo-bela', ticketId)).map((d) => d.body.type)).toEqual(['ticket.forwarded']);

    // Every delivery verifies against the hub's webhook key set, with its own webhook-id = the delivery id,
    // and never against the token key set (issue 12, item 21).
    const { data: jwks } = await stack.api.call('GET', '/.well-known/webhook-jwks.json');
    const publicKeys = jwks.keys.map((k) => jwkToPublicKey(k));
    const { data: tokenJwks } = await stack.api.call('GET', '/.well-known/jwks.json');
    const tokenKeys = tokenJwks.keys.map((k) => jwkToPublicKey(k));
    const all = [forwarded, ...toMila];
    for (const d of all) {
      expect(d.signatureVersion).toBe('v1a');
      expect(d.raw.headers['webhook-signature']).toMatch(/^v1a,/);
      const verified = verifyWebhook(d.raw.headers, d.raw.body, { ed25519PublicKeys: publicKeys });
      expect(verified.id).toBe(d.webhookId);
      expect(() => verifyWebhook(d.raw.headers, d.raw.body, { ed25519PublicKeys: tokenKeys })).toThrow();
      expect(() => verifyWebhook(d.raw.headers, d.raw.body.replace('"ticket', '"tocket'), { ed25519PublicKeys: publicKeys })).toThrow();
    }
    expect(new Set(all.map((d) => d.webhookId)).size).toBe(all.length);
    const rows = await stack.db.query<{ id: string; status: string; attempts: number }>('SELECT id, status, attempts FROM deliveries WHERE ticket_id = $1', [
      ticketId,
    ]);
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(all.map((d) => d.webhookId)));
  });

  it('retries a delivery the receiver refuses, keeping every attempt, and delivers it once', async () => {
    await stack.simulator('PUT', '/participants/demo-bela/behaviour', { failNext: 2, failStatus: 503 });
    const created = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: 'MILA-E2E-RETRY', type: 'question', subject: 'Retry', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
    });
    const ticketId = created.data.id;
    const [delivered] = await eventually(
      'the delivery after two refusals',
      async () => {
        const d = await deliveriesOf('demo-bela', ticketId);
        return d.length > 0 && d;
      },
      30_000,
    );
    expect(delivered.body.type).toBe('ticket.forwarded');
    // The receiver has the delivery before the worker records the answer: wait for the third attempt's record.
    const attempts = await eventually('the third attempt recorded', async () => {
      const rows = await stack.db.query<{ status_code: number }>(
        'SELECT a.status_code FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.ticket_id = $1 AND d.receiver_id = $2 ORDER BY a.attempted_at',
        [ticketId, 'demo-bela'],
      );
      return rows.length >= 3 && rows;
    });
    expect(attempts.map((a) => a.status_code)).toEqual([503, 503, 204]);
    const { duplicates } = await stack.simulator<{ duplicates: number }>('GET', '/participants/demo-bela/deliveries');
    expect(duplicates).toBe(0);
  });

  it('verified the demo endpoints by their handshake, and both processes warned that private endpoints are allowed', async () => {
    for (const participantId of ['demo-mila', 'demo-bela']) {
      const { data } = await stack.api.call('GET', '/v1/receivers/{participantId}', { as: 'hub-admin', params: { participantId } });
      expect(data.endpoint).toMatchObject({ url: `${stack.simulatorUrl}/participants/${participantId}/webhook`, verification: 'verified' });
    }
    // The test environment allows loopback endpoints (the simulator): said at start, naming the setting.
    for (const app of ['hub-api', 'worker'] as const) {
      const warning = stack
        .log(app)
        .split('\n')
        .filter((line) => line.includes('"setting":"ALLOW_PRIVATE_ENDPOINTS"'))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(warning).toEqual([{ ...warning[0], level: 40, msg: expect.stringContaining('ALLOW_PRIVATE_ENDPOINTS=true') as string }]);
    }
  });
});
