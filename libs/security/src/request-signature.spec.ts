import { createHash, createHmac, randomUUID } from 'node:crypto';
import { exportJWK, FlattenedSign, flattenedVerify, generateKeyPair, type CryptoKey } from 'jose';
import { REQUEST_SIGNATURE_TYPE, RequestSignatureError, RequestSignatureVerifier, type SignedRequest } from '@drehscheibe/security';

const NOW = 1_800_000_000;
const PATH = '/v1/tickets/0190c0de-0000-7000-8000-000000000001/comments';
const BODY = Buffer.from('{"text":"Bitte um Rückruf"}');

async function pair(alg: 'EdDSA' | 'ES256' | 'RS256' | 'PS256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: { ...(await exportJWK(publicKey)), kid: `k-${alg}` } as unknown as Record<string, string>, privateKey };
}

/** A detached-payload JWS as a participant makes it, with jose only. */
async function sign(privateKey: CryptoKey, header: Record<string, unknown>, body: Buffer = BODY): Promise<string> {
  const signed = await new FlattenedSign(body).setProtectedHeader(header).sign(privateKey);
  return `${signed.protected}..${signed.signature}`;
}

function setup(keys: Record<string, string>[]) {
  const seen = new Set<string>();
  const verifier = new RequestSignatureVerifier({
    maxSkewSeconds: 300,
    now: () => NOW * 1000,
    replay: (clientId, jti) => Promise.resolve(!seen.has(`${clientId}:${jti}`) && Boolean(seen.add(`${clientId}:${jti}`))),
  });
  const request = (signature: string, over: Partial<SignedRequest> = {}): SignedRequest => ({
    signature,
    body: BODY,
    method: 'POST',
    pathAndQuery: PATH,
    clientId: 'mila-client',
    key: (kid) => Promise.resolve(keys.find((k) => k.kid === kid) ?? null),
    ...over,
  });
  return { verifier, request };
}

const header = (alg: string, over: Record<string, unknown> = {}) => ({
  alg,
  kid: `k-${alg}`,
  typ: REQUEST_SIGNATURE_TYPE,
  iat: NOW,
  jti: randomUUID(),
  htm: 'POST',
  htu: PATH,
  ...over,
});

async function refusal(promise: Promise<unknown>): Promise<RequestSignatureError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestSignatureError);
  return error as RequestSignatureError;
}

describe('RequestSignatureVerifier', () => {
  it.each(['EdDSA', 'ES256', 'RS256', 'PS256'] as const)('accepts a %s signature over the exact body and returns the proof', async (alg) => {
    const { publicJwk, privateKey } = await pair(alg);
    const { verifier, request } = setup([publicJwk]);
    const jws = await sign(privateKey, header(alg));
    const verified = await verifier.verify(request(jws));
    expect(verified.proof).toEqual({ kid: `k-${alg}`, alg, jws, bodySha256: createHash('sha256').update(BODY).digest('hex') });
    // The proof stands on its own: jose verifies it with the public key and the body, without the hub.
    const [protectedHeader, , signature] = verified.proof.jws.split('.');
    await expect(flattenedVerify({ protected: protectedHeader, payload: BODY.toString('base64url'), signature }, publicJwk)).resolves.toBeDefined();
  });

  it('accepts a signature over an empty body (a write without one)', async () => {
    const { publicJwk, privateKey } = await pair('EdDSA');
    const { verifier, request } = setup([publicJwk]);
    const jws = await sign(privateKey, header('EdDSA'), Buffer.alloc(0));
    await expect(verifier.verify(request(jws, { body: Buffer.alloc(0) }))).resolves.toMatchObject({ proof: { kid: 'k-EdDSA' } });
  });

  it('refuses the same signature twice (jti), as signature-replayed', async () => {
    const { publicJwk, privateKey } = await pair('EdDSA');
    const { verifier, request } = setup([publicJwk]);
    const jws = await sign(privateKey, header('EdDSA'));
    await verifier.verify(request(jws));
    expect((await refusal(verifier.verify(request(jws)))).code).toBe('signature-replayed');
  });

  it.each<[string, (jws: string) => Partial<SignedRequest>, RegExp]>([
    ['a body changed by one byte', () => ({ body: Buffer.from(BODY.toString().replace('R', 'r')) }), /does not verify/],
    ['another path', () => ({ pathAndQuery: PATH.replace('comments', 'status') }), /htu/],
    ['a query added', () => ({ pathAndQuery: `${PATH}?x=1` }), /htu/],
    ['another method', () => ({ method: 'PUT' }), /htm/],
    ['an attached payload', (jws) => ({ signature: jws.replace('..', `.${BODY.toString('base64url')}.`) }), /detached/],
    ['no JWS at all', () => ({ signature: 'Bearer abc' }), /compact JWS/],
  ])('refuses %s as signature-invalid', async (_what, change, reason) => {
    const { publicJwk, privateKey } = await pair('EdDSA');
    const { verifier, request } = setup([publicJwk]);
    const jws = await sign(privateKey, header('EdDSA'));
    const error = await refusal(verifier.verify(request(jws, change(jws))));
    expect(error.code).toBe('signature-invalid');
    expect(error.message).toMatch(reason);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an iat older than the window', { iat: NOW - 301 }, /iat/],
    ['an iat too far ahead', { iat: NOW + 301 }, /iat/],
    ['no jti', { jti: undefined }, /jti/],
    ['another typ', { typ: 'JWT' }, /typ/],
    ['an unknown kid', { kid: 'someone-else' }, /not a key registered/],
    ['crit and b64', { crit: ['b64'], b64: false }, /does not accept: crit, b64/],
    ['an embedded jwk', { jwk: { kty: 'OKP' } }, /jwk/],
  ])('refuses %s', async (_what, over, reason) => {
    const { publicJwk, privateKey } = await pair('EdDSA');
    const { verifier, request } = setup([publicJwk]);
    const jws = await sign(privateKey, header('EdDSA', over));
    const error = await refusal(verifier.verify(request(jws)));
    expect(error.code).toBe('signature-invalid');
    expect(error.message).toMatch(reason);
  });

  it('refuses a signature by another key under the registered kid', async () => {
    const registered = await pair('EdDSA');
    const other = await pair('EdDSA');
    const { verifier, request } = setup([registered.publicJwk]);
    const error = await refusal(verifier.verify(request(await sign(other.privateKey, header('EdDSA')))));
    expect(error.message).toMatch(/does not verify/);
  });

  it('refuses an algorithm the key does not sign with', async () => {
    const ec = await pair('ES256');
    const ed = await pair('EdDSA');
    const { verifier, request } = setup([ec.publicJwk]);
    const error = await refusal(verifier.verify(request(await sign(ed.privateKey, header('EdDSA', { kid: 'k-ES256' })))));
    expect(error.message).toMatch(/does not sign with EdDSA/);
  });

  it.each(['none', 'HS256'])('refuses alg %s', async (alg) => {
    const { publicJwk } = await pair('EdDSA');
    const { verifier, request } = setup([publicJwk]);
    const protectedHeader = Buffer.from(JSON.stringify(header(alg, { kid: 'k-EdDSA' }))).toString('base64url');
    // HS256 keyed with the public key's bytes: the classic confusion attack.
    const signature =
      alg === 'none'
        ? ''
        : createHmac('sha256', publicJwk.x)
            .update(`${protectedHeader}.${BODY.toString('base64url')}`)
            .digest('base64url');
    const error = await refusal(verifier.verify(request(`${protectedHeader}..${signature || 'AA'}`)));
    expect(error.code).toBe('signature-invalid');
    expect(error.message).toMatch(/alg must be one of/);
  });
});
