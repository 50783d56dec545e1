import { errors, jwtVerify, SignJWT } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { SigningKey, VerificationKey } from './signing-key.js';

export type Scope = 'tickets' | 'admin';
export const SCOPES: readonly Scope[] = ['tickets', 'admin'];

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  clientId: string;
  /** The participant the client belongs to; null for operator clients. */
  participantId: string | null;
  scopes: Scope[];
  /**
   * The generation of the client's credentials the token was obtained with
   * (claim `sgen`); null for a token of an external identity provider, which
   * the hub did not issue.
   */
  secretGeneration: number | null;
  /**
   * RFC 8705 §3.1: the thumbprint (`x5t#S256`) of the client certificate the
   * token is bound to; it is accepted only with that certificate. Absent: a
   * bearer token that any holder may use.
   */
  certificateThumbprint?: string;
}

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Short-lived EdDSA JWTs for the client-credentials grant. A valid signature
 * only proves what the token said when it was issued: whether its client may
 * still act is the caller's check (the client's current state).
 */
export class AccessTokenService {
  /**
   * Tokens already verified, until they expire: a client sends the same token
   * on every call, and a signature check per request is measurable at load.
   */
  private readonly verified = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly key: SigningKey,
    readonly issuer: string,
    readonly ttlSeconds: number,
    /** Keys whose tokens are accepted (by `kid`): the signing key and, across a rotation, the published ones (HubKeys.all). */
    private readonly accepted: readonly VerificationKey[] = [key],
  ) {}

  /** The accepted key a token's header names; none: the token is refused. */
  private keyFor(kid: unknown): KeyObject {
    const key = this.accepted.find((k) => k.kid === kid);
    if (!key) throw new InvalidTokenError('the access token is signed with a key the hub does not accept');
    return key.publicKey;
  }

  /** A token for `principal`, valid for `ttlSeconds` but at most the configured lifetime; `expiresIn` is what it got. */
  async issue(principal: Principal & { secretGeneration: number }, ttlSeconds = this.ttlSeconds): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = Math.max(1, Math.min(ttlSeconds, this.ttlSeconds));
    const token = await new SignJWT({
      scope: principal.scopes.join(' '),
      sgen: principal.secretGeneration,
      ...(principal.participantId ? { pid: principal.participantId } : {}),
      ...(principal.certificateThumbprint ? { cnf: { 'x5t#S256': principal.certificateThumbprint } } : {}),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.key.kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setSubject(principal.clientId)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(this.key.privateKey);
    return { token, expiresIn };
  }

  async verify(token: string): Promise<Principal> {
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.principal;
    if (cached) this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, (header) => this.keyFor(header.kid), {
        issuer: this.issuer,
        audience: this.issuer,
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
        // A token without an expiry would be valid for ever; one without sgen cannot be revoked by a rotation.
        requiredClaims: ['exp', 'iat', 'sub', 'sgen'],
      });
      const sgen = payload.sgen;
      if (typeof sgen !== 'number' || !Number.isSafeInteger(sgen) || sgen < 1 || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
        throw new InvalidTokenError('the access token is not valid');
      }
      // A confirmation the hub cannot check must not turn a bound token into a bearer token.
      const cnf = payload.cnf as Record<string, unknown> | undefined;
      const thumbprint = cnf === undefined ? undefined : cnf['x5t#S256'];
      if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || typeof thumbprint !== 'string' || !THUMBPRINT.test(thumbprint))) {
        throw new InvalidTokenError('the access token is not valid');
      }
      const scopes = (typeof payload.scope === 'string' ? payload.scope : '').split(' ').filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
      const principal: Principal = {
        clientId: payload.sub,
        participantId: typeof payload.pid === 'string' ? payload.pid : null,
        scopes,
        secretGeneration: sgen,
        ...(typeof thumbprint === 'string' ? { certificateThumbprint: thumbprint } : {}),
      };
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { principal, expiresAt: payload.exp * 1000 });
      return principal;
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new InvalidTokenError('the access token has expired');
      throw new InvalidTokenError('the access token is not valid');
    }
  }
}
