import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  ed25519PublicKeyFromSecret,
  ed25519Signer,
  generateEd25519KeyPair,
  generateHmacSecret,
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

// The official test vector from the Standard Webhooks repository.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks: v1 (HMAC-SHA256)', () => {
  it('matches the specification test vector, in both directions', () => {
    const headers = signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, signers: [hmacSigner(VECTOR.secret)] });
    expect(headers).toEqual({ 'webhook-id': VECTOR.id, 'webhook-timestamp': '1614265330', 'webhook-signature': VECTOR.signature });
    const external = { 'webhook-id': VECTOR.id, 'webhook-timestamp': '1614265330', 'webhook-signature': VECTOR.signature };
    expect(verifyWebhook(external, VECTOR.body, { hmacSecrets: [VECTOR.secret] }, { now: VECTOR.timestamp })).toEqual({
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
      version: 'v1',
    });
  });

  it('signs the exact bytes: a Buffer body gives the same signature, one changed byte does not verify', () => {
    const headers = signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: Buffer.from(VECTOR.body), signers: [hmacSigner(VECTOR.secret)] });
    expect(headers['webhook-signature']).toBe(VECTOR.signature);
    const keys = { hmacSecrets: [VECTOR.secret] };
    const now = VECTOR.timestamp;
    expect(reason(() => verifyWebhook(headers, '{"test":2432232314}', keys, { now }))).toBe('no_matching_signature');
    expect(reason(() => verifyWebhook(headers, VECTOR.body, { hmacSecrets: [generateHmacSecret()] }, { now }))).toBe('no_matching_signature');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-id': 'msg_other' }, VECTOR.body, keys, { now }))).toBe('no_matching_signature');
  });

  it('verifies a rotated secret when only the new one is known', () => {
    const old = generateHmacSecret();
    const next = generateHmacSecret();
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [hmacSigner(old), hmacSigner(next)] });
    expect(verifyWebhook(headers, 'x', { hmacSecrets: [next] }, { now: 5 }).version).toBe('v1');
    expect(verifyWebhook(headers, 'x', { hmacSecrets: [generateHmacSecret(), old] }, { now: 5 }).version).toBe('v1');
  });

  it('generates secrets of the spec length and refuses weak or garbled ones', () => {
    const secret = generateHmacSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(generateHmacSecret()).not.toBe(secret);
    expect(() => hmacSigner('whsec_')).toThrow(TypeError);
    expect(() => hmacSigner(`whsec_${Buffer.alloc(16, 1).toString('base64')}`)).toThrow(/24 to 64 bytes/);
    expect(() => hmacSigner('whsec_not base64!!')).toThrow(TypeError);
    expect(() => hmacSigner(VECTOR.secret.slice(6))).toThrow(/whsec_/);
    // A bad receiver configuration is not the sender's fault: it is not a WebhookVerificationError.
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [hmacSigner(secret)] });
    expect(() => verifyWebhook(headers, 'x', { hmacSecrets: ['whsec_'] }, { now: 5 })).toThrow(TypeError);
  });
});

describe('Standard Webhooks: v1a (Ed25519)', () => {
  it('round-trips and rejects a tampered body, a wrong key and a wrong id', () => {
    const pair = generateEd25519KeyPair();
    const now = 1_800_000_000;
    const headers = signWebhook({ id: 'd1', timestamp: now, body: '{"a":1}', signers: [ed25519Signer(pair.secretKey)] });
    expect(headers['webhook-signature']).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(verifyWebhook(headers, '{"a":1}', { ed25519PublicKeys: [pair.publicKey] }, { now })).toEqual({ id: 'd1', timestamp: now, version: 'v1a' });
    expect(verifyWebhook(headers, Buffer.from('{"a":1}'), { ed25519PublicKeys: [pair.publicKey] }, { now }).version).toBe('v1a');
    expect(reason(() => verifyWebhook(headers, '{"a":2}', { ed25519PublicKeys: [pair.publicKey] }, { now }))).toBe('no_matching_signature');
    const other = generateEd25519KeyPair();
    expect(reason(() => verifyWebhook(headers, '{"a":1}', { ed25519PublicKeys: [other.publicKey] }, { now }))).toBe('no_matching_signature');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-id': 'd2' }, '{"a":1}', { ed25519PublicKeys: [pair.publicKey] }, { now }))).toBe(
      'no_matching_signature',
    );
    // The timestamp is signed too: moving it within the tolerance still breaks the signature.
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-timestamp': String(now + 1) }, '{"a":1}', { ed25519PublicKeys: [pair.publicKey] }, { now }))).toBe(
      'no_matching_signature',
    );
    // A v1a signature is never checked as HMAC, and vice versa.
    expect(reason(() => verifyWebhook(headers, '{"a":1}', { hmacSecrets: [generateHmacSecret()] }, { now }))).toBe('no_matching_signature');
  });

  it('verifies a rotated key when only the new public key is known', () => {
    const old = generateEd25519KeyPair();
    const next = generateEd25519KeyPair();
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(old.secretKey), ed25519Signer(next.secretKey)] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(headers, 'x', { ed25519PublicKeys: [next.publicKey] }, { now: 5 }).version).toBe('v1a');
    expect(reason(() => verifyWebhook(headers, 'x', { ed25519PublicKeys: [generateEd25519KeyPair().publicKey] }, { now: 5 }))).toBe('no_matching_signature');
  });

  it('reports the version that matched when v1 and v1a are sent together', () => {
    const pair = generateEd25519KeyPair();
    const secret = generateHmacSecret();
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [hmacSigner(secret), ed25519Signer(pair.secretKey)] });
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1a,\S+$/);
    expect(verifyWebhook(headers, 'x', { ed25519PublicKeys: [pair.publicKey] }, { now: 5 }).version).toBe('v1a');
    expect(verifyWebhook(headers, 'x', { hmacSecrets: [secret] }, { now: 5 }).version).toBe('v1');
  });

  it('derives the public key from the secret, and keeps keys to 32 raw bytes', () => {
    const pair = generateEd25519KeyPair();
    expect(pair.secretKey).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/);
    expect(pair.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(ed25519PublicKeyFromSecret(pair.secretKey)).toBe(pair.publicKey);
    expect(ed25519PublicKeyFromSecret(generateEd25519KeyPair().secretKey)).not.toBe(pair.publicKey);
  });

  it('accepts KeyObjects, PKCS#8/SPKI DER and 64-byte seed‖public secret keys', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pkcs8 = `whsk_${privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}`;
    const spki = `whpk_${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
    const jwk = privateKey.export({ format: 'jwk' });
    const seedAndPublic = `whsk_${Buffer.concat([Buffer.from(jwk.d as string, 'base64url'), Buffer.from(jwk.x as string, 'base64url')]).toString('base64')}`;
    const verifiers: (string | KeyObject)[] = [publicKey, spki, ed25519PublicKeyFromSecret(pkcs8)];
    for (const signingKey of [privateKey, pkcs8, seedAndPublic]) {
      const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(signingKey)] });
      for (const verifyingKey of verifiers) {
        expect(verifyWebhook(headers, 'x', { ed25519PublicKeys: [verifyingKey] }, { now: 5 }).version).toBe('v1a');
      }
    }
  });

  it('refuses keys of the wrong kind or shape', () => {
    const pair = generateEd25519KeyPair();
    const { publicKey: rsaPublic, privateKey: rsaPrivate } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() =>
      ed25519Signer(
        createPublicKey(
          createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 1)]), format: 'der', type: 'pkcs8' }),
        ),
      ),
    ).toThrow(/private/);
    expect(() => ed25519Signer(rsaPrivate)).toThrow(/Ed25519/);
    expect(() => ed25519Signer(pair.publicKey)).toThrow(/whsk_/);
    expect(() => ed25519Signer(`whsk_${Buffer.alloc(31, 1).toString('base64')}`)).toThrow(TypeError);
    // Seed of one key, public half of another: signatures would never verify.
    const mismatched = Buffer.concat([Buffer.from(pair.secretKey.slice(5), 'base64'), Buffer.from(generateEd25519KeyPair().publicKey.slice(5), 'base64')]);
    expect(() => ed25519Signer(`whsk_${mismatched.toString('base64')}`)).toThrow(/does not match/);
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(pair.secretKey)] });
    expect(() => verifyWebhook(headers, 'x', { ed25519PublicKeys: [rsaPublic] }, { now: 5 })).toThrow(TypeError);
    expect(() => verifyWebhook(headers, 'x', { ed25519PublicKeys: [pair.secretKey] }, { now: 5 })).toThrow(/whpk_/);
  });
});

describe('Standard Webhooks: timestamps', () => {
  const pair = generateEd25519KeyPair();
  const keys = { ed25519PublicKeys: [pair.publicKey] };
  const headers = signWebhook({ id: 'd1', timestamp: 1000, body: 'x', signers: [ed25519Signer(pair.secretKey)] });

  it('accepts up to the tolerance (300 s by default) and no further, either way', () => {
    expect(verifyWebhook(headers, 'x', keys, { now: 1300 }).timestamp).toBe(1000);
    expect(verifyWebhook(headers, 'x', keys, { now: 700 }).timestamp).toBe(1000);
    expect(reason(() => verifyWebhook(headers, 'x', keys, { now: 1301 }))).toBe('timestamp_too_old');
    expect(reason(() => verifyWebhook(headers, 'x', keys, { now: 699 }))).toBe('timestamp_too_new');
    expect(reason(() => verifyWebhook(headers, 'x', keys, { now: 1031, toleranceSeconds: 30 }))).toBe('timestamp_too_old');
    expect(verifyWebhook(headers, 'x', keys, { now: 4000, toleranceSeconds: 3600 }).id).toBe('d1');
    expect(() => verifyWebhook(headers, 'x', keys, { now: 1000, toleranceSeconds: -1 })).toThrow(RangeError);
  });

  it('checks the timestamp against the clock when no time is given', () => {
    expect(reason(() => verifyWebhook(headers, 'x', keys))).toBe('timestamp_too_old');
    const fresh = signWebhook({ id: 'd1', timestamp: Math.floor(Date.now() / 1000), body: 'x', signers: [ed25519Signer(pair.secretKey)] });
    expect(verifyWebhook(fresh, 'x', keys).version).toBe('v1a');
  });

  it('refuses timestamps that are not whole Unix seconds', () => {
    for (const bad of ['soon', '1000.5', '-1000', '1e3', '0x3e8', '2026-01-01T00:00:00Z']) {
      expect(reason(() => verifyWebhook({ ...headers, 'webhook-timestamp': bad }, 'x', keys, { now: 1000 }))).toBe('invalid_timestamp');
    }
  });

  it('refuses to sign with milliseconds or fractional seconds', () => {
    const signers = [ed25519Signer(pair.secretKey)];
    expect(() => signWebhook({ id: 'd1', timestamp: Date.now(), body: 'x', signers })).toThrow(/Unix seconds/);
    expect(() => signWebhook({ id: 'd1', timestamp: 1000.5, body: 'x', signers })).toThrow(/Unix seconds/);
  });
});

describe('Standard Webhooks: headers', () => {
  const pair = generateEd25519KeyPair();
  const keys = { ed25519PublicKeys: [pair.publicKey] };
  const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(pair.secretKey)] });

  it('looks headers up case-insensitively', () => {
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(upper, 'x', keys, { now: 5 }).id).toBe('d1');
    const title = { 'Webhook-Id': headers['webhook-id'], 'Webhook-Timestamp': headers['webhook-timestamp'], 'Webhook-Signature': headers['webhook-signature'] };
    expect(verifyWebhook(title, 'x', keys, { now: 5 }).id).toBe('d1');
  });

  it('names missing or empty headers', () => {
    expect(reason(() => verifyWebhook({}, 'x', keys, { now: 5 }))).toBe('missing_headers');
    expect(reason(() => verifyWebhook({ 'webhook-id': 'd1' }, 'x', keys, { now: 5 }))).toBe('missing_headers');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-signature': undefined }, 'x', keys, { now: 5 }))).toBe('missing_headers');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-id': '' }, 'x', keys, { now: 5 }))).toBe('missing_headers');
  });

  it('tells malformed signature lists from ones that merely do not match', () => {
    for (const bad of ['garbage', 'v1a', ',abc=', 'v1a,@@@@', 'v1,abc!']) {
      expect(reason(() => verifyWebhook({ ...headers, 'webhook-signature': bad }, 'x', keys, { now: 5 }))).toBe('malformed_signature');
    }
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-signature': 'v1a,AAAA' }, 'x', keys, { now: 5 }))).toBe('no_matching_signature');
    expect(reason(() => verifyWebhook({ ...headers, 'webhook-signature': `v2,${headers['webhook-signature'].slice(4)}` }, 'x', keys, { now: 5 }))).toBe(
      'no_matching_signature',
    );
  });

  it('skips unknown versions and junk entries when a good signature follows', () => {
    const list = `v9,AAAA garbage  v1a,@@ ${headers['webhook-signature']}`;
    expect(verifyWebhook({ ...headers, 'webhook-signature': list }, 'x', keys, { now: 5 }).version).toBe('v1a');
  });

  it('reads repeated headers given as arrays', () => {
    const other = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(generateEd25519KeyPair().secretKey)] });
    const repeated = { 'webhook-id': ['d1'], 'webhook-timestamp': ['5'], 'webhook-signature': [other['webhook-signature'], headers['webhook-signature']] };
    expect(verifyWebhook(repeated, 'x', keys, { now: 5 }).id).toBe('d1');
  });

  it('refuses to sign ids that would make the signed content ambiguous', () => {
    const signers = [ed25519Signer(pair.secretKey)];
    expect(() => signWebhook({ id: 'msg.1', timestamp: 5, body: 'x', signers })).toThrow(/dots/);
    expect(() => signWebhook({ id: '', timestamp: 5, body: 'x', signers })).toThrow(TypeError);
    expect(() => signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [] })).toThrow(/signer/);
  });
});

describe('Standard Webhooks: JWK', () => {
  it('round-trips a public key through a JWK that node:crypto reads as the same key', () => {
    const pair = generateEd25519KeyPair();
    const jwk = publicKeyToJwk(pair.publicKey, 'k1');
    expect(jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as string, kid: 'k1', use: 'sig', alg: 'EdDSA' });
    expect(jwkToPublicKey(jwk)).toBe(pair.publicKey);
    // Keys served from a JWKS verify deliveries signed with the matching secret.
    const fromJwks = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
    const headers = signWebhook({ id: 'd1', timestamp: 5, body: 'x', signers: [ed25519Signer(pair.secretKey)] });
    expect(verifyWebhook(headers, 'x', { ed25519PublicKeys: [fromJwks] }, { now: 5 }).version).toBe('v1a');
    expect(verifyWebhook(headers, 'x', { ed25519PublicKeys: [jwkToPublicKey(jwk)] }, { now: 5 }).version).toBe('v1a');
  });

  it('refuses JWKs that are not 32-byte Ed25519 public keys', () => {
    const x = Buffer.alloc(32, 9).toString('base64url');
    expect(() => jwkToPublicKey({ kty: 'EC', crv: 'P-256', x })).toThrow(/Ed25519/);
    expect(() => jwkToPublicKey({ kty: 'OKP', crv: 'X25519', x })).toThrow(/Ed25519/);
    expect(() => jwkToPublicKey({ kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(31).toString('base64url') })).toThrow(/32 bytes/);
    expect(() => jwkToPublicKey({ kty: 'OKP', crv: 'Ed25519', x: `${x}=` })).toThrow(/base64url/);
    expect(() => publicKeyToJwk(generateEd25519KeyPair().publicKey, '')).toThrow(/kid/);
  });
});
