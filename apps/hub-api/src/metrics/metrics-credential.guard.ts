import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HubConfig } from '@drehscheibe/config';
import { BearerAuthentication, bearerToken } from '../auth/client-credentials.js';
import { HUB_CONFIG } from '../core/tokens.js';
import { ProblemError } from '../http/problem.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares in time independent of where the strings differ (and of their lengths: both are hashed first). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `/metrics` names every participant, so it needs a credential: the static
 * bearer METRICS_TOKEN (what a Prometheus scrape job sends), or an access
 * token with the admin scope. A valid token without that scope is 403;
 * anything else, or nothing, 401.
 */
@Injectable()
export class MetricsCredentialGuard implements CanActivate {
  private readonly metricsToken: string | null;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly bearer: BearerAuthentication,
  ) {
    this.metricsToken = config.metrics.token;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw new ProblemError(
        'unauthorized',
        'send the metrics token or an admin access token as Authorization: Bearer <token>',
        {},
        { 'www-authenticate': 'Bearer' },
      );
    }
    if (this.metricsToken !== null && sameSecret(token, this.metricsToken)) return true;
    // The same check as every other route: a revoked or disabled admin client's token is refused within seconds.
    const principal = await this.bearer.authenticate(token, request);
    if (!principal.scopes.includes('admin')) throw new ProblemError('forbidden', 'metrics need the metrics token or the admin scope');
    return true;
  }
}
