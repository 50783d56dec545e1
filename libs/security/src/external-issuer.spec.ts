import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Agent } from 'undici';
import { EndpointPolicy, ExternalIssuer, InvalidTokenError } from '@drehscheibe/security';

const OPTIONS = { cooldownMs: 0, cacheMaxAgeMs: 60_000, timeoutMs: 2_000 };

let server: Server;
let port: number;
let requests = 0;
let privateKey: CryptoKey;
let jwks: string;
let redirect = false;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
  server = createServer((req, res) => {
    requests++;
    if (redirect) res.writeHead(302, { location: `http://127.0.0.1:${port}/jwks` }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = 0;
  redirect = false;
});

const token = () =>
  new SignJWT({ client_id: 'c1' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer('https://idp.example')
    .setAudience('hub')
    .setExpirationTime('5m')
    .sign(privateKey);

function issuer(policy: EndpointPolicy, url = `http://127.0.0.1:${port}/jwks`) {
  const agent = new Agent({ connect: { lookup: policy.lookup } });
  return { issuer: new ExternalIssuer('https://idp.example', url, 'hub', policy, agent, OPTIONS), agent };
}

describe('ExternalIssuer', () => {
  it('verifies a token with the keys at its JWKS URL when the endpoint policy allows it', async () => {
    const { issuer: idp, agent } = issuer(new EndpointPolicy(true));
    await expect(idp.verify(await token())).resolves.toMatchObject({ client_id: 'c1', iss: 'https://idp.example' });
    expect(requests).toBe(1);
    await agent.close();
  });

  it('never calls a loopback JWKS URL the endpoint policy refuses — by literal address or by a name that resolves there', async () => {
    const literal = issuer(new EndpointPolicy(false));
    await expect(literal.issuer.verify(await token())).rejects.toThrow(InvalidTokenError);
    const rebinding = issuer(new EndpointPolicy(false, () => Promise.resolve([{ address: '127.0.0.1', family: 4 }])), `http://idp.example:${port}/jwks`);
    await expect(rebinding.issuer.verify(await token())).rejects.toThrow(/keys are not available/);
    expect(requests).toBe(0);
    await literal.agent.close();
    await rebinding.agent.close();
  });

  it('does not follow a redirect from the JWKS URL', async () => {
    redirect = true;
    const { issuer: idp, agent } = issuer(new EndpointPolicy(true));
    await expect(idp.verify(await token())).rejects.toThrow(InvalidTokenError);
    expect(requests).toBe(1);
    await agent.close();
  });
});
