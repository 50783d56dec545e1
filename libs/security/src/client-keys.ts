import { calculateJwkThumbprint, decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';

/** A key a client registered is not one the hub accepts; the message says why. */
export class InvalidClientKeyError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidClientKeyError';
  }
}

/** A client assertion the hub refuses; the message says why (it goes back to the client). */
export class InvalidClientAssertionError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidClientAssertionError';
  }
}

/** The public members each key type may carry; anything else (d, p, q, k, …) is refused, not dropped. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  OKP: ['kty', 'crv', 'x'],
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
};
const COMMON_MEMBERS = ['kid', 'alg', 'use', 'key_ops'];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** The algorithms a key of each type may sign assertions with; the first is assumed when `alg` is absent. */
const ALGORITHMS: Record<string, readonly string[]> = { OKP: ['EdDSA', 'Ed25519'], EC: ['ES256'], RSA: ['RS256', 'PS256'] };
export const CLIENT_ASSERTION_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256', 'RS256', 'PS256'];
/** The algorithms a registered key of this type signs with (none for an unknown type). */
export const keyAlgorithms = (kty: string): readonly string[] => (Object.hasOwn(ALGORITHMS, kty) ? ALGORITHMS[kty] : []);
const MIN_RSA_BITS = 2048;

export interface ClientPublicKey {
  kid: string;
  /** Only public members, with `kid`. */
  jwk: Record<string, string>;
}

/**
 * Checks a JWK a client registers for private_key_jwt: Ed25519, P-256 or RSA
 * of at least 2048 bits, a signing key, no private or symmetric material (a
 * client that sends its private key has leaked it: it must make a new one).
 * Without `kid` the RFC 7638 thumbprint becomes its id.
 */
export async function acceptClientPublicKey(input: unknown): Promise<ClientPublicKey> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidClientKeyError('a key must be a JWK object');
  const jwk = input as Record<string, unknown>;
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (secret.length > 0) {
    throw new InvalidClientKeyError(
      `the key carries private or symmetric material (${secret.join(', ')}): register only the public key, and make a new key pair`,
    );
  }
  const kty = jwk.kty;
  if (typeof kty !== 'string' || !(kty in PUBLIC_MEMBERS)) throw new InvalidClientKeyError('kty must be OKP (Ed25519), EC (P-256) or RSA');
  if (kty === 'OKP' && jwk.crv !== 'Ed25519') throw new InvalidClientKeyError('an OKP key must be Ed25519');
  if (kty === 'EC' && jwk.crv !== 'P-256') throw new InvalidClientKeyError('an EC key must be on P-256');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new InvalidClientKeyError('the key must be a signing key (use "sig")');
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.length === 1 && jwk.key_ops[0] === 'verify')) {
    throw new InvalidClientKeyError('key_ops, if given, must be ["verify"]');
  }
  const alg = jwk.alg ?? ALGORITHMS[kty][0];
  if (typeof alg !== 'string' || !ALGORITHMS[kty].includes(alg)) throw new InvalidClientKeyError(`a ${kty} key signs with ${ALGORITHMS[kty].join(' or ')}`);
  const unknown = Object.keys(jwk).filter((m) => !PUBLIC_MEMBERS[kty].includes(m) && !COMMON_MEMBERS.includes(m) && m !== 'crv');
  if (unknown.length > 0) throw new InvalidClientKeyError(`unexpected members: ${unknown.join(', ')}`);
  for (const m of PUBLIC_MEMBERS[kty]) if (typeof jwk[m] !== 'string' || jwk[m] === '') throw new InvalidClientKeyError(`${m} is missing`);
  if (kty === 'RSA') {
    const bits =
      Buffer.from(jwk.n as string, 'base64url')
        .toString('hex')
        .replace(/^0+/, '').length * 4;
    if (bits < MIN_RSA_BITS) throw new InvalidClientKeyError(`an RSA key must have at least ${MIN_RSA_BITS} bits`);
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) throw new InvalidClientKeyError('kid must be a non-empty string');
  const publicJwk: Record<string, string> = {};
  for (const m of PUBLIC_MEMBERS[kty]) publicJwk[m] = jwk[m] as string;
  if (jwk.alg) publicJwk.alg = alg;
  try {
    // Refuses what is not a key at all, e.g. a point off the curve.
    await importJWK(publicJwk as JWK, alg === 'Ed25519' ? 'EdDSA' : alg);
  } catch {
    throw new InvalidClientKeyError('the key cannot be read');
  }
  const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk));
  return { kid, jwk: { ...publicJwk, kid } };
}

export interface ClientAssertionRules {
  /** What `aud` may name: the token endpoint's URL, the hub's token issuer. */
  audiences: string[];
  /** An assertion may be valid for at most this long (exp − iat, and exp − now). */
  maxLifetimeSeconds: number;
  clockToleranceSeconds: number;
}

export interface VerifiedClientAssertion {
  jti: string;
  /** Epoch seconds; the jti must be remembered until then. */
  expiresAt: number;
}

/**
 * Verifies a client assertion (RFC 7523 section 3, OpenID Connect Core 9)
 * against the client's registered keys: signature with one of them, `iss` =
 * `sub` = the client id, `aud` naming the hub, a short `exp`, a `jti`.
 * Whether the jti was seen before is the caller's check (it is shared
 * between replicas).
 */
export async function verifyClientAssertion(
  assertion: string,
  clientId: string,
  keys: Record<string, string>[],
  rules: ClientAssertionRules,
): Promise<VerifiedClientAssertion> {
  let header;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw new InvalidClientAssertionError('the client assertion is not a JWT');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !CLIENT_ASSERTION_ALGORITHMS.includes(alg)) {
    throw new InvalidClientAssertionError(`the client assertion must be signed with ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
  }
  const candidates = keys.filter((k) => (header.kid === undefined || k.kid === header.kid) && ALGORITHMS[k.kty]?.includes(alg) && (!k.alg || k.alg === alg));
  let payload: JWTPayload | undefined;
  for (const key of candidates) {
    try {
      ({ payload } = await jwtVerify(assertion, await importJWK(key as JWK, alg === 'Ed25519' ? 'EdDSA' : alg), {
        algorithms: [alg],
        issuer: clientId,
        subject: clientId,
        audience: rules.audiences,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: rules.clockToleranceSeconds,
      }));
      break;
    } catch (e) {
      if (e instanceof errors.JWSSignatureVerificationFailed) continue;
      if (e instanceof errors.JWTExpired) throw new InvalidClientAssertionError('the client assertion has expired');
      if (e instanceof errors.JWTClaimValidationFailed) {
        throw new InvalidClientAssertionError(
          e.claim === 'aud'
            ? `the client assertion's aud must name this hub's token endpoint (${rules.audiences[0]})`
            : e.claim === 'iss' || e.claim === 'sub'
              ? "the client assertion's iss and sub must be the client id"
              : `the client assertion's ${e.claim} claim is missing or not valid`,
        );
      }
      throw new InvalidClientAssertionError('the client assertion is not valid');
    }
  }
  if (!payload) throw new InvalidClientAssertionError('the client assertion is not signed with a key registered for this client');
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp!;
  const lifetime = exp - Math.min(now, typeof payload.iat === 'number' ? payload.iat : now);
  if (lifetime > rules.maxLifetimeSeconds + rules.clockToleranceSeconds) {
    throw new InvalidClientAssertionError(`the client assertion must expire within ${rules.maxLifetimeSeconds} s of its issue`);
  }
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 200) {
    throw new InvalidClientAssertionError("the client assertion's jti must be a string of at most 200 characters");
  }
  return { jti: payload.jti, expiresAt: exp };
}
