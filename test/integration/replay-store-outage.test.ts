import { randomUUID } from 'node:crypto';
import { FlattenedSign } from 'jose';
import { assertionForm, clientAssertion, clientKeyPair } from '../support/client-assertions.js';
import { testServers } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { eventually } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * The replay checks of client assertions and of request signatures live in
 * Redis. While Redis is unreachable the hub answers 503 rather than skip
 * them, and changes nothing; what was refused that way was not recorded, so
 * it works once Redis is back, and only once.
 */
let hub: InProcessHub;
let redis: TcpProxy;
beforeAll(async () => {
  redis = await TcpProxy.start(testServers().redisUrl);
  hub = await startInProcessHub(undefined, { LOG_LEVEL: 'error' }, { redisUrl: (url) => redis.route(url) });
});
afterAll(async () => {
  redis?.setMode('forward');
  await hub?.close();
  await redis?.close();
});

it('answers 503 while Redis is unreachable, never a token; the same assertion works once afterwards', async () => {
  const key = await clientKeyPair();
  const created = await hub.api.admin(
    'POST',
    '/v1/participants/{participantId}/clients',
    { authMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk as never] } },
    { participantId: 'demo-bela' },
  );
  expect(created.status).toBe(201);
  const assertion = await clientAssertion(created.data.clientId, key, 'drehscheibe');

  redis.setMode('refuse');
  try {
    const during = await hub.api.call('POST', '/v1/oauth/token', assertionForm(assertion));
    expect(during.status).toBe(503);
    expect(during.problem.type).toBe('urn:drehscheibe:problem:service-unavailable');
  } finally {
    redis.setMode('forward');
  }
  await eventually('the assertion to be accepted', async () => (await hub.api.call('POST', '/v1/oauth/token', assertionForm(assertion))).status === 200);
  const replay = await hub.api.call('POST', '/v1/oauth/token', assertionForm(assertion));
  expect(replay.status).toBe(401);
  expect(replay.problem.detail).toMatch(/used before/);
});

it('answers 503 while Redis is unreachable and creates nothing; the same signed request works once afterwards', async () => {
  const key = await clientKeyPair();
  const client = await hub.api.admin(
    'POST',
    '/v1/participants/{participantId}/clients',
    { scopes: ['tickets'], authMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk as never] } },
    { participantId: 'demo-mila' },
  );
  expect(client.status).toBe(201);
  const token = await hub.api.call('POST', '/v1/oauth/token', assertionForm(await clientAssertion(client.data.clientId, key, 'drehscheibe')));
  expect(token.status).toBe(200);
  const externalId = `SIG-OUTAGE-${Date.now()}`;
  const body = JSON.stringify({
    externalId,
    type: 'incident',
    subject: 'Signiert',
    serviceId: 'svc-demo-wohngeld',
    impact: 2,
    urgency: 2,
    channel: 'web_form',
  });
  const header = {
    alg: 'EdDSA',
    kid: key.kid,
    typ: 'drehscheibe-request+jws',
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    htm: 'POST',
    htu: '/v1/tickets',
  };
  const signed = await new FlattenedSign(Buffer.from(body)).setProtectedHeader(header).sign(key.privateKey);
  const create = () =>
    fetch(`${hub.url}/v1/tickets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.data.access_token}`,
        'content-type': 'application/json',
        'drehscheibe-signature': `${signed.protected}..${signed.signature}`,
      },
      body,
    });

  redis.setMode('refuse');
  try {
    const during = await create();
    expect(during.status).toBe(503);
    expect(((await during.json()) as { type: string }).type).toBe('urn:drehscheibe:problem:service-unavailable');
  } finally {
    redis.setMode('forward');
  }
  expect(await hub.db.query('SELECT id FROM tickets WHERE origin_external_id = $1', [externalId])).toEqual([]);
  await eventually('the signed request to be accepted', async () => (await create()).status === 201);
  const again = await create();
  expect(again.status).toBe(401);
  expect(((await again.json()) as { type: string }).type).toBe('urn:drehscheibe:problem:signature-replayed');
  expect(await hub.db.query('SELECT count(*)::int AS n FROM tickets WHERE origin_external_id = $1', [externalId])).toEqual([{ n: 1 }]);
});
