import {
  ed25519PublicKeyFromSecret,
  ed25519Signer,
  generateEd25519KeyPair,
  hmacSigner,
  jwkToPublicKey,
  publicKeyToJwk,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
  type VerificationFailure,
} from '@drehscheibe/webhooks';

function reason(fn: () => unknown): VerificationFailure {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WebhookVerificationError);
    return (e as WebhookVerificationError).reason;
  }
  throw new Error('expected verification to fail');
}

describe('Standard Webhooks', () => {
  it('matches the specification test vector for v1 (HMAC-SHA256)', () => {
    const headers = signWebhook({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      signers: [hmacSigner('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')],
    });
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(verifyWebhook(headers, '{"test": 2432232314}', { hmacSecrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }, { now: 1614265330 })).toEqual({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      version: 'v1',
    });
  });

  it('round-trips v1a (Ed25519) and rejects tampering, a wrong key and a wrong id', () => {
    const pair = generateEd25519KeyPair();
    const now = 1_800_000_000;
    const headers = signWebhook({ id: 'd1', timestamp: now, body: '{"a":1}', signers: [ed25519Signer(pair.secretKey)] });
    expect(headers['webhook-signature']).toMatch(/^v1a,/);
    expect(verifyWebhook(headers, '{"a":1}', { ed25519PublicKeys: [pair.publicKey] }, { now }).version).toBe('v1a');
    expect(reason(() => verifyWebhook(headers, '{"a":2}', { ed25519PublicKeys: [pair.publicKey] }, { now }))).toBe('no_matching_signature');
    const other = generateEd25519KeyPair();
    expect(reason(() => verifyWebhook(headers, '{"a":1}', { ed25519PublicKeys: [other.publicKey] }, { now }))).toBe('no_matching_signature');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-id': 'd2' }, '{"a":1}', { ed25519PublicKeys: [pair.publicKey] }, { now }))).toBe('no_matching_signature');
  });

  it('refuses stale and future timestamps', () => {
    const pair = generateEd25519KeyPair();
    const headers = signWebhook({ id: 'd1', timestamp: 1000, body: 'x', signers: [ed25519Signer(pair.secretKey)] });
    const keys = { ed25519PublicKeys: [pair.publicKey] };
    expect(reason(() => verifyWebhook(headers, 'x', keys, { now: 1000 + 301 }))).toBe('timestamp_too_old');
    expect(reason(() => verifyWebhook(headers, 'x', keys, { now: 1000 - 301 }))).toBe('timestamp_too_new');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-timestamp': 'soon' }, 'x', keys, { now: 1000 }))).toBe('invalid_timestamp');
  });

  it('accepts any of several signatures, so keys can rotate', () => {
    const old = generateEd25519KeyPair();
    const next = generateEd25519KeyPair();
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(old.secretKey), ed25519Signer(next.secretKey)] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(headers, 'x', { ed25519PublicKeys: [next.publicKey] }, { now: 5 }).version).toBe('v1a');
  });

  it('reads headers case-insensitively and names missing ones', () => {
    const pair = generateEd25519KeyPair();
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(pair.secretKey)] });
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(upper, 'x', { ed25519PublicKeys: [pair.publicKey] }, { now: 5 }).id).toBe('d1');
    expect(reason(() => verifyWebhook({ 'webhook-id': 'd1' }, 'x', {}, { now: 5 }))).toBe('missing_headers');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-signature': 'garbage' }, 'x', {}, { now: 5 }))).toBe('malformed_signature');
  });

  it('derives the public key from the secret and round-trips it through a JWK', () => {
    const pair = generateEd25519KeyPair();
    expect(ed25519PublicKeyFromSecret(pair.secretKey)).toBe(pair.publicKey);
    const jwk = publicKeyToJwk(pair.publicKey, 'k1');
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: 'k1' });
    expect(jwkToPublicKey(jwk)).toBe(pair.publicKey);
  });
});
