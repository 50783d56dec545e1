import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MappingProfileDocument } from '@drehscheibe/mapping';
import type { DeliveryWorkerHandle } from '../../apps/worker/src/delivery-worker.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startInProcessWorker } from '../support/in-process-worker.js';
import { eventually } from '../support/stack.js';
import { startReceiver, type TestReceiver } from '../support/webhook-receiver.js';

/**
 * Native in and native out (issue 15) with the worked example of
 * docs/mappings.md: demo-mila's system speaks Landesticket to
 * `POST /v1/inbound/demo-mila`, demo-bela's Landesticket gets its deliveries
 * as Landesticket requests from the worker, and the hub reads its answers.
 */
const ROOT = resolve(import.meta.dirname ?? '.', '../..');
const example = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, 'docs/examples/landesticket', name), 'utf8')) as Record<string, unknown>;
const landesticket = example('profile.json') as MappingProfileDocument;

interface NativeCall {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

let hub: InProcessHub;
let worker: DeliveryWorkerHandle | undefined;
let system: TestReceiver;
/** What demo-bela's Landesticket received, in order. */
const calls: NativeCall[] = [];
let numbers = 0;
const shared = { QUEUE_PREFIX: `native-${randomBytes(4).toString('hex')}` };

beforeAll(async () => {
  system = await startReceiver((request, body, response) => {
    calls.push({ method: request.method!, path: request.url!, headers: request.headers, body: JSON.parse(body || '{}') as Record<string, unknown> });
    const created = request.method === 'POST' && request.url === '/api/tickets';
    response
      .writeHead(created ? 201 : 200, { 'content-type': 'application/json' })
      .end(JSON.stringify(created ? { nr: `LT-B-${++numbers}`, status: 'neu' } : {}));
  });
  hub = await startInProcessHub(undefined, shared);
  worker = await startInProcessWorker(hub.db.url, { ...shared, DELIVERY_BACKOFF_BASE_MS: '100', RECONCILE_INTERVAL_MS: '500' });
  await worker.started;
  // demo-bela runs Landesticket behind this URL.
  expect(
    (
      await hub.api.call('PATCH', '/v1/participants/{participantId}', {
        as: 'hub-admin',
        params: { participantId: 'demo-bela' },
        body: { deliveryUrl: system.url },
      })
    ).status,
  ).toBe(200);
}, 90_000);
afterAll(async () => {
  await worker?.stop();
  await hub?.close();
  await system?.close();
});

async function activate(
  participantId: string,
  document: MappingProfileDocument,
  inboundAuth?: Record<string, unknown>,
): Promise<{ version: number; secret?: string }> {
  const saved = await hub.api.call('POST', '/v1/participants/{participantId}/mapping-profiles', { as: 'hub-admin', params: { participantId }, body: document });
  expect(saved.status).toBe(201);
  const binding = await hub.api.call('PUT', '/v1/participants/{participantId}/mapping', {
    as: 'hub-admin',
    params: { participantId },
    body: { version: saved.data.version, ...(inboundAuth ? { inboundAuth } : {}) } as never,
  });
  expect(binding.status).toBe(200);
  return { version: saved.data.version, secret: binding.data.secret };
}

/** Posts a native message the way a system does: raw JSON and its own headers, no client of ours. */
async function post(
  participantId: string,
  message: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; location: string | null }> {
  const response = await fetch(`${hub.url}/v1/inbound/${participantId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, location: response.headers.get('location') };
}

const eventsOf = async (ticketId: string) =>
  (await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'demo-mila', params: { ticketId } })).data.items.map((e) => e.type);
const ticket = async (ticketId: string, as = 'demo-mila') => (await hub.api.call('GET', '/v1/tickets/{ticketId}', { as, params: { ticketId } })).data;

let serial = 0;
const newNumber = () => `LT-2026-${Date.now() % 100000}-${++serial}`;
const created = (nr: string) => ({
  ...example('ticket-angelegt.json'),
  ticket: { ...(example('ticket-angelegt.json').ticket as object), nr, dienst: 'svc-demo-wohngeld' },
});

describe('native in', () => {
  it('takes only the participant’s own token while no binding names another credential, and says so before anything else', async () => {
    expect((await post('demo-mila', created(newNumber()))).status).toBe(401);
    const belaToken = await hub.api.token('demo-bela');
    const foreign = await post('demo-mila', created(newNumber()), { authorization: `Bearer ${belaToken}` });
    expect(foreign.status).toBe(403);
    // Authenticated, but no profile yet.
    const own = await post('demo-mila', created(newNumber()), { authorization: `Bearer ${await hub.api.token('demo-mila')}` });
    expect(own).toMatchObject({ status: 404, body: { type: 'urn:drehscheibe:problem:not-found' } });
  });

  describe('with a shared secret', () => {
    let secret: string;
    beforeAll(async () => {
      ({ secret } = (await activate('demo-mila', landesticket, { kind: 'shared-secret', header: 'X-Landesticket-Token' })) as { secret: string });
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
    const headers = () => ({ 'x-landesticket-token': secret });

    it('creates the ticket from the native message, as the participant, and a repeat answers the same ticket', async () => {
      const nr = newNumber();
      const first = await post('demo-mila', created(nr), headers());
      expect(first).toMatchObject({ status: 201, body: { operation: 'createTicket', rule: 'angelegt', outcome: 'created', ticketVersion: 1 } });
      const ticketId = first.body.ticketId as string;
      expect(first.location).toBe(`/v1/tickets/${ticketId}`);
      expect(await ticket(ticketId)).toMatchObject({
        subject: 'Anmeldung mit BundID schlägt fehl',
        impact: 2,
        urgency: 1,
        origin: { participantId: 'demo-mila', externalId: nr },
      });
      const again = await post('demo-mila', created(nr), headers());
      expect(again).toMatchObject({ status: 200, body: { ticketId, outcome: 'unchanged' } });
      expect(await eventsOf(ticketId)).toEqual(['ticket.forwarded']);
    });

    it('refuses a wrong or missing secret and changes nothing', async () => {
      const nr = newNumber();
      expect((await post('demo-mila', created(nr), { 'x-landesticket-token': `${secret}x` })).status).toBe(401);
      expect((await post('demo-mila', created(nr))).status).toBe(401);
      const found = await hub.api.call('GET', '/v1/tickets', { as: 'demo-mila', query: { externalId: nr } });
      expect(found.data.items).toEqual([]);
    });

    it('applies a change once per change id, and names the profile’s value map for a code it does not know', async () => {
      const nr = newNumber();
      const ticketId = (await post('demo-mila', created(nr), headers())).body.ticketId as string;
      expect((await hub.api.command('demo-bela', 'acknowledgement', ticketId, { externalId: 'BELA-1' })).status).toBe(200);
      expect((await hub.api.command('demo-bela', 'resolution', ticketId, { code: 'solved', text: 'Erledigt' })).status).toBe(200);
      // The MiLa's agent reopens in Landesticket: "in_bearbeitung" with a reason.
      const reopen = {
        ereignis: 'ticket.geaendert',
        aenderung: `chg-${nr}`,
        ticket: { nr, status: 'in_bearbeitung' },
        kommentar: { text: 'Geht immer noch nicht.' },
      };
      expect(await post('demo-mila', reopen, headers())).toMatchObject({ status: 200, body: { operation: 'setTicketState', outcome: 'changed' } });
      expect(await post('demo-mila', reopen, headers())).toMatchObject({ status: 200, body: { outcome: 'unchanged' } });
      const before = await eventsOf(ticketId);
      expect(before.slice(-1)).toEqual(['ticket.reopened']);

      const unknown = await post('demo-mila', { ...reopen, aenderung: `chg-${nr}-2`, ticket: { nr, status: 'verschollen' } }, headers());
      expect(unknown.status).toBe(422);
      expect(unknown.body).toMatchObject({
        type: 'urn:drehscheibe:problem:mapping-failed',
        mapping: { code: 'unmapped-code', pointer: '/valueMaps/status/toCanonical' },
        detail: expect.stringContaining('"verschollen"') as string,
      });
      expect(await eventsOf(ticketId)).toEqual(before);
    });

    it('answers 404 for a number the participant has no ticket with', async () => {
      const unknown = await post('demo-mila', { ereignis: 'ticket.geaendert', aenderung: 'chg-x', ticket: { nr: 'LT-NIE', status: 'geloest' } }, headers());
      expect(unknown).toMatchObject({ status: 404, body: { type: 'urn:drehscheibe:problem:not-found' } });
    });

    it('refuses a body that is not JSON as the canonical API does', async () => {
      const broken = await post('demo-mila', '{"ereignis": ', headers());
      expect(broken).toMatchObject({ status: 400, body: { type: 'urn:drehscheibe:problem:malformed-request' } });
    });
  });

  it('checks an HMAC of the exact body', async () => {
    const { secret } = (await activate('demo-mila', landesticket, {
      kind: 'hmac',
      header: 'X-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'sha256=',
    })) as {
      secret: string;
    };
    const body = JSON.stringify(created(newNumber()));
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    expect((await post('demo-mila', body, { 'x-signature': signature })).status).toBe(201);
    expect((await post('demo-mila', body.replace('BundID', 'ELSTER'), { 'x-signature': signature })).status).toBe(401);
  });
});

describe('native out', () => {
  beforeAll(async () => {
    await activate('demo-bela', landesticket);
  });

  it('sends a forwarded ticket as the system’s create, keeps its number from the answer, and fills it into later paths', async () => {
    const externalId = newNumber();
    const create = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: {
        externalId,
        type: 'incident',
        subject: 'Bescheid fehlt',
        description: 'Kein PDF',
        serviceId: 'svc-demo-wohngeld',
        impact: 1,
        urgency: 3,
        channel: 'email',
      },
    });
    const ticketId = create.data.id;
    await eventually('the acknowledgement from Landesticket’s answer', async () => (await ticket(ticketId)).status === 'acknowledged');
    const created = calls.find((c) => c.body.referenz === ticketId)!;
    expect(created).toMatchObject({
      method: 'POST',
      path: '/api/tickets',
      headers: { 'x-landesticket-mandant': 'drehscheibe', 'content-type': 'application/json' },
      body: { titel: 'Bescheid fehlt', beschreibung: 'Kein PDF', dienst: 'svc-demo-wohngeld', auswirkung: 'hoch', dringlichkeit: 'niedrig' },
    });
    expect(created.headers['webhook-signature']).toBeDefined();
    const number = (await ticket(ticketId)).assignee.externalId!;
    expect(number).toMatch(/^LT-B-\d+$/);
    expect(await eventsOf(ticketId)).toEqual(['ticket.forwarded', 'ticket.acknowledged']);

    await hub.api.call('POST', '/v1/tickets/{ticketId}/comments', { as: 'demo-mila', params: { ticketId }, body: { text: 'Noch eine Frage.' } });
    await eventually('the comment in Landesticket', () => Promise.resolve(calls.some((c) => c.path === `/api/tickets/${number}/kommentare`)));
    expect(calls.filter((c) => c.path === `/api/tickets/${number}/kommentare`)).toEqual([
      expect.objectContaining({ method: 'POST', body: { text: 'Noch eine Frage.' } }),
    ]);

    const deliveries = await hub.api.call('GET', '/v1/deliveries', { as: 'hub-admin', query: { ticketId, receiverId: 'demo-bela' } });
    const first = deliveries.data.items.find((d) => d.ticketVersion === 1)!;
    const detail = await hub.api.call('GET', '/v1/deliveries/{deliveryId}', { as: 'hub-admin', params: { deliveryId: first.id } });
    expect(detail.data).toMatchObject({ status: 'delivered', message: { request: { name: 'anlegen', method: 'POST', path: '/api/tickets' } } });
    expect(detail.data.message?.profileId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(detail.data.message!.payload)).toMatchObject({ titel: 'Bescheid fehlt', referenz: ticketId });
  });

  it('does not deliver what the profile has no request for, and dead-letters at once what it cannot render', async () => {
    const strict = structuredClone(landesticket);
    // This Landesticket has no status for a cancelled ticket: a cancellation cannot be rendered.
    delete strict.valueMaps!.status!.toNative;
    await activate('demo-bela', strict);
    const create = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: newNumber(), type: 'incident', subject: 'Frage', serviceId: 'svc-demo-wohngeld', impact: 2, urgency: 2, channel: 'email' },
    });
    const ticketId = create.data.id;
    await eventually('acknowledged', async () => (await ticket(ticketId)).status === 'acknowledged');
    expect((await hub.api.command('demo-bela', 'status', ticketId, { status: 'in_progress' })).status).toBe(200);
    expect(
      (
        await hub.api.call('PUT', '/v1/tickets/{ticketId}/state', {
          as: 'demo-bela',
          params: { ticketId },
          body: { status: 'waiting', text: 'Welcher Browser?' },
        })
      ).status,
    ).toBe(200);
    // demo-bela made these changes itself and acknowledged through its answer: nothing goes back to it.
    const toBela = await hub.api.call('GET', '/v1/deliveries', { as: 'hub-admin', query: { ticketId, receiverId: 'demo-bela' } });
    expect(toBela.data.items.map((d) => d.ticketVersion)).toEqual([1]);
    // The MiLa withdraws the ticket: Landesticket (this version) cannot name "cancelled".
    expect((await hub.api.command('demo-mila', 'cancel', ticketId, { reason: 'Hat sich erledigt.' })).status).toBe(200);
    await eventually('a dead letter with the mapping error', async () => {
      const items = (await hub.api.call('GET', '/v1/deliveries', { as: 'hub-admin', query: { ticketId, receiverId: 'demo-bela', status: 'dead' } })).data.items;
      return items.length > 0;
    });
    const dead = (await hub.api.call('GET', '/v1/deliveries', { as: 'hub-admin', query: { ticketId, receiverId: 'demo-bela', status: 'dead' } })).data.items;
    const detail = await hub.api.call('GET', '/v1/deliveries/{deliveryId}', { as: 'hub-admin', params: { deliveryId: dead[0].id } });
    expect(detail.data.message?.request).toEqual({
      error: { code: 'unmapped-code', pointer: '/valueMaps/status/toNative', message: expect.stringContaining('"cancelled"') as string },
    });
    expect(detail.data.history).toEqual([expect.objectContaining({ error: expect.stringContaining('mapping failed (unmapped-code') as string })]);
    // Activating another version changes nothing that was rendered: the dead letter keeps the version that made it.
    await activate('demo-bela', landesticket);
    const binding = await hub.api.call('GET', '/v1/participants/{participantId}/mapping', { as: 'hub-admin', params: { participantId: 'demo-bela' } });
    const after = await hub.api.call('GET', '/v1/deliveries/{deliveryId}', { as: 'hub-admin', params: { deliveryId: dead[0].id } });
    expect(after.data.message).toEqual(detail.data.message);
    expect(after.data.message?.profileId).not.toBe(binding.data.profileId);
  });
});
