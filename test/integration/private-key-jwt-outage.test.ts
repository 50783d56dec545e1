import { assertionForm, clientAssertion, clientKeyPair } from '../support/client-assertions.js';
import { testServers } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { eventually } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * The replay check of client assertions lives in Redis. While Redis is
 * unreachable the token endpoint answers 503 rather than skip it, and an
 * assertion refused that way was not recorded: it works once Redis is back,
 * and only once.
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
