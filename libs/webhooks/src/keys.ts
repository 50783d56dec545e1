import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

// DER prefixes that wrap a raw 32-byte Ed25519 key as PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function strip(value: string, prefix: string): Buffer {
  if (!value.startsWith(prefix)) throw new Error(`expected a key starting with ${prefix}`);
  return Buffer.from(value.slice(prefix.length), 'base64');
}

/** `whsk_<base64>`: a raw 32-byte seed, or a PKCS#8 DER key. */
export function ed25519PrivateKey(secretKey: string | KeyObject): KeyObject {
  if (typeof secretKey !== 'string') return secretKey;
  const bytes = strip(secretKey, 'whsk_');
  const der = bytes.length === 32 ? Buffer.concat([PKCS8_PREFIX, bytes]) : bytes;
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** `whpk_<base64>`: a raw 32-byte public key, or an SPKI DER key. */
export function ed25519PublicKey(publicKey: string | KeyObject): KeyObject {
  if (typeof publicKey !== 'string') return publicKey;
  const bytes = strip(publicKey, 'whpk_');
  const der = bytes.length === 32 ? Buffer.concat([SPKI_PREFIX, bytes]) : bytes;
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

function rawPublic(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

export function generateEd25519KeyPair(): { secretKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return { secretKey: `whsk_${seed.toString('base64')}`, publicKey: `whpk_${rawPublic(publicKey).toString('base64')}` };
}

export function ed25519PublicKeyFromSecret(secretKey: string): string {
  return `whpk_${rawPublic(createPublicKey(ed25519PrivateKey(secretKey))).toString('base64')}`;
}

export function generateHmacSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function hmacKey(secret: string): Buffer {
  return strip(secret, 'whsec_');
}

export function hmacSha256(secret: string, content: Buffer): Buffer {
  return createHmac('sha256', hmacKey(secret)).update(content).digest();
}

export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
}

export function publicKeyToJwk(publicKey: string, kid: string): Ed25519Jwk {
  return { kty: 'OKP', crv: 'Ed25519', x: rawPublic(ed25519PublicKey(publicKey)).toString('base64url'), kid, use: 'sig', alg: 'EdDSA' };
}

/** For receivers that take the hub's keys from its JWKS. */
export function jwkToPublicKey(jwk: { kty: string; crv?: string; x?: string }): string {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('not an Ed25519 JWK');
  return `whpk_${Buffer.from(jwk.x, 'base64url').toString('base64')}`;
}
