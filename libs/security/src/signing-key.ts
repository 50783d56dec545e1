import { ed25519PrivateKey } from '@drehscheibe/webhooks';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

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
    // One parser for the whsk_ notation: the Standard Webhooks library's, which also rejects bad base64.
    const privateKey = ed25519PrivateKey(secret);
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = (await calculateJwkThumbprint(jwk)).slice(0, 16);
    return new SigningKey(privateKey, publicKey, kid, { ...jwk, kid, use: 'sig', alg: 'EdDSA' });
  }
}
