import { hashClientSecret } from '@drehscheibe/security';
import type { ApiClient, ApiResponse, Operation } from '../support/api-client.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { eventually } from '../support/stack.js';

/**
 * Issue 12, items 2 and 3: a participant's clients can be listed, disabled,
 * deleted and rotated, and every such change — and a suspension — reaches
 * tokens already issued within seconds (each replica caches a client's state
 * for AUTH_CLIENT_CACHE_MS, 2 s by default).
 */
let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
});
afterAll(() => hub?.close());

const admin: ApiClient['admin'] = (method, path, body, params) => hub.api.admin(method, path, body, params);

let seq = 0;
async function participantWithClient(): Promise<{ participantId: string; clientId: string; clientSecret: string }> {
  const participantId = `de-hb-life-${Date.now().toString(36)}-${++seq}`;
  expect((await admin('POST', '/v1/participants', { id: participantId, name: 'Lebenszyklus', kind: 'land_ticket_system', land: 'DE-HB' })).status).toBe(201);
  const client = await admin('POST', '/v1/participants/{participantId}/clients', {}, { participantId });
  expect(client.status).toBe(201);
  return { participantId, clientId: client.data.clientId, clientSecret: client.data.clientSecret! };
}

const tokenRequest = (clientId: string, clientSecret: string) =>
  hub.api.call('POST', '/v1/oauth/token', {
    rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

async function tokenOf(clientId: string, clientSecret: string): Promise<string> {
  const r = await tokenRequest(clientId, clientSecret);
  expect(r.status).toBe(200);
  return r.data.access_token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const readTickets = (token: string) => hub.api.call('GET', '/v1/tickets', { headers: bearer(token) });

/** Waits until the token is refused, and returns that answer. */
const refusedSoon = (token: string, what: string) =>
  eventually(`the token to be refused after ${what}`, async () => {
    const r = await readTickets(token);
    return r.status === 401 && r;
  });

function expectRevoked(r: ApiResponse<Operation<'GET', '/v1/tickets'>>, reason: RegExp): void {
  expect(r.status).toBe(401);
  expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(r.problem.type).toBe('urn:drehscheibe:problem:unauthorized');
  expect(r.problem.detail).toMatch(reason);
}

describe('tokens issued before a revocation (item 2)', () => {
  it('stop reading and creating tickets within seconds of a suspension; the token endpoint refuses the client', async () => {
    const { participantId, clientId, clientSecret } = await participantWithClient();
    const token = await tokenOf(clientId, clientSecret);
    expect((await readTickets(token)).status).toBe(200);

    expect((await admin('PATCH', '/v1/participants/{participantId}', { status: 'suspended' }, { participantId })).status).toBe(200);
    expectRevoked(await refusedSoon(token, 'the suspension'), /participant .* suspended/);
    const externalId = `LIFE-${seq}`;
    const create = await hub.api.call('POST', '/v1/tickets', {
      headers: bearer(token),
      body: { externalId, type: 'question', subject: 'nach Sperre', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
    });
    expect(create.status).toBe(401);
    expect(await hub.db.query('SELECT 1 FROM tickets WHERE origin_id = $1', [participantId])).toEqual([]);

    const again = await tokenRequest(clientId, clientSecret);
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ error: 'invalid_client', detail: 'the participant of this client is suspended' });
  });

  it('stop within seconds of the client being deleted', async () => {
    const { participantId, clientId, clientSecret } = await participantWithClient();
    const token = await tokenOf(clientId, clientSecret);
    expect((await readTickets(token)).status).toBe(200);

    expect((await admin('DELETE', '/v1/participants/{participantId}/clients/{clientId}', undefined, { participantId, clientId })).status).toBe(204);
    expectRevoked(await refusedSoon(token, 'the deletion'), /deleted/);
    expect((await tokenRequest(clientId, clientSecret)).status).toBe(401);
    expect((await admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId })).data.items).toEqual([]);
    expect((await admin('DELETE', '/v1/participants/{participantId}/clients/{clientId}', undefined, { participantId, clientId })).status).toBe(404);
  });

  it('stop within seconds of the client being disabled, and work again once it is enabled', async () => {
    const { participantId, clientId, clientSecret } = await participantWithClient();
    const token = await tokenOf(clientId, clientSecret);
    const disabled = await admin('PATCH', '/v1/participants/{participantId}/clients/{clientId}', { enabled: false }, { participantId, clientId });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ clientId, participantId, enabled: false });
    expectRevoked(await refusedSoon(token, 'disabling the client'), /disabled/);
    const refused = await tokenRequest(clientId, clientSecret);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client', detail: 'this client is disabled' });

    expect((await admin('PATCH', '/v1/participants/{participantId}/clients/{clientId}', { enabled: true }, { participantId, clientId })).data.enabled).toBe(
      true,
    );
    await eventually('the token to work again', async () => (await readTickets(token)).status === 200);
    expect((await tokenRequest(clientId, clientSecret)).status).toBe(200);
  });

  it('stop within seconds of a rotation without overlap; the old secret is refused, the new one works', async () => {
    const { participantId, clientId, clientSecret } = await participantWithClient();
    const token = await tokenOf(clientId, clientSecret);
    const rotated = await admin('POST', '/v1/participants/{participantId}/clients/{clientId}/secret', { overlapSeconds: 0 }, { participantId, clientId });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expect(rotated.body).toEqual({ clientId, clientSecret: expect.any(String) as string, scopes: ['tickets'], secretGeneration: 2 });
    expect(rotated.data.clientSecret).not.toBe(clientSecret);

    expectRevoked(await refusedSoon(token, 'the rotation'), /rotated/);
    expect((await tokenRequest(clientId, clientSecret)).status).toBe(401);
    const fresh = await tokenOf(clientId, rotated.data.clientSecret);
    expect((await readTickets(fresh)).status).toBe(200);
  });
});

describe('client administration (item 3)', () => {
  it('lists a participant’s clients without secrets or hashes', async () => {
    const { participantId, clientId, clientSecret } = await participantWithClient();
    const second = await admin('POST', '/v1/participants/{participantId}/clients', {}, { participantId });
    const list = await admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId });
    expect(list.status).toBe(200);
    expect(list.data.items.map((c) => c.clientId)).toEqual([clientId, second.data.clientId]);
    expect(list.data.items[0]).toEqual({
      clientId,
      participantId,
      scopes: ['tickets'],
      enabled: true,
      secretGeneration: 1,
      createdAt: expect.any(String) as string,
      authMethod: 'client_secret',
    });
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain(second.data.clientSecret);
    expect(text).not.toContain('scrypt');
    // Issuing the second client left the first one working.
    expect((await tokenRequest(clientId, clientSecret)).status).toBe(200);
  });

  it('rotates with an overlap that ends by itself: the old secret and its tokens work until then, not after', async () => {
    const { participantId, clientId, clientSecret } = await participantWithClient();
    const oldToken = await tokenOf(clientId, clientSecret);
    const overlapSeconds = 8;
    const rotated = await admin('POST', '/v1/participants/{participantId}/clients/{clientId}/secret', { overlapSeconds }, { participantId, clientId });
    expect(rotated.status).toBe(200);
    const endsAt = Date.parse(rotated.data.previousSecretExpiresAt!);
    expect(endsAt).toBeGreaterThan(Date.now());
    expect(endsAt).toBeLessThanOrEqual(Date.now() + overlapSeconds * 1000 + 1000);

    // During the overlap: both secrets get tokens, the old token still works, and the listing says until when.
    const duringOverlap = await tokenRequest(clientId, clientSecret);
    expect(duringOverlap.status).toBe(200);
    expect(duringOverlap.data.expires_in).toBeLessThanOrEqual(overlapSeconds);
    expect((await readTickets(oldToken)).status).toBe(200);
    const listed = await admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId });
    expect(listed.data.items[0]).toMatchObject({ secretGeneration: 2, previousSecretExpiresAt: rotated.data.previousSecretExpiresAt });
    expect(listed.data.items[0].secretRotatedAt).toEqual(expect.any(String));
    const newToken = await tokenOf(clientId, rotated.data.clientSecret);

    // After it: no job ran, yet the old secret and both of its tokens are refused; the new secret's token works.
    expectRevoked(await refusedSoon(oldToken, 'the overlap ended'), /rotated/);
    // The token obtained with the old secret during the overlap was issued to expire with it.
    expectRevoked(await readTickets(duringOverlap.data.access_token), /rotated|expired/);
    expect(Date.now()).toBeGreaterThanOrEqual(endsAt);
    expect((await tokenRequest(clientId, clientSecret)).status).toBe(401);
    expect((await readTickets(newToken)).status).toBe(200);
    const after = await admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId });
    expect(after.data.items[0].previousSecretExpiresAt).toBeUndefined();
  });

  it('keeps one previous secret: a second rotation during an overlap ends the oldest at once', async () => {
    const { participantId, clientId, clientSecret: first } = await participantWithClient();
    const rotate = () => admin('POST', '/v1/participants/{participantId}/clients/{clientId}/secret', { overlapSeconds: 3600 }, { participantId, clientId });
    const second = (await rotate()).data.clientSecret;
    expect((await tokenRequest(clientId, first)).status).toBe(200);
    const third = await rotate();
    expect(third.data.secretGeneration).toBe(3);
    expect((await tokenRequest(clientId, first)).status).toBe(401);
    expect((await tokenRequest(clientId, second)).status).toBe(200);
    expect((await tokenRequest(clientId, third.data.clientSecret)).status).toBe(200);
  });

  it('rotates with the default overlap of an hour when no body is sent', async () => {
    const { participantId, clientId } = await participantWithClient();
    const r = await hub.api.call('POST', '/v1/participants/{participantId}/clients/{clientId}/secret', {
      as: 'hub-admin',
      params: { participantId, clientId },
    });
    expect(r.status).toBe(200);
    const overlap = Date.parse(r.data.previousSecretExpiresAt!) - Date.now();
    expect(overlap).toBeGreaterThan(3590_000);
    expect(overlap).toBeLessThanOrEqual(3600_000);
  });

  it('refuses an overlap beyond seven days, unknown clients, another participant’s client and non-admin callers, changing nothing', async () => {
    const { participantId, clientId, clientSecret } = await participantWithClient();
    const tooLong = await admin('POST', '/v1/participants/{participantId}/clients/{clientId}/secret', { overlapSeconds: 604801 }, { participantId, clientId });
    expect(tooLong.status).toBe(400);
    const foreign = { participantId: 'demo-mila', clientId };
    expect((await admin('PATCH', '/v1/participants/{participantId}/clients/{clientId}', { enabled: false }, foreign)).status).toBe(404);
    expect((await admin('POST', '/v1/participants/{participantId}/clients/{clientId}/secret', { overlapSeconds: 0 }, foreign)).status).toBe(404);
    expect((await admin('DELETE', '/v1/participants/{participantId}/clients/{clientId}', undefined, foreign)).status).toBe(404);
    expect((await admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId: 'de-xx-nobody' })).status).toBe(404);
    const asParticipant = await hub.api.call('GET', '/v1/participants/{participantId}/clients', {
      as: 'demo-mila',
      params: { participantId: 'demo-mila' },
    });
    expect(asParticipant.status).toBe(403);
    const [row] = await hub.db.query<{ enabled: boolean; secret_generation: number }>(
      'SELECT enabled, secret_generation FROM oauth_clients WHERE client_id = $1',
      [clientId],
    );
    expect(row).toEqual({ enabled: true, secret_generation: 1 });
    expect((await tokenRequest(clientId, clientSecret)).status).toBe(200);
  });
});

describe('the queue board (same class of defect)', () => {
  it('refuses a disabled operator client by Basic at once and its bearer token within seconds', async () => {
    const secret = 'ops-secret-' + Date.now();
    await hub.db.query(`INSERT INTO oauth_clients (client_id, participant_id, secret_hash, scopes) VALUES ('ops-2', NULL, $1, '{admin}')`, [
      await hashClientSecret(secret),
    ]);
    const token = await tokenOf('ops-2', secret);
    const board = (authorization: string) => fetch(`${hub.url}/admin/queues/api/queues`, { headers: { authorization } });
    const basic = `Basic ${Buffer.from(`ops-2:${secret}`).toString('base64')}`;
    expect((await board(basic)).status).toBe(200);
    expect((await board(`Bearer ${token}`)).status).toBe(200);

    await hub.db.query(`UPDATE oauth_clients SET enabled = false WHERE client_id = 'ops-2'`);
    expect((await board(basic)).status).toBe(401);
    await eventually('the board to refuse the disabled client’s token', async () => (await board(`Bearer ${token}`)).status === 401);
  });
});
