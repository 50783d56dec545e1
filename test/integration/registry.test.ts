import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import type { components } from '@drehscheibe/client';
import type { ApiClient } from '../support/api-client.js';

let hub: InProcessHub;
beforeAll(async () => {
  // As in production: loopback and private delivery endpoints are refused.
  hub = await startInProcessHub(undefined, { ALLOW_PRIVATE_ENDPOINTS: 'false' });
});
afterAll(() => hub?.close());

const admin: ApiClient['admin'] = (method, path, body, params) => hub.api.admin(method, path, body, params);

let seq = 0;
const participant = (overrides: Partial<components['schemas']['ParticipantCreate']> = {}) => ({
  id: `de-hb-test-${Date.now().toString(36)}-${++seq}`,
  name: 'Testland Bremen',
  kind: 'land_ticket_system' as const,
  level: 'state' as const,
  land: 'DE-HB' as const,
  ...overrides,
});

async function clientFor(id: string) {
  const r = await admin('POST', '/v1/participants/{participantId}/clients', {}, { participantId: id });
  expect(r.status).toBe(201);
  hub.api.addCredentials(id, r.data);
  return r.data;
}

describe('participants', () => {
  it('registers, reads, changes and lists participants', async () => {
    const input = participant({ deliveryUrl: 'https://93.184.215.14/hook', contact: { name: 'Servicedesk', email: 'sd@example.org' } });
    const created = await admin('POST', '/v1/participants', input);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...input, status: 'active' });
    const changed = await admin('PATCH', '/v1/participants/{participantId}', { name: 'Neu', deliveryUrl: null }, { participantId: input.id });
    expect(changed.data.name).toBe('Neu');
    expect(changed.data.deliveryUrl).toBeUndefined();
    const list = await admin('GET', '/v1/participants');
    expect(list.data.items.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['demo-mila', 'demo-bela', input.id]));
  });

  it('refuses private and loopback delivery endpoints (SSRF)', async () => {
    for (const deliveryUrl of ['http://127.0.0.1:8080/hook', 'http://169.254.169.254/latest', 'http://10.0.0.8/hook']) {
      const r = await admin('POST', '/v1/participants', participant({ deliveryUrl }));
      expect(r.status).toBe(422);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:endpoint-not-allowed');
    }
  });

  it('refuses a second participant with the same id', async () => {
    const input = participant();
    await admin('POST', '/v1/participants', input);
    const again = await admin('POST', '/v1/participants', input);
    expect(again.status).toBe(409);
    expect(again.problem.type).toBe('urn:drehscheibe:problem:already-exists');
  });

  it('issues client credentials that work once, shown once', async () => {
    const input = participant();
    await admin('POST', '/v1/participants', input);
    const creds = await clientFor(input.id);
    expect(creds.scopes).toEqual(['tickets']);
    const codelists = await hub.api.call('GET', '/v1/codelists', { as: input.id });
    expect(codelists.status).toBe(200);
    const [row] = await hub.db.query<{ secret_hash: string }>('SELECT secret_hash FROM oauth_clients WHERE client_id = $1', [creds.clientId]);
    expect(row.secret_hash).not.toContain(creds.clientSecret);
  });

  it('deletes a participant that was never involved, refuses one with tickets, which can be suspended', async () => {
    const unused = participant();
    await admin('POST', '/v1/participants', unused);
    expect((await admin('DELETE', '/v1/participants/{participantId}', undefined, { participantId: unused.id })).status).toBe(204);
    expect((await admin('GET', '/v1/participants/{participantId}', undefined, { participantId: unused.id })).status).toBe(404);

    await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: `REG-${Date.now()}`, type: 'question', subject: 'x', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
    });
    const inUse = await admin('DELETE', '/v1/participants/{participantId}', undefined, { participantId: 'demo-bela' });
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ type: 'urn:drehscheibe:problem:participant-in-use', references: { services: 1 } });
    // `references` is an extension member that the contract's Problem schema does not name.
    expect((inUse.problem as typeof inUse.problem & { references: { tickets: number } }).references.tickets).toBeGreaterThan(0);
  });

  it('deletes a participant that only subscribed to notices, refuses one that received a notice', async () => {
    const subscriber = participant();
    await admin('POST', '/v1/participants', subscriber);
    await clientFor(subscriber.id);
    const subscribe = () => hub.api.call('PUT', '/v1/services/{serviceId}/subscription', { as: subscriber.id, params: { serviceId: 'svc-demo-wohngeld' } });
    expect((await subscribe()).status).toBe(204);
    expect((await admin('DELETE', '/v1/participants/{participantId}', undefined, { participantId: subscriber.id })).status).toBe(204);

    const recipient = participant();
    await admin('POST', '/v1/participants', recipient);
    await clientFor(recipient.id);
    await hub.api.call('PUT', '/v1/services/{serviceId}/subscription', { as: recipient.id, params: { serviceId: 'svc-demo-wohngeld' } });
    const notice = await hub.api.call('POST', '/v1/services/{serviceId}/notices', {
      as: 'demo-bela',
      params: { serviceId: 'svc-demo-wohngeld' },
      body: { kind: 'information', startsAt: new Date().toISOString(), text: 'Hinweis' },
    });
    expect(notice.status).toBe(201);
    const inUse = await admin('DELETE', '/v1/participants/{participantId}', undefined, { participantId: recipient.id });
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ type: 'urn:drehscheibe:problem:participant-in-use', references: { notices: 1 } });
  });

  it('issues admin clients through the API, to admin callers only (issue 14, item 11)', async () => {
    const operator = participant({ name: 'Betriebsteam' });
    await admin('POST', '/v1/participants', operator);
    const issued = await admin('POST', '/v1/participants/{participantId}/clients', { scopes: ['admin', 'tickets'] }, { participantId: operator.id });
    expect(issued.status).toBe(201);
    expect(issued.data.scopes).toEqual(['admin', 'tickets']);
    hub.api.addCredentials('new-admin', issued.data);
    // The new client administers the hub: it reads the registry and issues clients itself.
    expect((await hub.api.call('GET', '/v1/participants', { as: 'new-admin' })).status).toBe(200);
    const listed = await admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId: operator.id });
    expect(listed.data.items.map((c) => c.scopes)).toEqual([['admin', 'tickets']]);

    // A participant's tickets client cannot grant admin, to itself or anyone, and nothing is written.
    const countClients = async () => (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM oauth_clients'))[0].n;
    const before = await countClients();
    for (const participantId of ['demo-mila', operator.id]) {
      const refused = await hub.api.call('POST', '/v1/participants/{participantId}/clients', {
        as: 'demo-mila',
        params: { participantId },
        body: { scopes: ['admin'] },
      });
      expect(refused.status).toBe(403);
      expect(refused.problem.type).toBe('urn:drehscheibe:problem:forbidden');
    }
    expect(await countClients()).toBe(before);
  });

  it('keeps participant administration to the admin scope', async () => {
    const r = await hub.api.call('GET', '/v1/participants', { as: 'demo-mila' });
    expect(r.status).toBe(403);
    const w = await hub.api.call('POST', '/v1/participants', { as: 'demo-mila', body: participant() });
    expect(w.status).toBe(403);
  });
});

describe('services and routing', () => {
  const ticket = (as: string, overrides: Partial<components['schemas']['TicketCreate']> = {}) =>
    hub.api.call('POST', '/v1/tickets', {
      as,
      body: { externalId: `RT-${Date.now()}-${++seq}`, type: 'incident', subject: 'Routing', impact: 2, urgency: 2, channel: 'email', ...overrides },
    });

  it('routes by service operator, then by rules in position order, and explains unroutable tickets', async () => {
    const bremen = participant({ land: 'DE-HB' });
    const hamburgDesk = participant({ land: 'DE-HH', name: 'Hamburg Desk' });
    const vendor = participant({ kind: 'vendor', level: 'federal', land: undefined, name: 'Vendor' });
    for (const p of [bremen, hamburgDesk, vendor]) {
      await admin('POST', '/v1/participants', p);
      await clientFor(p.id);
    }
    const serviceId = `svc-route-${seq}`;
    const svc = await admin('POST', '/v1/services', { id: serviceId, name: 'Routing-Test', operatorId: 'demo-bela' });
    expect(svc.status).toBe(201);
    // Everyone may read the catalogue.
    expect((await hub.api.call('GET', '/v1/services/{serviceId}', { as: bremen.id, params: { serviceId } })).data.operatorId).toBe('demo-bela');

    expect((await ticket(bremen.id, { serviceId })).data.assignee.participantId).toBe('demo-bela');

    const byCategory = await admin('POST', '/v1/routing-rules', { position: 20, serviceId, category: 'payment', targetId: vendor.id });
    const byLand = await admin('POST', '/v1/routing-rules', { position: 10, serviceId, originLand: 'DE-HB', targetId: hamburgDesk.id });
    expect(byCategory.status).toBe(201);
    expect((await ticket(bremen.id, { serviceId, category: 'payment.failed' })).data.assignee.participantId).toBe(hamburgDesk.id);
    expect((await ticket('demo-mila', { serviceId, category: 'payment.failed' })).data.assignee.participantId).toBe(vendor.id);
    expect((await ticket('demo-mila', { serviceId, category: 'form' })).data.assignee.participantId).toBe('demo-bela');

    const rules = await admin('GET', '/v1/routing-rules');
    expect(rules.data.items.filter((r: { serviceId?: string }) => r.serviceId === serviceId).map((r: { id: string }) => r.id)).toEqual([
      byLand.data.id,
      byCategory.data.id,
    ]);

    await admin('PATCH', '/v1/participants/{participantId}', { status: 'suspended' }, { participantId: hamburgDesk.id });
    const refused = await ticket(bremen.id, { serviceId });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ type: 'urn:drehscheibe:problem:unroutable', reason: 'rule-target-inactive', ruleId: byLand.data.id });

    await admin('PATCH', '/v1/routing-rules/{ruleId}', { enabled: false }, { ruleId: byLand.data.id });
    expect((await ticket(bremen.id, { serviceId })).data.assignee.participantId).toBe('demo-bela');
  });

  it('routes every ticket of a service by a rule that names only the service (issue 14, item 11)', async () => {
    const desk = participant({ land: 'DE-HH', name: 'Service Desk' });
    await admin('POST', '/v1/participants', desk);
    const serviceId = `svc-only-${++seq}`;
    await admin('POST', '/v1/services', { id: serviceId, name: 'Nur Dienst', operatorId: 'demo-bela' });
    const rule = await admin('POST', '/v1/routing-rules', { position: 500 + seq, serviceId, targetId: desk.id });
    expect(rule.status).toBe(201);
    expect(rule.data).toMatchObject({ serviceId, targetId: desk.id, enabled: true });
    expect(rule.data.originLand).toBeUndefined();
    expect(rule.data.category).toBeUndefined();

    expect((await ticket('demo-mila', { serviceId })).data.assignee.participantId).toBe(desk.id);
    expect((await ticket('demo-mila', { serviceId, category: 'payment' })).data.assignee.participantId).toBe(desk.id);
    // Other services keep their operator.
    expect((await ticket('demo-mila', { serviceId: 'svc-demo-wohngeld' })).data.assignee.participantId).toBe('demo-bela');
    // Clearing the service too would leave no condition.
    const empty = await admin('PATCH', '/v1/routing-rules/{ruleId}', { serviceId: null }, { ruleId: rule.data.id });
    expect(empty.status).toBe(422);
    expect(empty.problem.type).toBe('urn:drehscheibe:problem:invalid-rule');
    expect((await admin('GET', '/v1/routing-rules/{ruleId}', undefined, { ruleId: rule.data.id })).data.serviceId).toBe(serviceId);
  });

  it('refuses incomplete or dangling rules and services', async () => {
    const noCondition = await admin('POST', '/v1/routing-rules', { position: 900, targetId: 'demo-bela' });
    expect(noCondition.status).toBe(422);
    expect(noCondition.problem.type).toBe('urn:drehscheibe:problem:invalid-rule');
    const ghost = await admin('POST', '/v1/routing-rules', { position: 901, category: 'payment', targetId: 'de-xx-ghost' });
    expect(ghost.problem.type).toBe('urn:drehscheibe:problem:unknown-participant');
    const code = await admin('POST', '/v1/routing-rules', { position: 902, category: 'payment.teleport', targetId: 'demo-bela' });
    expect(code.problem.type).toBe('urn:drehscheibe:problem:unknown-code');
    const svc = await admin('POST', '/v1/services', { id: 'svc-orphan', name: 'x', operatorId: 'de-xx-ghost' });
    expect(svc.status).toBe(422);
    const [{ n }] = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM routing_rules WHERE position >= 900');
    expect(n).toBe(0);
  });

  it('deletes a service only while nothing refers to it', async () => {
    const inUse = await admin('DELETE', '/v1/services/{serviceId}', undefined, { serviceId: 'svc-demo-wohngeld' });
    expect(inUse.status).toBe(409);
    await admin('POST', '/v1/services', { id: 'svc-temporary', name: 'Temp', operatorId: 'demo-bela' });
    // Subscribers do not keep a service alive; a published notice does (it is history).
    await hub.api.call('PUT', '/v1/services/{serviceId}/subscription', { as: 'demo-mila', params: { serviceId: 'svc-temporary' } });
    expect((await admin('DELETE', '/v1/services/{serviceId}', undefined, { serviceId: 'svc-temporary' })).status).toBe(204);
    await admin('POST', '/v1/services', { id: 'svc-announced', name: 'Mit Hinweis', operatorId: 'demo-bela' });
    const notice = await hub.api.call('POST', '/v1/services/{serviceId}/notices', {
      as: 'demo-bela',
      params: { serviceId: 'svc-announced' },
      body: { kind: 'information', startsAt: new Date().toISOString(), text: 'Hinweis' },
    });
    expect(notice.status).toBe(201);
    const announced = await admin('DELETE', '/v1/services/{serviceId}', undefined, { serviceId: 'svc-announced' });
    expect(announced.status).toBe(409);
    expect(announced.body).toMatchObject({ type: 'urn:drehscheibe:problem:service-in-use', references: { notices: 1 } });
  });

  it('stops a suspended participant from authenticating', async () => {
    const p = participant();
    await admin('POST', '/v1/participants', p);
    const creds = await clientFor(p.id);
    await admin('PATCH', '/v1/participants/{participantId}', { status: 'suspended' }, { participantId: p.id });
    const r = await hub.api.call('POST', '/v1/oauth/token', {
      rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret! }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(401);
  });
});
