import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { ApiClient } from '../support/api-client.js';
import { TestPki, tlsFetch, type IssuedCertificate } from '../support/certificates.js';
import { seededDatabase, startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import type { TestDatabase } from '../support/database.js';
import type { DemoCredentials } from '../../apps/hub-cli/src/demo-seed.js';

/**
 * Issue 17, mutual TLS (RFC 8705): the hub terminates TLS itself and asks
 * for client certificates from its CA; a client authenticates with its
 * certificate (tls_client_auth) and/or has its tokens bound to it; behind a
 * proxy the certificate comes in the RFC 9440 Client-Cert header, believed
 * only from the configured proxy. Real HTTPS, certificates made by openssl.
 */

const SUBJECT = '/C=DE/O=Land Mecklenburg-Vorpommern/CN=mila-tickets';
const SUBJECT_DN = 'CN=mila-tickets,O=Land Mecklenburg-Vorpommern,C=DE';

let pki: TestPki;
let ca: IssuedCertificate;
let certA: IssuedCertificate;
let certB: IssuedCertificate;
let foreign: IssuedCertificate;
let shared: { db: TestDatabase; credentials: DemoCredentials };
let server: IssuedCertificate;

type Via = ReturnType<typeof tlsFetch>;
const opened: Via[] = [];
const hubs: InProcessHub[] = [];
function via(client?: IssuedCertificate): Via {
  const v = tlsFetch(ca, client);
  opened.push(v);
  return v;
}

beforeAll(async () => {
  pki = new TestPki();
  ca = pki.ca('hub-client-ca');
  const otherCa = pki.ca('other-ca');
  server = pki.issue(ca, 'server', '/CN=localhost', 'server');
  certA = pki.issue(ca, 'mila-a', SUBJECT, 'client');
  certB = pki.issue(ca, 'mila-b', '/C=DE/O=Land Mecklenburg-Vorpommern/CN=mila-other', 'client');
  // The same subject as A, from a CA the hub does not trust.
  foreign = pki.issue(otherCa, 'foreign', SUBJECT, 'client');
  shared = await seededDatabase('http://127.0.0.1:9');
});
afterAll(async () => {
  for (const hub of hubs) await hub.close();
  for (const v of opened) await v.close();
  await shared?.db.drop();
  pki?.dispose();
});

async function startHub(env: Record<string, string>): Promise<InProcessHub> {
  const hub = await startInProcessHub(undefined, { AUTH_CLIENT_CACHE_MS: '0', ...env }, { reuse: shared });
  hubs.push(hub);
  return hub;
}

const tlsEnv = (clientAuth: 'optional' | 'required') => ({
  HUB_TLS_CERT_FILE: server.certFile,
  HUB_TLS_KEY_FILE: server.keyFile,
  HUB_TLS_CLIENT_CA_FILE: ca.certFile,
  HUB_TLS_CLIENT_AUTH: clientAuth,
});

const thumbprint = (c: IssuedCertificate) => createHash('sha256').update(c.der).digest('base64url');
const form = (fields: Record<string, string>) => ({
  rawBody: new URLSearchParams({ grant_type: 'client_credentials', ...fields }).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** An API client for `hub` over the given connection (admin calls use the demo admin's secret, no certificate needed). */
const apiVia = (hub: InProcessHub, connection: Via) => new ApiClient(hub.url, { ...hub.credentials }, connection.fetch);

async function createClient(api: ApiClient, body: Record<string, unknown>): Promise<{ clientId: string; clientSecret?: string }> {
  const r = await api.call('POST', '/v1/participants/{participantId}/clients', { as: 'hub-admin', params: { participantId: 'demo-mila' }, untypedBody: body });
  expect(r.status).toBe(201);
  return r.data;
}

async function tokenFor(api: ApiClient, fields: Record<string, string>) {
  return api.call('POST', '/v1/oauth/token', form(fields));
}

/** Tries to create a ticket; returns the answer after checking that no ticket came of it unless it succeeded. */
async function createTicket(api: ApiClient, token: string) {
  const externalId = `mtls-${randomBytes(4).toString('hex')}`;
  const r = await api.call('POST', '/v1/tickets', {
    headers: { authorization: `Bearer ${token}` },
    body: { externalId, type: 'question', subject: 'über mTLS', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
  });
  const rows = await shared.db.query('SELECT 1 FROM tickets WHERE origin_external_id = $1', [externalId]);
  expect(rows).toHaveLength(r.status === 201 ? 1 : 0);
  return r;
}

describe('the hub terminating TLS, client certificates optional', () => {
  let hub: InProcessHub;
  let plain: ApiClient;
  let withA: ApiClient;
  let withB: ApiClient;
  let withForeign: ApiClient;
  beforeAll(async () => {
    hub = await startHub(tlsEnv('optional'));
    plain = apiVia(hub, via());
    withA = apiVia(hub, via(certA));
    withB = apiVia(hub, via(certB));
    withForeign = apiVia(hub, via(foreign));
  });

  it('serves HTTPS; health checks and the API answer clients without a certificate', async () => {
    expect(hub.url).toMatch(/^https:/);
    expect((await plain.call('GET', '/health/live')).status).toBe(200);
    expect((await plain.call('GET', '/v1/tickets', { as: 'demo-mila' })).status).toBe(200);
  });

  it('binds a bound client’s token to the certificate it asked with: cnf x5t#S256, accepted with that certificate only', async () => {
    const client = await createClient(plain, { scopes: ['tickets'], tlsClientCertificateBoundAccessTokens: true });
    const listed = await plain.call('GET', '/v1/participants/{participantId}/clients', { as: 'hub-admin', params: { participantId: 'demo-mila' } });
    expect(listed.data.items.find((c) => c.clientId === client.clientId)).toMatchObject({
      authMethod: 'client_secret',
      tlsClientCertificateBoundAccessTokens: true,
    });

    const issued = await tokenFor(withA, { client_id: client.clientId, client_secret: client.clientSecret! });
    expect(issued.status).toBe(200);
    const token = issued.data.access_token;
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': thumbprint(certA) });
    expect((await createTicket(withA, token)).status).toBe(201);

    // Wrong binding: the same CA's other certificate, none, one of another CA — refused, nothing created.
    for (const other of [withB, plain, withForeign]) {
      const refused = await createTicket(other, token);
      expect(refused.status).toBe(401);
      expect(refused.problem.type).toBe('urn:drehscheibe:problem:certificate-mismatch');
      expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('gives a bound client no token without a certificate from the hub’s CA', async () => {
    const client = await createClient(plain, { scopes: ['tickets'], tlsClientCertificateBoundAccessTokens: true });
    for (const other of [plain, withForeign]) {
      const r = await tokenFor(other, { client_id: client.clientId, client_secret: client.clientSecret! });
      expect(r.status).toBe(401);
      expect(r.problem).toMatchObject({ type: 'urn:drehscheibe:problem:invalid-client', error: 'invalid_client' });
      expect(r.problem.detail).toMatch(/bound to its TLS client certificate/);
      expect(r.body).not.toHaveProperty('access_token');
    }
  });

  it('issues plain bearer tokens to clients that are not bound, certificate or not', async () => {
    const client = await createClient(plain, { scopes: ['tickets'] });
    const issued = await tokenFor(withA, { client_id: client.clientId, client_secret: client.clientSecret! });
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.data.access_token).cnf).toBeUndefined();
    expect((await plain.call('GET', '/v1/tickets', { headers: { authorization: `Bearer ${issued.data.access_token}` } })).status).toBe(200);
  });

  it('authenticates a tls_client_auth client by its certificate’s subject DN (RFC 8705 §2.1)', async () => {
    const client = await createClient(plain, { scopes: ['tickets'], authMethod: 'tls_client_auth', tlsClientAuthSubjectDn: SUBJECT_DN });
    expect(client).not.toHaveProperty('clientSecret');
    const issued = await tokenFor(withA, { client_id: client.clientId });
    expect(issued.status).toBe(200);
    // Not bound unless asked for.
    expect(decodeJwt(issued.data.access_token).cnf).toBeUndefined();

    const cases: [ApiClient, RegExp][] = [
      [withB, /another subject/],
      [plain, /needs a TLS client certificate/],
      // Same subject, but a CA the hub does not trust: as if there were no certificate.
      [withForeign, /needs a TLS client certificate/],
    ];
    for (const [other, detail] of cases) {
      const r = await tokenFor(other, { client_id: client.clientId });
      expect(r.status).toBe(401);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:invalid-client');
      expect(r.problem.detail).toMatch(detail);
    }
    // A secret means nothing to it.
    expect((await tokenFor(withA, { client_id: client.clientId, client_secret: 'x'.repeat(40) })).status).toBe(401);
  });

  it('binds a tls_client_auth client’s tokens when registered so', async () => {
    const client = await createClient(plain, {
      authMethod: 'tls_client_auth',
      tlsClientAuthSubjectDn: 'cn=MILA-tickets, o=Land Mecklenburg-Vorpommern, c=de',
      tlsClientCertificateBoundAccessTokens: true,
    });
    const issued = await tokenFor(withA, { client_id: client.clientId });
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.data.access_token).cnf).toEqual({ 'x5t#S256': thumbprint(certA) });
    expect((await withA.call('GET', '/v1/tickets', { headers: { authorization: `Bearer ${issued.data.access_token}` } })).status).toBe(200);
    expect((await withB.call('GET', '/v1/tickets', { headers: { authorization: `Bearer ${issued.data.access_token}` } })).status).toBe(401);
  });

  it('lets a bound admin client into the queue board only with a certificate, by token or secret', async () => {
    const client = await createClient(plain, { scopes: ['admin'], tlsClientCertificateBoundAccessTokens: true });
    const board = async (connection: Via, authorization: string) =>
      (await connection.fetch(new Request(`${hub.url}/admin/queues/api/queues`, { headers: { authorization } }))).status;
    const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret!}`).toString('base64')}`;
    const connectionA = via(certA);
    expect(await board(connectionA, basic)).toBe(200);
    expect(await board(via(), basic)).toBe(401);
    const issued = await tokenFor(withA, { client_id: client.clientId, client_secret: client.clientSecret! });
    expect(await board(connectionA, `Bearer ${issued.data.access_token}`)).toBe(200);
    expect(await board(via(certB), `Bearer ${issued.data.access_token}`)).toBe(401);
  });

  it('ignores a Client-Cert header, as no proxy is configured', async () => {
    const client = await createClient(plain, { authMethod: 'tls_client_auth', tlsClientAuthSubjectDn: SUBJECT_DN });
    const r = await plain.call('POST', '/v1/oauth/token', {
      ...form({ client_id: client.clientId }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-cert': `:${certA.der.toString('base64')}:` },
    });
    expect(r.status).toBe(401);
    expect(r.problem.detail).toMatch(/needs a TLS client certificate/);
  });

  it('refuses a subject DN it cannot read, or one with another method, and registers nothing', async () => {
    const before = await shared.db.query('SELECT count(*)::int AS n FROM oauth_clients');
    const post = (body: Record<string, unknown>) =>
      plain.call('POST', '/v1/participants/{participantId}/clients', { as: 'hub-admin', params: { participantId: 'demo-mila' }, untypedBody: body });
    for (const body of [{ authMethod: 'tls_client_auth' }, { authMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'mila-tickets' }]) {
      const r = await post(body);
      expect(r.status).toBe(422);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:invalid-subject-dn');
    }
    const wrong = await post({ tlsClientAuthSubjectDn: SUBJECT_DN });
    expect(wrong.status).toBe(409);
    expect(wrong.problem.type).toBe('urn:drehscheibe:problem:wrong-auth-method');
    expect(await shared.db.query('SELECT count(*)::int AS n FROM oauth_clients')).toEqual(before);
  });
});

describe('start', () => {
  it('does not start with a TLS file it cannot read, and says which', async () => {
    const missing = `${pki.dir}/missing.key`;
    await expect(startInProcessHub(undefined, { ...tlsEnv('optional'), HUB_TLS_KEY_FILE: missing }, { reuse: shared })).rejects.toThrow(
      `HUB_TLS_KEY_FILE: ${missing} cannot be read (ENOENT)`,
    );
  });
});

describe('client certificates required', () => {
  let hub: InProcessHub;
  beforeAll(async () => {
    hub = await startHub(tlsEnv('required'));
  });

  it('refuses the handshake without a certificate and with one from another CA', async () => {
    for (const connection of [via(), via(foreign)]) {
      await expect(apiVia(hub, connection).call('GET', '/health/live')).rejects.toThrow();
    }
  });

  it('serves clients with a certificate from its CA: health checks and bound tokens', async () => {
    const withA = apiVia(hub, via(certA));
    expect((await withA.call('GET', '/health/live')).status).toBe(200);
    const client = await createClient(withA, { tlsClientCertificateBoundAccessTokens: true });
    const issued = await tokenFor(withA, { client_id: client.clientId, client_secret: client.clientSecret! });
    expect(issued.status).toBe(200);
    expect((await createTicket(withA, issued.data.access_token)).status).toBe(201);
    expect((await createTicket(apiVia(hub, via(certB)), issued.data.access_token)).status).toBe(401);
  });
});

describe('behind a TLS-terminating proxy (RFC 9440 Client-Cert)', () => {
  const header = (c: IssuedCertificate) => ({ 'client-cert': `:${c.der.toString('base64')}:` });

  it('believes the header from the configured proxy: binds to it and checks it', async () => {
    // The test itself plays the proxy, from 127.0.0.1.
    const hub = await startHub({ HUB_TLS_CLIENT_CERT_HEADER: 'Client-Cert', HUB_TLS_CLIENT_CERT_PROXIES: '127.0.0.1,::1' });
    expect(hub.url).toMatch(/^http:/);
    const client = await createClient(hub.api, { tlsClientCertificateBoundAccessTokens: true });
    const issued = await hub.api.call('POST', '/v1/oauth/token', {
      ...form({ client_id: client.clientId, client_secret: client.clientSecret! }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...header(certA) },
    });
    expect(issued.status).toBe(200);
    expect(decodeJwt(issued.data.access_token).cnf).toEqual({ 'x5t#S256': thumbprint(certA) });
    const read = (extra: Record<string, string>) =>
      hub.api.call('GET', '/v1/tickets', { headers: { authorization: `Bearer ${issued.data.access_token}`, ...extra } });
    expect((await read(header(certA))).status).toBe(200);
    // As nginx passes it ($ssl_client_escaped_cert): URL-encoded PEM.
    expect((await read({ 'client-cert': encodeURIComponent(certA.cert.toString('utf8')) })).status).toBe(200);
    expect((await read(header(certB))).problem.type).toBe('urn:drehscheibe:problem:certificate-mismatch');
    expect((await read({})).status).toBe(401);
    // A proxy that sends something that is no certificate is told so.
    const garbled = await read({ 'client-cert': ':bm9wZQ==:' });
    expect(garbled.status).toBe(400);
    expect(garbled.problem.type).toBe('urn:drehscheibe:problem:malformed-request');
  });

  it('ignores the header from any other address: a client cannot forge its certificate', async () => {
    const hub = await startHub({ HUB_TLS_CLIENT_CERT_HEADER: 'client-cert', HUB_TLS_CLIENT_CERT_PROXIES: '192.0.2.10' });
    const client = await createClient(hub.api, { tlsClientCertificateBoundAccessTokens: true });
    const forged = await hub.api.call('POST', '/v1/oauth/token', {
      ...form({ client_id: client.clientId, client_secret: client.clientSecret! }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...header(certA) },
    });
    expect(forged.status).toBe(401);
    expect(forged.problem.detail).toMatch(/bound to its TLS client certificate/);
    const tlsClient = await createClient(hub.api, { authMethod: 'tls_client_auth', tlsClientAuthSubjectDn: SUBJECT_DN });
    const forgedAuth = await hub.api.call('POST', '/v1/oauth/token', {
      ...form({ client_id: tlsClient.clientId }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...header(certA) },
    });
    expect(forgedAuth.status).toBe(401);
  });
});
