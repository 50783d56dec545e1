import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
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
    expect(r.body.expires_in).toBeGreaterThan(0);
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

  it('refuses an unknown grant type and a scope the client does not hold', async () => {
    const { clientId, clientSecret } = hub.credentials['demo-mila'];
    const grant = await hub.api.call('POST', '/v1/oauth/token', form({ grant_type: 'password', client_id: clientId, client_secret: clientSecret }));
    expect(grant.status).toBe(400);
    const scope = await hub.api.call(
      'POST',
      '/v1/oauth/token',
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'admin' }),
    );
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
  });
});

describe('protected routes', () => {
  it('answer 401 without a token, with a garbage token and with a forged one', async () => {
    for (const authorization of [undefined, 'Bearer not-a-jwt', 'Basic abc']) {
      const r = await hub.api.call('GET', '/v1/codelists', { headers: authorization ? { authorization } : {} });
      expect(r.status).toBe(401);
      expect(r.body.type).toBe('urn:drehscheibe:problem:unauthorized');
    }
  });

  it('refuse ticket operations to an operator client without a participant', async () => {
    const r = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'hub-admin', params: { ticketId: '0190b1d0-0000-7000-8000-000000000000' } });
    expect(r.status).toBe(403);
    expect(r.body.type).toBe('urn:drehscheibe:problem:forbidden');
  });
});
