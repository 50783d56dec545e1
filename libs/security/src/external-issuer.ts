import { createRemoteJWKSet, customFetch, errors, jwtVerify, type FetchImplementation, type JWTPayload } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import type { EndpointPolicy } from './endpoint-policy.js';
import { InvalidTokenError } from './access-token.js';

export interface ExternalIssuerOptions {
  /** How long after a fetch the key set is not fetched again for an unknown `kid` (a rotation at the provider). */
  cooldownMs: number;
  /** How long fetched keys are used before they are fetched again regardless. */
  cacheMaxAgeMs: number;
  timeoutMs: number;
}

/** Algorithms accepted from external providers (Keycloak signs with RS256 by default). */
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];

/**
 * An external identity provider's tokens: verified with the keys at its
 * JWKS URL (jose's remote key set: cached, fetched again when a token names
 * a key it does not hold, so a rotation at the provider just works). Every
 * connection to the JWKS URL goes through the endpoint policy, like a
 * delivery: the URL is checked, and the address that was checked is the one
 * connected to; redirects are not followed.
 */
export class ExternalIssuer {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    readonly issuer: string,
    jwksUrl: string,
    private readonly audience: string,
    policy: EndpointPolicy,
    agent: Agent,
    options: ExternalIssuerOptions,
  ) {
    const guardedFetch: FetchImplementation = async (url, init) => {
      policy.checkUrl(url);
      const response = await undiciFetch(url, {
        method: init.method,
        headers: init.headers as unknown as Record<string, string>,
        signal: init.signal,
        redirect: 'manual',
        dispatcher: agent,
      });
      return response;
    };
    this.keys = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: options.cooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs,
      timeoutDuration: options.timeoutMs,
      [customFetch]: guardedFetch,
    });
  }

  /** The verified claims of one of its access tokens; InvalidTokenError when it is not one. */
  async verify(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new InvalidTokenError('the access token has expired');
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'aud') throw new InvalidTokenError('the access token is not for this hub (aud)');
      if (e instanceof errors.JWKSTimeout || e instanceof errors.JOSEError) throw new InvalidTokenError('the access token is not valid');
      // The key set could not be fetched (refused by the endpoint policy, unreachable): the token cannot be checked.
      throw new InvalidTokenError("the access token cannot be checked: its identity provider's keys are not available");
    }
  }
}
