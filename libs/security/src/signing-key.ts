import { ed25519PrivateKey, publicKeyToJwk, type Ed25519Jwk } from '@drehscheibe/webhooks';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';

/**
 * An Ed25519 key of the hub, given as `whsk_<base64 32-byte seed>` (the
 * Standard Webhooks notation, so one format serves tokens and deliveries).
 */
export class SigningKey {
  private constructor(
    readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
    readonly kid: string,
    readonly publicJwk: Ed25519Jwk,
  ) {}

  static async fromSecret(secret: string): Promise<SigningKey> {
    // One parser for the whsk_ notation: the Standard Webhooks library's, which also rejects bad base64.
    const privateKey = ed25519PrivateKey(secret);
    const publicKey = createPublicKey(privateKey);
    // The key id is the RFC 7638 thumbprint, over the members it names (kty, crv, x).
    const kid = (await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }))).slice(0, 16);
    return new SigningKey(privateKey, publicKey, kid, publicKeyToJwk(publicKey, kid));
  }
}
