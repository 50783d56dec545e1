import { textViolation } from '@drehscheibe/contracts';
import {
  assertionClientId,
  ClientAuthenticator,
  ClientStatusCache,
  ExternalTokenAuthenticator,
  revocationReason,
  type AssertionReplayGuard,
  type ClientAuthentication,
} from '@drehscheibe/registry';
import { AccessTokenService, InvalidTokenError, type ClientAssertionRules, type ClientCertificate, type Principal } from '@drehscheibe/security';
import type { OAuthClientEntity } from '@drehscheibe/persistence';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { ProblemError } from '../http/problem.js';
import { ClientCertificates } from './client-certificates.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';

/** The token of `Authorization: Bearer <token>` (RFC 6750), or null. */
export function bearerToken(header: string | undefined): string | null {
  return (header ? /^Bearer\s+(\S+)$/i.exec(header) : null)?.[1] ?? null;
}

/**
 * `Authorization: Basic …` as RFC 6749 2.3.1 defines it: both parts
 * form-urlencoded. Parts that break the text rule (U+0000, lone surrogates)
 * are no credentials: the caller answers as for an unknown client.
 */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    return textViolation(id) || textViolation(secret) ? null : { id, secret };
  } catch {
    return null;
  }
}

export interface AuthenticatedClient {
  client: OAuthClientEntity;
  secretGeneration: number;
  /** Epoch ms when the secret used stops working (a rotation's overlap); null: no end. */
  secretExpiresAt: number | null;
}

/** How the token endpoint checks client assertions: the rules, and the replay check shared by the replicas. */
export const CLIENT_ASSERTIONS = Symbol('ClientAssertions');
export interface ClientAssertionPolicy {
  rules: ClientAssertionRules;
  replay: AssertionReplayGuard;
}

/**
 * Client id and secret, the one way in for the token endpoint and the queue
 * board — or, at the token endpoint, a private_key_jwt client assertion:
 * refuses at once (429) when the client id or the source address failed too
 * often, before any scrypt or signature work; counts failures; refuses
 * disabled clients and suspended participants (401).
 */
@Injectable()
export class ClientSecretAuthentication {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly limiter: FailedAuthLimiter,
    @Inject(CLIENT_ASSERTIONS) private readonly assertions: ClientAssertionPolicy,
  ) {}

  /** `basic`: the credentials came in an Authorization header (the 401 then names the scheme). */
  authenticate(clientId: string | undefined, secret: string | undefined, source: string, basic: boolean): Promise<AuthenticatedClient> {
    return this.attempt(clientId, source, basic, () =>
      clientId && secret ? this.authenticator.authenticate(clientId, secret) : Promise.resolve({ outcome: 'failed' as const }),
    );
  }

  /** A client assertion (RFC 7523): the client is the one its `sub` names; `clientId`, if the request names one, must be the same. */
  authenticateAssertion(assertion: string, clientId: string | undefined, source: string): Promise<AuthenticatedClient> {
    const claimed = assertionClientId(assertion);
    return this.attempt(claimed ?? clientId, source, false, async () => {
      if (!claimed) return { outcome: 'failed', reason: 'the client assertion is not a JWT naming the client in sub' };
      if (clientId !== undefined && clientId !== claimed) return { outcome: 'failed', reason: 'client_id and the client assertion name different clients' };
      return this.authenticator.authenticateAssertion(claimed, assertion, this.assertions.rules, this.assertions.replay);
    });
  }

  /** `tls_client_auth` (RFC 8705 §2.1): only a client id; the request's client certificate is the credential. */
  authenticateCertificate(clientId: string | undefined, certificate: ClientCertificate | null, source: string): Promise<AuthenticatedClient> {
    return this.attempt(clientId, source, false, () =>
      clientId ? this.authenticator.authenticateCertificate(clientId, certificate) : Promise.resolve({ outcome: 'failed' as const }),
    );
  }

  private async attempt(
    clientId: string | undefined,
    source: string,
    basic: boolean,
    check: () => Promise<ClientAuthentication>,
  ): Promise<AuthenticatedClient> {
    const attempt = await this.limiter.admit(clientId, source);
    if ('retryAfterSeconds' in attempt) {
      throw new ProblemError(
        'too-many-requests',
        `too many failed authentications ${attempt.by === 'client' ? 'for this client id' : 'from this address'}; try again in ${attempt.retryAfterSeconds} s`,
        { error: 'temporarily_unavailable' },
        { 'retry-after': String(attempt.retryAfterSeconds) },
      );
    }
    let result: ClientAuthentication;
    try {
      result = await check();
    } catch (e) {
      attempt.abandoned();
      throw e;
    }
    const challenge: Record<string, string> = basic ? { 'www-authenticate': 'Basic realm="drehscheibe"' } : {};
    if (result.outcome === 'failed') {
      await attempt.failed();
      throw new ProblemError('invalid-client', result.reason ?? 'unknown client or wrong secret', { error: 'invalid_client' }, challenge);
    }
    // The secret was right: not a failure to count, and the caller may know why the client cannot act.
    attempt.succeeded();
    if (result.outcome === 'refused') throw new ProblemError('invalid-client', result.reason, { error: 'invalid_client' }, challenge);
    return result;
  }
}

/** The `iss` of a JWT, unverified (it only picks who verifies it); null if it has none. */
function issuerOf(token: string): string | null {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : null;
  } catch {
    return null;
  }
}

/**
 * A bearer token, as every protected route and the queue board accept it:
 * the signature and claims — the hub's own (AccessTokenService), or, when
 * its issuer is a registered identity provider, that provider's — then
 * whether its client may still act — exists, enabled, participant active,
 * secret or keys not rotated out — from each replica's briefly cached
 * client state; and, for a token bound to a client certificate, that the
 * request presents that certificate.
 */
@Injectable()
export class BearerAuthentication {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly clients: ClientStatusCache,
    private readonly external: ExternalTokenAuthenticator,
    private readonly certificates: ClientCertificates,
  ) {}

  /** `request`: where a certificate-bound token's certificate must come from (RFC 8705 §3). */
  async authenticate(token: string, request: FastifyRequest): Promise<Principal> {
    const issuer = issuerOf(token);
    const principal =
      issuer !== null && issuer !== this.tokens.issuer && (await this.external.knows(issuer))
        ? await this.external.authenticate(token, issuer)
        : await this.tokens.verify(token);
    const reason = revocationReason(await this.clients.get(principal.clientId), principal.secretGeneration);
    if (reason) throw new InvalidTokenError(`the access token was revoked: ${reason}`);
    if (principal.certificateThumbprint !== undefined && !this.certificates.of(request)?.matches(principal.certificateThumbprint)) {
      throw new ProblemError(
        'certificate-mismatch',
        'the access token is bound to a TLS client certificate (cnf x5t#S256); send it over a connection with that certificate',
        {},
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
    }
    return principal;
  }
}
