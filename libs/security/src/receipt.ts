import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './signing-key.js';

export interface ReceiptClaims {
  ticketId: string;
  version: number;
  origin: string;
  externalId: string;
  /** The exact request body the hub accepted. */
  body: string | Buffer;
}

/** Signed proof that the hub accepted a ticket (A08), verifiable with the published JWKS. */
export class ReceiptSigner {
  constructor(
    private readonly key: SigningKey,
    private readonly issuer: string,
  ) {}

  sign(claims: ReceiptClaims): Promise<string> {
    return new SignJWT({
      ticketId: claims.ticketId,
      version: claims.version,
      origin: claims.origin,
      externalId: claims.externalId,
      bodySha256: createHash('sha256').update(claims.body).digest('hex'),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.key.kid, typ: 'receipt+jwt' })
      .setIssuer(this.issuer)
      .setIssuedAt()
      .sign(this.key.privateKey);
  }
}
