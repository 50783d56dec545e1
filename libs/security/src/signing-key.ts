import { ed25519PrivateKey, ed25519PublicKey, publicKeyToJwk, type Ed25519Jwk } from '@drehscheibe/webhooks';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';

/** A public key that verifies signatures of the hub. */
export interface VerificationKey {
  readonly publicKey: KeyObject;
  readonly kid: string;
  readonly publicJwk: Ed25519Jwk;
}

/** The key id: the RFC 7638 thumbprint over the members it names (kty, crv, x), shortened. */
async function kidOf(publicKey: KeyObject): Promise<string> {
  return (await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }))).slice(0, 16);
}

/**
 * An Ed25519 key of the hub, given as `whsk_<base64 32-byte seed>` (the
 * Standard Webhooks notation, so one format serves tokens and deliveries).
 */
export class SigningKey implements VerificationKey {
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
    const kid = await kidOf(publicKey);
    return new SigningKey(privateKey, publicKey, kid, publicKeyToJwk(publicKey, kid));
  }
}

/** A published public key (`whpk_…`): the next key ahead of a rotation, or a retired one. */
export async function verificationKey(published: string): Promise<VerificationKey> {
  const publicKey = ed25519PublicKey(published);
  const kid = await kidOf(publicKey);
  return { publicKey, kid, publicJwk: publicKeyToJwk(publicKey, kid) };
}

/**
 * The keys of one kind (tokens and receipts, or deliveries): the one that
 * signs, and every key the hub publishes and accepts — the signing key
 * first, then the next and retired ones (HUB_*_PUBLISHED_KEYS).
 */
export class HubKeys {
  private constructor(
    readonly signing: SigningKey,
    readonly all: readonly VerificationKey[],
  ) {}

  static async load(signingSecret: string, published: readonly string[] = []): Promise<HubKeys> {
    const signing = await SigningKey.fromSecret(signingSecret);
    const all: VerificationKey[] = [signing];
    for (const key of await Promise.all(published.map(verificationKey))) if (!all.some((k) => k.kid === key.kid)) all.push(key);
    return new HubKeys(signing, all);
  }

  byKid(kid: unknown): VerificationKey | undefined {
    return this.all.find((k) => k.kid === kid);
  }

  get jwks(): Ed25519Jwk[] {
    return this.all.map((k) => k.publicJwk);
  }
}
