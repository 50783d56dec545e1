import { assertionForm, clientAssertion, clientKeyPair, type ClientKeyPair } from '../support/client-assertions.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

/**
 * Issue 17, client authentication: a client that registered public keys
 * instead of a secret gets tokens with a signed client assertion
 * (private_key_jwt, RFC 7523), and its keys are rotated through the admin
 * API. The refusals (wrong key, replay, expiry, audience) are in the
 * security suite, security-tokens.test.ts.
 */
const PUBLIC_URL = 'https://hub.test.example';
const TOKEN_ENDPOINT = `${PUBLIC_URL}/v1/oauth/token`;

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, { PUBLIC_URL, AUTH_CLIENT_CACHE_MS: '0' });
});
afterAll(() => hub?.close());

let seq = 0;
async function keyClient(...keys: ClientKeyPair[]): Promise<{ participantId: string; clientId: string }> {
  const participantId = `de-sh-pkjwt-${Date.now().toString(36)}-${++seq}`;
  expect((await hub.api.admin('POST', '/v1/participants', { id: participantId, name: 'Schlüssel', kind: 'land_ticket_system', land: 'DE-SH' })).status).toBe(
    201,
  );
  const created = await hub.api.admin(
    'POST',
    '/v1/participants/{participantId}/clients',
    { scopes: ['tickets'], authMethod: 'private_key_jwt', jwks: { keys: keys.map((k) => k.publicJwk as never) } },
    { participantId },
  );
  expect(created.status).toBe(201);
  // No shared secret at all.
  expect(created.body).toEqual({
    clientId: expect.stringMatching(new RegExp(`^${participantId}-`)) as string,
    scopes: ['tickets'],
    authMethod: 'private_key_jwt',
  });
  return { participantId, clientId: created.data.clientId };
}

const tokenWith = async (clientId: string, key: ClientKeyPair, aud = TOKEN_ENDPOINT) =>
  hub.api.call('POST', '/v1/oauth/token', assertionForm(await clientAssertion(clientId, key, aud)));
const readTickets = (token: string) => hub.api.call('GET', '/v1/tickets', { headers: { authorization: `Bearer ${token}` } });

describe('private_key_jwt at the token endpoint', () => {
  it.each(['EdDSA', 'ES256', 'RS256'] as const)('issues a token for an assertion signed with the client’s %s key', async (alg) => {
    const key = await clientKeyPair(alg);
    const { clientId } = await keyClient(key);
    const r = await tokenWith(clientId, key);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ token_type: 'Bearer', scope: 'tickets' });
    expect((await readTickets(r.data.access_token)).status).toBe(200);
  });

  it('takes the hub’s token issuer as audience too, and a client_id that names the same client', async () => {
    const key = await clientKeyPair();
    const { clientId } = await keyClient(key);
    expect((await tokenWith(clientId, key, 'drehscheibe')).status).toBe(200);
    const named = await hub.api.call('POST', '/v1/oauth/token', assertionForm(await clientAssertion(clientId, key, TOKEN_ENDPOINT), { client_id: clientId }));
    expect(named.status).toBe(200);
  });

  it('refuses a secret for such a client, a secret and an assertion together, and an assertion naming another client_id', async () => {
    const key = await clientKeyPair();
    const { participantId, clientId } = await keyClient(key);
    const secret = await hub.api.call('POST', '/v1/oauth/token', {
      rawBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'anything' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(secret.status).toBe(401);
    expect(secret.problem.type).toBe('urn:drehscheibe:problem:invalid-client');
    const both = await hub.api.call('POST', '/v1/oauth/token', assertionForm(await clientAssertion(clientId, key, TOKEN_ENDPOINT), { client_secret: 'x' }));
    expect(both.status).toBe(400);
    expect(both.problem.error).toBe('invalid_request');
    const other = await hub.api.call(
      'POST',
      '/v1/oauth/token',
      assertionForm(await clientAssertion(clientId, key, TOKEN_ENDPOINT), { client_id: 'demo-mila' }),
    );
    expect(other.status).toBe(401);
    expect(other.problem.detail).toMatch(/different clients/);
    // It has no secret to rotate.
    const rotate = await hub.api.admin(
      'POST',
      '/v1/participants/{participantId}/clients/{clientId}/secret',
      { overlapSeconds: 0 },
      { participantId, clientId },
    );
    expect(rotate.status).toBe(409);
    expect(rotate.problem.type).toBe('urn:drehscheibe:problem:wrong-auth-method');
  });
});

describe('a private_key_jwt client’s keys (admin)', () => {
  it('rotate: a new key works once added; once the old one is removed, it and the tokens obtained before are refused', async () => {
    const oldKey = await clientKeyPair('ES256');
    const newKey = await clientKeyPair('EdDSA');
    const { participantId, clientId } = await keyClient(oldKey);
    const oldToken = (await tokenWith(clientId, oldKey)).data.access_token;

    expect((await tokenWith(clientId, newKey)).status).toBe(401);
    const added = await hub.api.admin('POST', '/v1/participants/{participantId}/clients/{clientId}/keys', newKey.publicJwk as never, {
      participantId,
      clientId,
    });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ kid: newKey.kid, jwk: newKey.publicJwk, createdAt: expect.any(String) as string });
    const listed = await hub.api.admin('GET', '/v1/participants/{participantId}/clients/{clientId}/keys', undefined, { participantId, clientId });
    expect(listed.data.items.map((k) => k.kid)).toEqual([oldKey.kid, newKey.kid]);
    const clients = await hub.api.admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId });
    expect(clients.data.items[0]).toMatchObject({ clientId, authMethod: 'private_key_jwt', keyCount: 2 });
    expect((await tokenWith(clientId, newKey)).status).toBe(200);
    expect((await readTickets(oldToken)).status).toBe(200);

    const removed = await hub.api.admin('DELETE', '/v1/participants/{participantId}/clients/{clientId}/keys/{kid}', undefined, {
      participantId,
      clientId,
      kid: oldKey.kid,
    });
    expect(removed.status).toBe(204);
    const refused = await tokenWith(clientId, oldKey);
    expect(refused.status).toBe(401);
    expect(refused.problem.detail).toMatch(/not signed with a key registered/);
    const revoked = await readTickets(oldToken);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const fresh = await tokenWith(clientId, newKey);
    expect((await readTickets(fresh.data.access_token)).status).toBe(200);
  });

  it('refuses keys that are not acceptable — at creation and when added — and a kid twice, changing nothing', async () => {
    const key = await clientKeyPair();
    const { participantId, clientId } = await keyClient(key);
    const privateJwk = { ...key.publicJwk, kid: 'leaked', d: 'AAAA' };
    const cases: [unknown, RegExp][] = [
      [privateJwk, /private or symmetric material/],
      [{ kty: 'RSA', n: Buffer.alloc(128, 0xff).toString('base64url'), e: 'AQAB' }, /at least 2048 bits/],
      [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }, /cannot be read/],
    ];
    for (const [jwk, reason] of cases) {
      const r = await hub.api.admin('POST', '/v1/participants/{participantId}/clients/{clientId}/keys', jwk as never, { participantId, clientId });
      expect(r.status).toBe(422);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:invalid-client-key');
      expect(r.problem.detail).toMatch(reason);
    }
    const twice = await hub.api.admin('POST', '/v1/participants/{participantId}/clients/{clientId}/keys', key.publicJwk as never, { participantId, clientId });
    expect(twice.status).toBe(409);
    const listed = await hub.api.admin('GET', '/v1/participants/{participantId}/clients/{clientId}/keys', undefined, { participantId, clientId });
    expect(listed.data.items.map((k) => k.kid)).toEqual([key.kid]);

    const atCreation = await hub.api.admin(
      'POST',
      '/v1/participants/{participantId}/clients',
      { authMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk as never, privateJwk as never] } },
      { participantId },
    );
    expect(atCreation.status).toBe(422);
    expect(atCreation.problem.errors).toEqual([{ pointer: '/body/jwks/keys/1', message: expect.stringMatching(/private/) as string }]);
    const noKeys = await hub.api.admin('POST', '/v1/participants/{participantId}/clients', { authMethod: 'private_key_jwt' }, { participantId });
    expect(noKeys.status).toBe(422);
    const keysForSecret = await hub.api.admin(
      'POST',
      '/v1/participants/{participantId}/clients',
      { jwks: { keys: [key.publicJwk as never] } },
      { participantId },
    );
    expect(keysForSecret.status).toBe(409);
    expect(keysForSecret.problem.type).toBe('urn:drehscheibe:problem:wrong-auth-method');
    expect((await hub.api.admin('GET', '/v1/participants/{participantId}/clients', undefined, { participantId })).data.items).toHaveLength(1);
  });

  it('are only for private_key_jwt clients (409 for a secret client) and only for its participant (404)', async () => {
    const key = await clientKeyPair();
    const keys = await hub.api.admin('GET', '/v1/participants/{participantId}/clients/{clientId}/keys', undefined, {
      participantId: 'demo-mila',
      clientId: hub.credentials['demo-mila'].clientId,
    });
    expect(keys.status).toBe(409);
    expect(keys.problem.type).toBe('urn:drehscheibe:problem:wrong-auth-method');
    const { clientId } = await keyClient(key);
    const foreign = await hub.api.admin('GET', '/v1/participants/{participantId}/clients/{clientId}/keys', undefined, { participantId: 'demo-mila', clientId });
    expect(foreign.status).toBe(404);
    const notAdmin = await hub.api.call('GET', '/v1/participants/{participantId}/clients/{clientId}/keys', {
      as: 'demo-mila',
      params: { participantId: 'demo-mila', clientId },
    });
    expect(notAdmin.status).toBe(403);
  });
});
