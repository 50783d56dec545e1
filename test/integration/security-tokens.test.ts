import { randomUUID } from 'node:crypto';
import { SigningKey } from '@drehscheibe/security';
import { SignJWT } from 'jose';
import { assertionForm, clientAssertion, clientKeyPair, type ClientKeyPair } from '../support/client-assertions.js';
import { ed25519SecretKey } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startOpenIdProvider, type TestOpenIdProvider } from '../support/oidc-provider.js';

/**
 * The token security suite (issue 17): every way a caller can present a
 * token or a client authentication the hub must refuse, in one place. Each
 * case asserts the exact status and problem code, and that nothing changed:
 * the ticket the request tried to create does not exist, no token was issued.
 *
 * The same refusals are tested where they were built, with more detail:
 * revocation within the cache period (client-lifecycle.test.ts), failed
 * authentication limits (auth-rate-limit.test.ts), key rotation of
 * private_key_jwt clients (private-key-jwt.test.ts), identity providers
 * against a real OpenID provider (identity-provider.test.ts).
 */
const TOKEN_KEY = ed25519SecretKey();
const PUBLIC_URL = 'https://hub.test.example';
const TOKEN_ENDPOINT = `${PUBLIC_URL}/v1/oauth/token`;
const ISSUER = 'drehscheibe';

let hub: InProcessHub;
let op: TestOpenIdProvider;
beforeAll(async () => {
  op = await startOpenIdProvider({
    audience: 'https://another-api.example',
    scope: 'drehscheibe-tickets',
    clients: [{ clientId: 'mila-kc', clientSecret: 's3cret' }],
  });
  hub = await startInProcessHub(undefined, {
    HUB_TOKEN_SIGNING_KEY: TOKEN_KEY,
    PUBLIC_URL,
    // Revocation reaches every request at once here (the cache period is tested in client-lifecycle.test.ts),
    AUTH_CLIENT_CACHE_MS: '0',
    // and the failed-authentication limits do not interfere (auth-rate-limit.test.ts).
    AUTH_FAILURES_PER_CLIENT: '10000',
    AUTH_FAILURES_PER_SOURCE: '10000',
  });
});
afterAll(async () => {
  await hub?.close();
  await op?.close();
});

let seq = 0;
const unique = (what: string) => `SEC-${what}-${Date.now().toString(36)}-${++seq}`;

/** A participant of its own with one client with a secret, and a token of that client. */
async function participantWithToken(): Promise<{ participantId: string; clientId: string; clientSecret: string; token: string }> {
  const participantId = `de-by-sec-${Date.now().toString(36)}-${++seq}`;
  expect((await hub.api.admin('POST', '/v1/participants', { id: participantId, name: 'Sicherheit', kind: 'land_ticket_system', land: 'DE-BY' })).status).toBe(
    201,
  );
  const client = await hub.api.admin('POST', '/v1/participants/{participantId}/clients', {}, { participantId });
  const { clientId, clientSecret } = client.data;
  const issued = await hub.api.call('POST', '/v1/oauth/token', {
    rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret! }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(issued.status).toBe(200);
  return { participantId, clientId, clientSecret: clientSecret!, token: issued.data.access_token };
}

/** A token shaped like the hub's own, signed with `key`, each claim bendable. */
async function hubLikeToken(key: SigningKey, claims: { aud?: string; iss?: string; exp?: number; scope?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: claims.scope ?? 'tickets', pid: 'demo-mila', sgen: 1 })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? ISSUER)
    .setSubject(hub.credentials['demo-mila'].clientId)
    .setIssuedAt(now - 60)
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(key.privateKey);
}

/**
 * Tries to create a ticket with `authorization`; asserts the refusal and
 * that no ticket was created.
 */
async function expectRefusedWrite(authorization: string | undefined, status: 401 | 403, code: string, detail?: RegExp) {
  const externalId = unique('W');
  const r = await hub.api.call('POST', '/v1/tickets', {
    headers: authorization ? { authorization } : {},
    body: { externalId, type: 'question', subject: 'darf nicht entstehen', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
  });
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.problem.type).toBe(`urn:drehscheibe:problem:${code}`);
  if (status === 401) expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  if (detail) expect(r.problem.detail).toMatch(detail);
  expect(await hub.db.query('SELECT 1 FROM tickets WHERE origin_external_id = $1', [externalId])).toEqual([]);
}

describe('bearer tokens the API refuses', () => {
  it('control: a token signed the hub’s way is accepted (so each refusal below is about what it changes)', async () => {
    const r = await hub.api.call('GET', '/v1/tickets', { headers: { authorization: `Bearer ${await hubLikeToken(await SigningKey.fromSecret(TOKEN_KEY))}` } });
    expect(r.status).toBe(200);
  });

  it('missing: 401 unauthorized with a Bearer challenge', async () => {
    await expectRefusedWrite(undefined, 401, 'unauthorized', /send an access token/);
    await expectRefusedWrite('Basic ZGVtby1taWxhOng=', 401, 'unauthorized');
  });

  it('expired: 401 invalid_token', async () => {
    const token = await hubLikeToken(await SigningKey.fromSecret(TOKEN_KEY), { exp: Math.floor(Date.now() / 1000) - 10 });
    await expectRefusedWrite(`Bearer ${token}`, 401, 'unauthorized', /expired/);
  });

  it('wrongly signed — another key under the hub’s kid, alg none, a garbled signature: 401 invalid_token', async () => {
    const own = await SigningKey.fromSecret(TOKEN_KEY);
    const other = await SigningKey.fromSecret(ed25519SecretKey());
    const forged = await new SignJWT({ scope: 'tickets', pid: 'demo-mila', sgen: 1 })
      .setProtectedHeader({ alg: 'EdDSA', kid: own.kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setSubject(hub.credentials['demo-mila'].clientId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(other.privateKey);
    const genuine = await hubLikeToken(own);
    const [header, payload] = genuine.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    const garbled = `${header}.${payload}.${Buffer.alloc(64, 1).toString('base64url')}`;
    for (const token of [forged, none, garbled, 'not-a-jwt']) await expectRefusedWrite(`Bearer ${token}`, 401, 'unauthorized', /not valid/);
  });

  it('wrong audience or issuer, though signed with the hub’s key: 401 invalid_token', async () => {
    const own = await SigningKey.fromSecret(TOKEN_KEY);
    await expectRefusedWrite(`Bearer ${await hubLikeToken(own, { aud: 'https://another-api.example' })}`, 401, 'unauthorized');
    await expectRefusedWrite(`Bearer ${await hubLikeToken(own, { iss: 'https://idp.example' })}`, 401, 'unauthorized');
  });

  it('wrong scope: a tickets token on an admin operation, an admin token on a ticket operation: 403 forbidden, nothing registered', async () => {
    const id = `de-be-sec-${Date.now().toString(36)}`;
    const r = await hub.api.call('POST', '/v1/participants', { as: 'demo-mila', body: { id, name: 'Eindringling', kind: 'vendor', land: 'DE-BE' } });
    expect(r.status).toBe(403);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:forbidden');
    expect(await hub.db.query('SELECT 1 FROM participants WHERE id = $1', [id])).toEqual([]);
    await expectRefusedWrite(`Bearer ${await hub.api.token('hub-admin')}`, 403, 'forbidden');
  });

  it.each([
    [
      'its client is disabled',
      /disabled/,
      (p: { participantId: string; clientId: string }) => hub.api.admin('PATCH', '/v1/participants/{participantId}/clients/{clientId}', { enabled: false }, p),
    ],
    [
      'its secret was rotated without overlap',
      /rotated/,
      (p: { participantId: string; clientId: string }) =>
        hub.api.admin('POST', '/v1/participants/{participantId}/clients/{clientId}/secret', { overlapSeconds: 0 }, p),
    ],
    [
      'its participant is suspended',
      /suspended/,
      (p: { participantId: string }) => hub.api.admin('PATCH', '/v1/participants/{participantId}', { status: 'suspended' }, { participantId: p.participantId }),
    ],
    [
      'its client was deleted',
      /deleted/,
      (p: { participantId: string; clientId: string }) => hub.api.admin('DELETE', '/v1/participants/{participantId}/clients/{clientId}', undefined, p),
    ],
  ])('revoked — %s: 401 invalid_token', async (_what, reason, revoke) => {
    const { participantId, clientId, token } = await participantWithToken();
    expect((await hub.api.call('GET', '/v1/tickets', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await revoke({ participantId, clientId })).status).toBeLessThan(300);
    await expectRefusedWrite(`Bearer ${token}`, 401, 'unauthorized', reason);
  });

  it('from an identity provider that is not registered, or registered for another audience: 401 invalid_token', async () => {
    const token = await op.token('mila-kc', 's3cret');
    await expectRefusedWrite(`Bearer ${token}`, 401, 'unauthorized');
    const registered = await hub.api.admin('POST', '/v1/identity-providers', {
      id: 'kc-sec',
      issuer: op.issuer,
      jwksUrl: op.jwksUrl,
      audience: 'https://drehscheibe.test.example',
      subjectClaim: 'client_id',
    });
    expect(registered.status).toBe(201);
    const mapped = await hub.api.admin(
      'POST',
      '/v1/participants/{participantId}/clients',
      { authMethod: 'identity_provider', externalIdentity: { providerId: 'kc-sec', subject: 'mila-kc' } },
      { participantId: 'demo-mila' },
    );
    expect(mapped.status).toBe(201);
    await expectRefusedWrite(`Bearer ${token}`, 401, 'unauthorized', /not for this hub/);
  });
});

describe('private_key_jwt client assertions the token endpoint refuses', () => {
  let key: ClientKeyPair;
  let clientId: string;
  beforeAll(async () => {
    key = await clientKeyPair('ES256');
    const participantId = `de-hh-sec-${Date.now().toString(36)}`;
    await hub.api.admin('POST', '/v1/participants', { id: participantId, name: 'Schlüsselprüfung', kind: 'land_ticket_system', land: 'DE-HH' });
    const created = await hub.api.admin(
      'POST',
      '/v1/participants/{participantId}/clients',
      { authMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk as never] } },
      { participantId },
    );
    expect(created.status).toBe(201);
    clientId = created.data.clientId;
  });

  /** Asserts 401 invalid_client and that no token came with it. */
  async function expectRefusedAssertion(assertion: string, detail: RegExp) {
    const r = await hub.api.call('POST', '/v1/oauth/token', assertionForm(assertion));
    expect(r.status).toBe(401);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:invalid-client');
    expect(r.problem.error).toBe('invalid_client');
    expect(r.problem.detail).toMatch(detail);
    expect(JSON.stringify(r.body)).not.toContain('access_token');
  }

  it('control: its own key, the token endpoint as audience, a fresh jti: a token', async () => {
    expect((await hub.api.call('POST', '/v1/oauth/token', assertionForm(await clientAssertion(clientId, key, TOKEN_ENDPOINT)))).status).toBe(200);
  });

  it('signed with a wrong key — under its kid, or another kid: 401 invalid_client', async () => {
    const wrong = await clientKeyPair('ES256');
    await expectRefusedAssertion(await clientAssertion(clientId, wrong, TOKEN_ENDPOINT, { kid: key.kid }), /not signed with a key registered/);
    await expectRefusedAssertion(await clientAssertion(clientId, wrong, TOKEN_ENDPOINT), /not signed with a key registered/);
  });

  it('replayed: the same assertion twice — the first gets a token, the second 401 invalid_client', async () => {
    const assertion = await clientAssertion(clientId, key, TOKEN_ENDPOINT, { jti: randomUUID() });
    expect((await hub.api.call('POST', '/v1/oauth/token', assertionForm(assertion))).status).toBe(200);
    await expectRefusedAssertion(assertion, /used before/);
    // Another assertion with the same jti is the same replay.
    const jti = randomUUID();
    expect((await hub.api.call('POST', '/v1/oauth/token', assertionForm(await clientAssertion(clientId, key, TOKEN_ENDPOINT, { jti })))).status).toBe(200);
    await expectRefusedAssertion(await clientAssertion(clientId, key, 'drehscheibe', { jti }), /used before/);
  });

  it('expired, valid for too long, without jti: 401 invalid_client', async () => {
    await expectRefusedAssertion(await clientAssertion(clientId, key, TOKEN_ENDPOINT, { issuedAt: -400, expiresIn: -60 }), /expired/);
    await expectRefusedAssertion(await clientAssertion(clientId, key, TOKEN_ENDPOINT, { expiresIn: 3600 }), /within 300 s/);
    await expectRefusedAssertion(await clientAssertion(clientId, key, TOKEN_ENDPOINT, { jti: null }), /jti/);
  });

  it('for another audience, or claiming another client: 401 invalid_client', async () => {
    await expectRefusedAssertion(await clientAssertion(clientId, key, 'https://other-hub.example/v1/oauth/token'), /aud must name/);
    await expectRefusedAssertion(await clientAssertion(clientId, key, TOKEN_ENDPOINT, { iss: 'demo-mila' }), /iss and sub/);
    await expectRefusedAssertion(
      await clientAssertion(hub.credentials['demo-mila'].clientId, key, TOKEN_ENDPOINT),
      /does not authenticate with private_key_jwt/,
    );
  });
});
