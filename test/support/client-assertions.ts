import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A client's key pair for private_key_jwt: the public JWK it registers, the private key it signs with. */
export interface ClientKeyPair {
  alg: 'EdDSA' | 'ES256' | 'RS256';
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

let seq = 0;

export async function clientKeyPair(alg: ClientKeyPair['alg'] = 'EdDSA', modulusLength = 2048): Promise<ClientKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength, extractable: true } : { extractable: true });
  const kid = `key-${alg.toLowerCase()}-${Date.now().toString(36)}-${++seq}`;
  return { alg, kid, publicJwk: { ...(await exportJWK(publicKey)), kid }, privateKey };
}

export interface AssertionClaims {
  /** Default: the client id. */
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** Seconds from now; default 60. */
  expiresIn?: number;
  /** Seconds from now; default 0 (now). */
  issuedAt?: number;
  jti?: string | null;
  kid?: string | null;
}

/** A client assertion (RFC 7523) as a Land system would sign it; each claim can be bent to what an attacker or a broken client sends. */
export async function clientAssertion(clientId: string, key: ClientKeyPair, aud: string, claims: AssertionClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jti = claims.jti === undefined ? randomUUID() : claims.jti;
  const kid = claims.kid === undefined ? key.kid : claims.kid;
  const jwt = new SignJWT(jti === null ? {} : { jti })
    .setProtectedHeader(kid === null ? { alg: key.alg } : { alg: key.alg, kid })
    .setIssuer(claims.iss ?? clientId)
    .setSubject(claims.sub ?? clientId)
    .setAudience(claims.aud ?? aud)
    .setIssuedAt(now + (claims.issuedAt ?? 0))
    .setExpirationTime(now + (claims.expiresIn ?? 60));
  return jwt.sign(key.privateKey);
}

/** The form body of a token request with a client assertion. */
export function assertionForm(assertion: string, extra: Record<string, string> = {}) {
  return {
    rawBody: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...extra,
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}
