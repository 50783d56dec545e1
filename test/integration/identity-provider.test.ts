import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startOpenIdProvider, type TestOpenIdProvider } from '../support/oidc-provider.js';
import { eventually } from '../support/stack.js';

/**
 * Issue 17, client authentication: an operator connects an external identity
 * provider (Keycloak in the Länder; here the certified `oidc-provider`,
 * really started, over HTTP) and maps its clients to participants; the hub
 * then takes that provider's access tokens as those participants.
 */
const AUDIENCE = 'https://drehscheibe.test.example';
const SCOPE = 'drehscheibe-tickets';

let hub: InProcessHub;
let op: TestOpenIdProvider;
beforeAll(async () => {
  op = await startOpenIdProvider({
    audience: AUDIENCE,
    scope: SCOPE,
    clients: [
      { clientId: 'mila-tickets', clientSecret: 'mila-op-secret' },
      { clientId: 'stranger', clientSecret: 'stranger-op-secret' },
    ],
  });
  // No cooldown: a token signed with a key the hub has not seen makes it fetch the key set again at once.
  hub = await startInProcessHub(undefined, { AUTH_PROVIDER_JWKS_COOLDOWN_MS: '0', AUTH_CLIENT_CACHE_MS: '0' });
  const registered = await hub.api.admin('POST', '/v1/identity-providers', {
    id: 'keycloak-test',
    issuer: op.issuer,
    jwksUrl: op.jwksUrl,
    audience: AUDIENCE,
    subjectClaim: 'client_id',
    scopeMap: { [SCOPE]: 'tickets' },
  });
  expect(registered.status).toBe(201);
  const mapped = await hub.api.admin(
    'POST',
    '/v1/participants/{participantId}/clients',
    { scopes: ['tickets'], authMethod: 'identity_provider', externalIdentity: { providerId: 'keycloak-test', subject: 'mila-tickets' } },
    { participantId: 'demo-mila' },
  );
  expect(mapped.status).toBe(201);
  expect(mapped.body).toEqual({ clientId: expect.stringMatching(/^demo-mila-/) as string, scopes: ['tickets'], authMethod: 'identity_provider' });
});
afterAll(async () => {
  await hub?.close();
  await op?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ticket = (externalId: string) => ({
  externalId,
  type: 'question' as const,
  subject: 'Über Keycloak angemeldet',
  serviceId: 'svc-demo-wohngeld',
  impact: 3 as const,
  urgency: 3 as const,
  channel: 'email' as const,
});

describe('an access token of a registered identity provider', () => {
  it('acts as the participant its client is mapped to', async () => {
    const token = await op.token('mila-tickets', 'mila-op-secret');
    expect(decodeJwt(token)).toMatchObject({ iss: op.issuer, aud: AUDIENCE, client_id: 'mila-tickets', scope: SCOPE });

    const created = await hub.api.call('POST', '/v1/tickets', { headers: bearer(token), body: ticket('KC-1') });
    expect(created.status).toBe(201);
    expect(await hub.db.query('SELECT origin_id FROM tickets WHERE origin_external_id = $1', ['KC-1'])).toEqual([{ origin_id: 'demo-mila' }]);
    expect((await hub.api.call('GET', '/v1/tickets', { headers: bearer(token) })).status).toBe(200);
  });

  it('gets only the hub scopes its scope claim maps to: without the mapped scope, no ticket access (403), nothing created', async () => {
    const token = await op.token('mila-tickets', 'mila-op-secret', '');
    expect(decodeJwt(token).scope).toBeUndefined();
    const r = await hub.api.call('POST', '/v1/tickets', { headers: bearer(token), body: ticket('KC-NOSCOPE') });
    expect(r.status).toBe(403);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:forbidden');
    expect(await hub.db.query('SELECT 1 FROM tickets WHERE origin_external_id = $1', ['KC-NOSCOPE'])).toEqual([]);
  });

  it('for a client no participant is mapped to is refused (401 invalid_token), nothing created', async () => {
    const token = await op.token('stranger', 'stranger-op-secret');
    const r = await hub.api.call('POST', '/v1/tickets', { headers: bearer(token), body: ticket('KC-STRANGER') });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(r.problem.type).toBe('urn:drehscheibe:problem:unauthorized');
    expect(r.problem.detail).toMatch(/no client of the hub is mapped/);
    expect(await hub.db.query('SELECT 1 FROM tickets WHERE origin_external_id = $1', ['KC-STRANGER'])).toEqual([]);
  });

  it('is accepted after the provider rotates its signing key: the hub fetches the new key set', async () => {
    const before = await op.token('mila-tickets', 'mila-op-secret');
    expect((await hub.api.call('GET', '/v1/tickets', { headers: bearer(before) })).status).toBe(200);
    const fetched = op.jwksRequests;

    await op.rotateKey();
    const after = await op.token('mila-tickets', 'mila-op-secret');
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect((await hub.api.call('GET', '/v1/tickets', { headers: bearer(after) })).status).toBe(200);
    expect(op.jwksRequests).toBeGreaterThan(fetched);
    // The old key is still published: tokens signed with it keep working until they expire.
    expect((await hub.api.call('GET', '/v1/tickets', { headers: bearer(before) })).status).toBe(200);
  });

  it('stops working when its client at the hub is disabled, and when the provider is removed', async () => {
    const participantId = 'demo-mila';
    const clients = await hub.api.admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId });
    const mapped = clients.data.items.find((c) => c.authMethod === 'identity_provider')!;
    expect(mapped.externalIdentity).toEqual({ providerId: 'keycloak-test', subject: 'mila-tickets' });
    const token = await op.token('mila-tickets', 'mila-op-secret');

    await hub.api.admin('PATCH', '/v1/participants/{participantId}/clients/{clientId}', { enabled: false }, { participantId, clientId: mapped.clientId });
    const disabled = await eventually('the token to be refused', async () => {
      const r = await hub.api.call('GET', '/v1/tickets', { headers: bearer(token) });
      return r.status === 401 && r;
    });
    expect(disabled.problem.detail).toMatch(/disabled/);
    await hub.api.admin('PATCH', '/v1/participants/{participantId}/clients/{clientId}', { enabled: true }, { participantId, clientId: mapped.clientId });
    await eventually('the token to work again', async () => (await hub.api.call('GET', '/v1/tickets', { headers: bearer(token) })).status === 200);

    expect((await hub.api.admin('DELETE', '/v1/identity-providers/{providerId}', undefined, { providerId: 'keycloak-test' })).status).toBe(204);
    await eventually('the token to be refused', async () => (await hub.api.call('GET', '/v1/tickets', { headers: bearer(token) })).status === 401);
    // Its mapped clients went with it.
    const after = await hub.api.admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId });
    expect(after.data.items.some((c) => c.clientId === mapped.clientId)).toBe(false);
  });
});

describe('registering identity providers', () => {
  it('refuses an issuer twice, the hub’s own issuer, and clients for an unknown provider, changing nothing', async () => {
    const twice = await hub.api.admin('POST', '/v1/identity-providers', {
      id: 'again',
      issuer: 'https://idp.example/a',
      jwksUrl: 'https://idp.example/a/jwks',
      audience: 'x',
    });
    expect(twice.status).toBe(201);
    const duplicate = await hub.api.admin('POST', '/v1/identity-providers', {
      id: 'again-2',
      issuer: 'https://idp.example/a',
      jwksUrl: 'https://idp.example/a/jwks',
      audience: 'x',
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.problem.type).toBe('urn:drehscheibe:problem:already-exists');
    const own = await hub.api.admin('POST', '/v1/identity-providers', {
      id: 'own',
      issuer: 'drehscheibe',
      jwksUrl: 'https://idp.example/b/jwks',
      audience: 'x',
    });
    expect(own.status).toBe(409);
    const unknown = await hub.api.admin(
      'POST',
      '/v1/participants/{participantId}/clients',
      { authMethod: 'identity_provider', externalIdentity: { providerId: 'nobody', subject: 'x' } },
      { participantId: 'demo-bela' },
    );
    expect(unknown.status).toBe(422);
    expect(unknown.problem.type).toBe('urn:drehscheibe:problem:unknown-identity-provider');
    const list = await hub.api.admin('GET', '/v1/identity-providers');
    expect(list.data.items.map((p) => p.id)).toEqual(['again']);
    expect(
      (await hub.api.admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId: 'demo-bela' })).data.items.every(
        (c) => c.authMethod === 'client_secret',
      ),
    ).toBe(true);
  });
});
