import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { HEX256, sha256, type Hex256 } from './hashes.js';

/** What a checkpoint states, signed by the hub: every ticket's chain head at one moment, as a Merkle root. */
export interface CheckpointClaims {
  iss: string;
  /** 1, 2, 3, … without gaps. */
  seq: number;
  /** ISO 8601 instant the heads were read. */
  createdAt: string;
  /** Number of tickets (leaves). */
  treeSize: number;
  root: Hex256;
  /** `checkpointHash` of the previous checkpoint; null for the first. */
  previous: Hex256 | null;
}

/** A public key as the hub's JWKS publishes it (OKP Ed25519). */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
}

const TYP = 'checkpoint+jws';
const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A compact JWS (RFC 7515, EdDSA) over the claims. */
export function signCheckpoint(claims: CheckpointClaims, key: { privateKey: KeyObject; kid: string }): string {
  const input = `${b64url(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ: TYP }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** What links a checkpoint to the next one: SHA-256 of its JWS. */
export function checkpointHash(jws: string): Hex256 {
  return sha256(jws).toString('hex');
}

export class CheckpointSignatureError extends Error {}

/**
 * The claims of a checkpoint JWS whose EdDSA signature verifies with the key
 * of `keys` its header names; throws CheckpointSignatureError otherwise.
 */
export function verifyCheckpoint(jws: string, keys: readonly PublicJwk[]): CheckpointClaims {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new CheckpointSignatureError('not a compact JWS');
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  let claims: CheckpointClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as CheckpointClaims;
  } catch {
    throw new CheckpointSignatureError('header or claims are not JSON');
  }
  if (header.alg !== 'EdDSA' || header.typ !== TYP) throw new CheckpointSignatureError('not an EdDSA checkpoint');
  const jwk = keys.find((k) => k.kid === header.kid && k.kty === 'OKP' && k.crv === 'Ed25519');
  if (!jwk) throw new CheckpointSignatureError(`signed with key ${String(header.kid)}, which is not among the given keys`);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  if (!verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'))) {
    throw new CheckpointSignatureError('the signature does not verify');
  }
  if (!isClaims(claims)) throw new CheckpointSignatureError('the claims are not a checkpoint');
  return claims;
}

function isClaims(c: CheckpointClaims): boolean {
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.iss === 'string' &&
    Number.isSafeInteger(c.seq) &&
    c.seq >= 1 &&
    typeof c.createdAt === 'string' &&
    Number.isSafeInteger(c.treeSize) &&
    c.treeSize >= 0 &&
    HEX256.test(c.root) &&
    (c.previous === null || HEX256.test(c.previous))
  );
}
