import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { acceptClientPublicKey, InvalidClientAssertionError, InvalidClientKeyError, verifyClientAssertion } from '@drehscheibe/security';

const RULES = { audiences: ['https://hub.example/v1/oauth/token', 'drehscheibe'], maxLifetimeSeconds: 300, clockToleranceSeconds: 30 };

async function pair(alg: 'EdDSA' | 'ES256' | 'RS256' | 'ES384') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey), privateKey };
}

describe('acceptClientPublicKey', () => {
  it.each(['EdDSA', 'ES256', 'RS256'] as const)('accepts a %s public key and names it by its thumbprint when it has no kid', async (alg) => {
    const { publicJwk } = await pair(alg);
    const accepted = await acceptClientPublicKey(publicJwk);
    expect(accepted.kid).toBe(await calculateJwkThumbprint(publicJwk));
    expect(accepted.jwk).toEqual({ ...publicJwk, kid: accepted.kid });
  });

  it('keeps a given kid', async () => {
    const { publicJwk } = await pair('EdDSA');
    expect((await acceptClientPublicKey({ ...publicJwk, kid: 'mila-2026', use: 'sig', alg: 'EdDSA' })).kid).toBe('mila-2026');
  });

  it.each([
    ['a private key', async () => (await pair('EdDSA')).privateJwk, /private or symmetric material \(d\)/],
    ['a symmetric key', () => Promise.resolve({ kty: 'oct', k: 'c2VjcmV0' }), /private or symmetric/],
    [
      'an RSA key of 1024 bits',
      () => Promise.resolve(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })),
      /at least 2048 bits/,
    ],
    ['a P-384 key', async () => (await pair('ES384')).publicJwk, /P-256/],
    ['an encryption key', async () => ({ ...(await pair('ES256')).publicJwk, use: 'enc' }), /signing key/],
    ['an RSA key for ES256', async () => ({ ...(await pair('RS256')).publicJwk, alg: 'ES256' }), /RS256 or PS256/],
    ['a point that is not on the curve', async () => ({ ...(await pair('ES256')).publicJwk, y: Buffer.alloc(32, 7).toString('base64url') }), /cannot be read/],
    ['no key at all', () => Promise.resolve('ssh-ed25519 AAAA'), /JWK object/],
  ])('refuses %s', async (_what, make, reason) => {
    const jwk: unknown = await make();
    const refused = acceptClientPublicKey(jwk);
    await expect(refused).rejects.toBeInstanceOf(InvalidClientKeyError);
    await expect(refused).rejects.toThrow(reason);
  });
});

describe('verifyClientAssertion', () => {
  let ed: Awaited<ReturnType<typeof pair>>;
  let ec: Awaited<ReturnType<typeof pair>>;
  let keys: Record<string, string>[];
  beforeAll(async () => {
    ed = await pair('EdDSA');
    ec = await pair('ES256');
    keys = [(await acceptClientPublicKey({ ...ed.publicJwk, kid: 'ed' })).jwk, (await acceptClientPublicKey({ ...ec.publicJwk, kid: 'ec' })).jwk];
  });

  const sign = (
    key: CryptoKey,
    alg: string,
    kid: string | undefined,
    claims: { iss?: string; sub?: string; aud?: string; exp?: number; iat?: number; jti?: string | null } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const jti = claims.jti === undefined ? randomUUID() : claims.jti;
    return new SignJWT(jti === null ? {} : { jti })
      .setProtectedHeader(kid ? { alg, kid } : { alg })
      .setIssuer(claims.iss ?? 'c1')
      .setSubject(claims.sub ?? 'c1')
      .setAudience(claims.aud ?? RULES.audiences[0])
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 60)
      .sign(key);
  };

  it('accepts an assertion signed by any registered key, with or without kid, and returns its jti and expiry', async () => {
    const jti = randomUUID();
    const verified = await verifyClientAssertion(await sign(ed.privateKey, 'EdDSA', 'ed', { jti }), 'c1', keys, RULES);
    expect(verified).toEqual({ jti, expiresAt: expect.any(Number) as number });
    await expect(verifyClientAssertion(await sign(ec.privateKey, 'ES256', undefined), 'c1', keys, RULES)).resolves.toBeDefined();
    await expect(verifyClientAssertion(await sign(ec.privateKey, 'ES256', 'ec', { aud: 'drehscheibe' }), 'c1', keys, RULES)).resolves.toBeDefined();
  });

  it.each([
    ['signed with another key', async () => sign((await pair('EdDSA')).privateKey, 'EdDSA', 'ed'), /not signed with a key registered/],
    ['signed with another key that claims no kid', async () => sign((await pair('ES256')).privateKey, 'ES256', undefined), /not signed with a key registered/],
    ['for another audience', () => sign(ed.privateKey, 'EdDSA', 'ed', { aud: 'https://other.example/token' }), /aud must name/],
    ['from another client', () => sign(ed.privateKey, 'EdDSA', 'ed', { iss: 'c2', sub: 'c2' }), /iss and sub/],
    ['expired', () => sign(ed.privateKey, 'EdDSA', 'ed', { iat: Math.floor(Date.now() / 1000) - 200, exp: Math.floor(Date.now() / 1000) - 100 }), /expired/],
    ['valid for an hour', () => sign(ed.privateKey, 'EdDSA', 'ed', { exp: Math.floor(Date.now() / 1000) + 3600 }), /within 300 s/],
    ['issued long ago, expiring soon', () => sign(ed.privateKey, 'EdDSA', 'ed', { iat: Math.floor(Date.now() / 1000) - 3000 }), /within 300 s/],
    ['without jti', () => sign(ed.privateKey, 'EdDSA', 'ed', { jti: null }), /jti/],
    ['not a JWT', () => Promise.resolve('not-a-jwt'), /not a JWT/],
  ])('refuses an assertion %s', async (_what, make, reason) => {
    const refused = verifyClientAssertion(await make(), 'c1', keys, RULES);
    await expect(refused).rejects.toBeInstanceOf(InvalidClientAssertionError);
    await expect(refused).rejects.toThrow(reason);
  });

  it('refuses the none and HMAC algorithms before looking at a key', async () => {
    const hs = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('c1')
      .setSubject('c1')
      .setAudience('drehscheibe')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('a'.repeat(32)));
    await expect(verifyClientAssertion(hs, 'c1', keys, RULES)).rejects.toThrow(/must be signed with/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"c1","sub":"c1","aud":"drehscheibe","jti":"x","exp":9999999999}').toString('base64url')}.`;
    await expect(verifyClientAssertion(none, 'c1', keys, RULES)).rejects.toThrow(/must be signed with/);
  });
});
