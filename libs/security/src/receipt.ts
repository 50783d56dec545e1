import { createHash, sign } from 'node:crypto';
import type { SigningKey } from './signing-key.js';

export interface ReceiptClaims {
  ticketId: string;
  version: number;
  origin: string;
  externalId: string;
  /** The exact request body the hub accepted. */
  body: string | Buffer;
  /** The participant's verified signature over that request, if it signed it: the receipt names it. */
  requestSignature?: { kid: string; jws: string };
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * Signed proof that the hub accepted a ticket (A08), verifiable with the
 * published JWKS: a compact JWS (RFC 7515, EdDSA). Signed with node:crypto's
 * one-shot Ed25519 rather than jose, which signs through WebCrypto jobs —
 * one receipt per created ticket made that a tenth of the API's CPU time.
 * The unit test verifies receipts with jose, so the format stays standard.
 */
export class ReceiptSigner {
  private readonly header: string;

  constructor(
    private readonly key: SigningKey,
    private readonly issuer: string,
  ) {
    this.header = b64url(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ: 'receipt+jwt' }));
  }

  sign(claims: ReceiptClaims): string {
    const payload = b64url(
      JSON.stringify({
        ticketId: claims.ticketId,
        version: claims.version,
        origin: claims.origin,
        externalId: claims.externalId,
        bodySha256: createHash('sha256').update(claims.body).digest('hex'),
        ...(claims.requestSignature
          ? { requestSignature: { kid: claims.requestSignature.kid, jwsSha256: createHash('sha256').update(claims.requestSignature.jws).digest('hex') } }
          : {}),
        iss: this.issuer,
        iat: Math.floor(Date.now() / 1000),
      }),
    );
    const signingInput = `${this.header}.${payload}`;
    return `${signingInput}.${sign(null, Buffer.from(signingInput), this.key.privateKey).toString('base64url')}`;
  }
}
