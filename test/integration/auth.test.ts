import { SigningKey } from '@drehscheibe/security';
import { ed25519Signer, jwkToPublicKey, signWebhook, verifyWebhook } from '@drehscheibe/webhooks';
import { SignJWT } from 'jose';
import { ed25519SecretKey } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

// Known keys, so that the tests can sign what an attacker or a confused integrator would.
const TOKEN_KEY = ed25519SecretKey();
const WEBHOOK_KEY = ed25519SecretKey();

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, { HUB_TOKEN_SIGNING_KEY: TOKEN_KEY, HUB_WEBHOOK_SIGNING_KEY: WEBHOOK_KEY });
});
afterAll(() => hub?.close());

const form = (fields: Record<string, string>) => ({
  rawBody: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe('POST /v1/oauth/token', () => {
  it('issues a bearer token for form credentials', async () => {
    const { clientId, clientSecret } = hub.credentials['demo-mila'];
    const r = await hub.api.call('POST', '/v1/oauth/token', form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ token_type: 'Bearer', scope: 'tickets' });
    expect(r.data.expires_in).toBeGreaterThan(0);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const { clientId, clientSecret } = hub.credentials['demo-bela'];
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const r = await hub.api.call('POST', '/v1/oauth/token', {
      rawBody: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    });
    expect(r.status).toBe(200);
  });

  it('refuses a wrong secret as invalid_client', async () => {
    const r = await hub.api.call('POST', '/v1/oauth/token', form({ grant_type: 'client_credentials', client_id: 'demo-mila', client_secret: 'wrong' }));
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toMatchObject({ type: 'urn:drehscheibe:problem:invalid-client', error: 'invalid_client' });
  });

  it('refuses an unknown grant type and an unknown scope name', async () => {
    const { clientId, clientSecret } = hub.credentials['demo-mila'];
    const grant = await hub.api.call('POST', '/v1/oauth/token', form({ grant_type: 'password', client_id: clientId, client_secret: clientSecret }));
    expect(grant.status).toBe(400);
    const scope = await hub.api.call(
      'POST',
      '/v1/oauth/token',
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'tickets superuser' }),
    );
    expect(scope.status).toBe(400);
    expect(scope.problem.error).toBe('invalid_scope');
  });
});

/**
 * Exactly what Swagger UI 5 sends for the clientCredentials flow
 * (swagger-ui-dist: core/plugins/auth/actions.js authorizeApplication, and
 * utils buildFormData): HTTP Basic over `id:secret` without encoding, the
 * ticked scopes joined by a space, form-encoded with `+`, and no `scope`
 * at all when nothing is ticked.
 */
function swaggerUiAuthorize(as: string, ticked: string[]) {
  const { clientId, clientSecret } = hub.credentials[as];
  const form = { grant_type: 'client_credentials', scope: ticked.join(' ') };
  const body = Object.entries(form)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%20/g, '+')}`)
    .join('&');
  return hub.api.call('POST', '/v1/oauth/token', {
    rawBody: body,
    headers: {
      accept: 'application/json, text/plain, */*',
      'content-type': 'application/x-www-form-urlencoded',
      'x-requested-with': 'XMLHttpRequest',
      authorization: 'Basic ' + btoa(clientId + ':' + clientSecret),
    },
  });
}

describe('Swagger UI authorization (issue 12, item 22)', () => {
  it.each([
    ['demo-mila', ['tickets', 'admin'], 'tickets'],
    ['hub-admin', ['tickets', 'admin'], 'admin'],
    ['hub-admin', ['tickets'], 'admin'], // the tick left over after Logout as a Land client
    ['hub-admin', [], 'admin'],
    ['demo-mila', ['admin'], 'tickets'],
  ])('as %s with %j ticked grants %s', async (as, ticked, granted) => {
    const r = await swaggerUiAuthorize(as, ticked);
    expect(r.status).toBe(200);
    expect(r.data.scope).toBe(granted);
    // The token works for what was granted.
    const probe = granted === 'admin' ? '/v1/participants' : '/v1/tickets';
    const used = await hub.api.call('GET', probe, { headers: { authorization: `Bearer ${r.data.access_token}` } });
    expect(used.status).toBe(200);
  });
});

describe('protected routes', () => {
  it('answer 401 without a token, with a garbage token and with a forged one', async () => {
    for (const authorization of [undefined, 'Bearer not-a-jwt', 'Basic abc']) {
      const r = await hub.api.call('GET', '/v1/codelists', { headers: authorization ? { authorization } : {} });
      expect(r.status).toBe(401);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:unauthorized');
    }
  });

  it('refuse ticket operations to an operator client without a participant', async () => {
    const r = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'hub-admin', params: { ticketId: '0190b1d0-0000-7000-8000-000000000000' } });
    expect(r.status).toBe(403);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:forbidden');
  });

  it('refuse a token signed with the hub key that has no expiry (issue 12, item 12)', async () => {
    const key = await SigningKey.fromSecret(TOKEN_KEY);
    const token = (withExpiry: boolean) => {
      const jwt = new SignJWT({ scope: 'tickets', pid: 'demo-mila', sgen: 1 })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
        .setIssuer('drehscheibe')
        .setAudience('drehscheibe')
        .setSubject('demo-mila')
        .setIssuedAt();
      return (withExpiry ? jwt.setExpirationTime('5m') : jwt).sign(key.privateKey);
    };
    // The same token with an expiry is accepted: only the missing exp makes the difference.
    const control = await hub.api.call('GET', '/v1/codelists', { headers: { authorization: `Bearer ${await token(true)}` } });
    expect(control.status).toBe(200);
    const forever = await hub.api.call('GET', '/v1/codelists', { headers: { authorization: `Bearer ${await token(false)}` } });
    expect(forever.status).toBe(401);
    expect(forever.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});

describe('published keys (issue 12, item 21)', () => {
  const keysOf = async (path: '/.well-known/jwks.json' | '/.well-known/webhook-jwks.json') => {
    // Both sets answer a Jwks; typed as one (a union of the two operations has no typed 2xx body).
    const r = await hub.api.call('GET', path as '/.well-known/jwks.json');
    expect(r.status).toBe(200);
    return r.data.keys;
  };
  const delivery = (secretKey: SigningKey) => {
    const body = JSON.stringify({ type: 'ticket.status_changed', ticketId: '0190b1d0-0000-7000-8000-000000000000' });
    const headers = signWebhook({ id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), body, signers: [ed25519Signer(secretKey.privateKey)] });
    return { headers, body };
  };

  it('verifies deliveries with the webhook key set only, and the two sets share no key', async () => {
    const tokenSet = await keysOf('/.well-known/jwks.json');
    const webhookSet = await keysOf('/.well-known/webhook-jwks.json');
    const tokenKid = (await SigningKey.fromSecret(TOKEN_KEY)).kid;
    const webhookKid = (await SigningKey.fromSecret(WEBHOOK_KEY)).kid;
    expect(tokenSet.map((k) => k.kid)).toEqual([tokenKid]);
    expect(webhookSet.map((k) => k.kid)).toEqual([webhookKid]);
    expect(tokenSet.filter((k) => webhookSet.some((w) => w.kid === k.kid || w.x === k.x))).toEqual([]);

    const webhookKeys = webhookSet.map((k) => jwkToPublicKey(k));
    const tokenKeys = tokenSet.map((k) => jwkToPublicKey(k));
    // Signed as the worker signs (its webhook key): verifies against the webhook set, not the token set.
    const real = delivery(await SigningKey.fromSecret(WEBHOOK_KEY));
    expect(verifyWebhook(real.headers, real.body, { ed25519PublicKeys: webhookKeys }).id).toBe('msg_1');
    expect(() => verifyWebhook(real.headers, real.body, { ed25519PublicKeys: tokenKeys })).toThrow(/signature/);
    // Signed with the token key: refused by the webhook set.
    const forged = delivery(await SigningKey.fromSecret(TOKEN_KEY));
    expect(() => verifyWebhook(forged.headers, forged.body, { ed25519PublicKeys: webhookKeys })).toThrow(/signature/);
  });
});
