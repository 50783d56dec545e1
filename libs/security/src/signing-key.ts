import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

const PREFIX = 'whsk_';

/**
 * An Ed25519 key of the hub, given as `whsk_<base64 32-byte seed>` (the
 * Standard Webhooks notation, so one format serves tokens and deliveries).
 */
export class SigningKey {
  private constructor(
    readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
    readonly kid: string,
    readonly publicJwk: JWK,
  ) {}

  static async fromSecret(secret: string): Promise<SigningKey> {
    if (!secret.startsWith(PREFIX)) throw new Error('an Ed25519 secret key must start with whsk_');
    const seed = Buffer.from(secret.slice(PREFIX.length), 'base64');
    if (seed.length !== 32) throw new Error('an Ed25519 secret key must hold 32 bytes');
    // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = (await calculateJwkThumbprint(jwk)).slice(0, 16);
    return new SigningKey(privateKey, publicKey, kid, { ...jwk, kid, use: 'sig', alg: 'EdDSA' });
  }
}
