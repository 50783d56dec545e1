import type { Scope } from '@drehscheibe/security';
import { BearerAuthentication, bearerToken } from '../auth/client-credentials.js';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemError } from './problem.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, type AuthenticatedRequest } from './request-context.js';

/** Every route needs a valid, unrevoked bearer token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerAuthentication,
    private readonly reflector: Reflector,
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
    request.principal = await this.bearer.authenticate(token);
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    if (scope && !request.principal.scopes.includes(scope)) {
      throw new ProblemError('forbidden', `this operation needs the ${scope} scope`);
    }
    return true;
  }
}
