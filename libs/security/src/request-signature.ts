import type { RequestSignatureProof } from '@drehscheibe/evidence';
import { createHash } from 'node:crypto';
import { decodeProtectedHeader, flattenedVerify, importJWK, type JWK } from 'jose';
import { CLIENT_ASSERTION_ALGORITHMS, keyAlgorithms } from './client-keys.js';

/** The `typ` a request signature's protected header carries. */
export const REQUEST_SIGNATURE_TYPE = 'drehscheibe-request+jws';

/** Why a request signature is refused: `signature-invalid` (anything wrong with it) or `signature-replayed` (its jti was seen). */
export class RequestSignatureError extends Error {
  constructor(
    readonly code: 'signature-invalid' | 'signature-replayed',
    reason: string,
  ) {
    super(reason);
    this.name = 'RequestSignatureError';
  }
}

/** What a signature is checked against: the request as received and the calling client's registered keys. */
export interface SignedRequest {
  /** The `Drehscheibe-Signature` header: `<protected>..<signature>`. */
  signature: string;
  /** The exact body bytes received (empty for a request without one). */
  body: Buffer | string;
  method: string;
  /** The request's path and query as received, e.g. `/v1/tickets/…/comments`. */
  pathAndQuery: string;
  clientId: string;
  /** The client's registered public key with this kid, or null. */
  key(kid: string): Promise<Record<string, string> | null>;
}

/**
 * Remembers a signature's jti for the client until `expiresAt` (epoch
 * seconds); false when it was seen before. Shared by every API replica.
 */
export type SignatureReplayGuard = (clientId: string, jti: string, expiresAt: number) => Promise<boolean>;

export interface RequestSignatureRules {
  /** How far `iat` may be from the hub's clock, either way. */
  maxSkewSeconds: number;
  replay: SignatureReplayGuard;
  now?: () => number;
}

export interface VerifiedRequestSignature {
  proof: RequestSignatureProof;
  jti: string;
}

const MAX_SIGNATURE_LENGTH = 8192;
const MAX_JTI_LENGTH = 200;
const PART = /^[A-Za-z0-9_-]+$/;
/** Header members the hub reads; anything else (crit, b64, jwk, jku, x5u, …) is refused rather than ignored. */
const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ', 'iat', 'jti', 'htm', 'htu']);

/**
 * Verifies a participant's signature over one request (JWS with detached
 * payload, RFC 7515 Appendix F): the payload is the exact body, the
 * protected header names the registered key (`kid`), when it was made
 * (`iat`, within the skew), a unique `jti`, and the method and path+query
 * (`htm`, `htu`, as in DPoP), so a signature is good for this one request
 * only. The jti is remembered last, so only signatures that verify take
 * room in the replay store.
 */
export class RequestSignatureVerifier {
  constructor(private readonly rules: RequestSignatureRules) {}

  async verify(request: SignedRequest): Promise<VerifiedRequestSignature> {
    const invalid = (reason: string) => new RequestSignatureError('signature-invalid', reason);
    const jws = request.signature.trim();
    const parts = jws.split('.');
    if (jws.length > MAX_SIGNATURE_LENGTH || parts.length !== 3 || !PART.test(parts[0]) || !PART.test(parts[2])) {
      throw invalid('Drehscheibe-Signature must be a compact JWS with detached payload: <protected header>..<signature>');
    }
    if (parts[1] !== '') throw invalid('the payload must be detached (empty between the dots): it is the request body');
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(jws);
    } catch {
      throw invalid('the protected header is not base64url-encoded JSON');
    }
    const unexpected = Object.keys(header).filter((m) => !HEADER_MEMBERS.has(m));
    if (unexpected.length > 0) throw invalid(`the protected header has members the hub does not accept: ${unexpected.join(', ')}`);
    const { alg, kid, typ, iat, jti, htm, htu } = header;
    if (typeof alg !== 'string' || !CLIENT_ASSERTION_ALGORITHMS.includes(alg)) {
      throw invalid(`alg must be one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
    }
    if (typeof kid !== 'string' || kid === '' || kid.length > 200) throw invalid('kid must name a key registered for your client');
    if (typ !== REQUEST_SIGNATURE_TYPE) throw invalid(`typ must be ${REQUEST_SIGNATURE_TYPE}`);
    if (htm !== request.method) throw invalid(`htm must be the request method (${request.method})`);
    if (htu !== request.pathAndQuery) throw invalid(`htu must be the request path and query as sent (${request.pathAndQuery})`);
    const now = Math.floor((this.rules.now ?? Date.now)() / 1000);
    if (typeof iat !== 'number' || !Number.isInteger(iat)) throw invalid('iat must be the signing time in seconds since the epoch');
    if (Math.abs(now - iat) > this.rules.maxSkewSeconds) throw invalid(`iat must be within ${this.rules.maxSkewSeconds} s of the hub's clock`);
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH)
      throw invalid(`jti must be a unique string of at most ${MAX_JTI_LENGTH} characters`);

    const jwk = await request.key(kid);
    if (!jwk) throw invalid(`kid ${kid} is not a key registered for your client`);
    if (!keyAlgorithms(jwk.kty).includes(alg) || (jwk.alg && jwk.alg !== alg)) throw invalid(`key ${kid} does not sign with ${alg}`);
    const body = Buffer.from(request.body);
    try {
      const key = await importJWK(jwk as JWK, alg === 'Ed25519' ? 'EdDSA' : alg);
      await flattenedVerify({ protected: parts[0], payload: body.toString('base64url'), signature: parts[2] }, key, { algorithms: [alg] });
    } catch {
      throw invalid(`the signature does not verify with key ${kid} over this body`);
    }
    // Remembered until iat could no longer pass the window.
    if (!(await this.rules.replay(request.clientId, jti, iat + this.rules.maxSkewSeconds))) {
      throw new RequestSignatureError('signature-replayed', 'this signature (its jti) was used before: sign each request anew');
    }
    return { proof: { kid, alg, jws, bodySha256: createHash('sha256').update(body).digest('hex') }, jti };
  }
}
