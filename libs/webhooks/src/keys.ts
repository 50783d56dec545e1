import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

// DER prefixes that wrap a raw 32-byte Ed25519 key as PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Buffer.from(…, 'base64') silently skips bad characters; a typo must not become a different (or empty) key.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

// Standard Webhooks: symmetric secrets are 24..64 random bytes.
const HMAC_MIN_BYTES = 24;
const HMAC_MAX_BYTES = 64;

/** Decodes `<prefix><base64>`; messages never echo the key itself. */
function decodePrefixed(value: unknown, prefix: string, what: string): Buffer {
  if (typeof value !== 'string' || !value.startsWith(prefix)) throw new TypeError(`${what} must be a string starting with ${prefix}`);
  const text = value.slice(prefix.length);
  if (!BASE64.test(text)) throw new TypeError(`${what} must be ${prefix} followed by base64`);
  return Buffer.from(text, 'base64');
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');
}

function rawSeed(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).d as string, 'base64url');
}

function assertEd25519(key: KeyObject, type: 'private' | 'public' | 'any', what: string): void {
  if (key.asymmetricKeyType !== 'ed25519' || (type !== 'any' && key.type !== type)) {
    throw new TypeError(`${what} must be an Ed25519 ${type === 'any' ? '' : `${type} `}key`);
  }
}

/**
 * `whsk_<base64>`: the 32-byte seed (our format), a 64-byte seed‖public key
 * (libsodium/tweetnacl export) or PKCS#8 DER.
 */
export function ed25519PrivateKey(secretKey: string | KeyObject): KeyObject {
  if (typeof secretKey !== 'string') {
    assertEd25519(secretKey, 'private', 'the webhook signing key');
    return secretKey;
  }
  const bytes = decodePrefixed(secretKey, 'whsk_', 'an Ed25519 secret key');
  const der = bytes.length === 32 || bytes.length === 64 ? Buffer.concat([PKCS8_PREFIX, bytes.subarray(0, 32)]) : bytes;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new TypeError('an Ed25519 secret key must hold a 32-byte seed, 64-byte seed and public key, or PKCS#8 DER');
  }
  assertEd25519(key, 'private', 'an Ed25519 secret key');
  // A 64-byte key whose halves disagree is corrupt; signing with it would yield signatures nobody can verify.
  if (bytes.length === 64 && !rawPublic(key).equals(bytes.subarray(32)))
    throw new TypeError('an Ed25519 secret key holds a public half that does not match its seed');
  return key;
}

/** `whpk_<base64>`: the 32-byte public key, or SPKI DER. A private KeyObject is reduced to its public half. */
export function ed25519PublicKey(publicKey: string | KeyObject): KeyObject {
  if (typeof publicKey !== 'string') {
    assertEd25519(publicKey, 'any', 'a webhook verification key');
    return publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  }
  const bytes = decodePrefixed(publicKey, 'whpk_', 'an Ed25519 public key');
  const der = bytes.length === 32 ? Buffer.concat([SPKI_PREFIX, bytes]) : bytes;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new TypeError('an Ed25519 public key must hold 32 bytes or SPKI DER');
  }
  assertEd25519(key, 'public', 'an Ed25519 public key');
  return key;
}

export function generateEd25519KeyPair(): { secretKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { secretKey: `whsk_${rawSeed(privateKey).toString('base64')}`, publicKey: `whpk_${rawPublic(privateKey).toString('base64')}` };
}

export function ed25519PublicKeyFromSecret(secretKey: string): string {
  return `whpk_${rawPublic(ed25519PrivateKey(secretKey)).toString('base64')}`;
}

export function generateHmacSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The raw HMAC key of a `whsec_` secret. */
export function hmacKey(secret: string): Buffer {
  const key = decodePrefixed(secret, 'whsec_', 'a webhook secret');
  if (key.length < HMAC_MIN_BYTES || key.length > HMAC_MAX_BYTES)
    throw new TypeError(`a webhook secret must hold ${HMAC_MIN_BYTES} to ${HMAC_MAX_BYTES} bytes`);
  return key;
}

export function hmacSha256(key: Buffer, content: Buffer): Buffer {
  return createHmac('sha256', key).update(content).digest();
}

export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
}

/** The one place an Ed25519 public key (`whpk_…`, or a KeyObject) becomes a JWK: the hub's JWKS and receivers' tools alike. */
export function publicKeyToJwk(publicKey: string | KeyObject, kid: string): Ed25519Jwk {
  if (typeof kid !== 'string' || kid === '') throw new TypeError('a JWK needs a kid');
  return { kty: 'OKP', crv: 'Ed25519', x: rawPublic(ed25519PublicKey(publicKey)).toString('base64url'), kid, use: 'sig', alg: 'EdDSA' };
}

/** For receivers that take the hub's keys from its JWKS. */
export function jwkToPublicKey(jwk: { kty?: string; crv?: string; x?: string }): string {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new TypeError('not an Ed25519 JWK');
  const x = typeof jwk.x === 'string' && BASE64URL.test(jwk.x) ? Buffer.from(jwk.x, 'base64url') : undefined;
  if (!x || x.length !== 32) throw new TypeError('an Ed25519 JWK needs x: 32 bytes in base64url');
  return `whpk_${x.toString('base64')}`;
}
