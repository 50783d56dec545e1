import type { Principal, Scope } from '@drehscheibe/security';
import { ClientStatusCache } from '@drehscheibe/registry';
import { BearerAuthentication, bearerToken } from '../auth/client-credentials.js';
import { ParticipantRateLimiter, rateLimitHeaders } from '../auth/participant-rate-limiter.js';
import { RequestSignatures } from '../auth/request-signatures.js';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { ProblemError } from './problem.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, type AuthenticatedRequest } from './request-context.js';

/**
 * Every route needs a valid, unrevoked bearer token unless marked @Public().
 * A participant's requests are then counted against its rate limit (before
 * the scope check: a refused request costs the hub too); operator clients
 * are not limited. Last, a participant's write must pass its request
 * signature check (`RequestSignatures`).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerAuthentication,
    private readonly reflector: Reflector,
    private readonly rateLimiter: ParticipantRateLimiter,
    private readonly clients: ClientStatusCache,
    private readonly signatures: RequestSignatures,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      throw new ProblemError(
        'unauthorized',
        'send an access token from POST /v1/oauth/token as Authorization: Bearer <token>',
        {},
        {
          'www-authenticate': 'Bearer',
        },
      );
    }
    request.principal = await this.bearer.authenticate(token, request);
    if (request.principal.participantId) await this.countRequest(request.principal, request.principal.participantId, context);
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    if (scope && !request.principal.scopes.includes(scope)) {
      throw new ProblemError('forbidden', `this operation needs the ${scope} scope`);
    }
    await this.signatures.check(request, request.principal);
    return true;
  }

  /** Adds the rate-limit headers to the answer, or refuses with 429 once the participant's window is used up. */
  private async countRequest(principal: Principal, participantId: string, context: ExecutionContext): Promise<void> {
    // Read moments ago by the token check: the participant's own limit comes from the same cached client state.
    const ownLimit = (await this.clients.get(principal.clientId))?.rateLimit ?? null;
    const use = await this.rateLimiter.use(participantId, ownLimit);
    if (!use) return;
    const headers = rateLimitHeaders(use);
    if (!use.allowed) {
      throw new ProblemError(
        'too-many-requests',
        `participant ${participantId} made more than ${use.limit} requests in ${use.windowSeconds} s; try again in ${use.resetSeconds} s`,
        {},
        { ...headers, 'retry-after': String(use.resetSeconds) },
      );
    }
    context.switchToHttp().getResponse<FastifyReply>().headers(headers);
  }
}
