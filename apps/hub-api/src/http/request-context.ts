import type { Principal, Scope } from '@drehscheibe/security';
import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from './problem.js';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

export const PUBLIC_ROUTE = 'drehscheibe:public';
export const REQUIRED_SCOPE = 'drehscheibe:scope';
/** The route needs a token with this scope (e.g. `admin`). */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);
/** The route needs no access token (token endpoint, JWKS, health). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The calling participant's id, from the verified token — never from the body. */
export const CallerParticipant = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal?.participantId || !principal.scopes.includes('tickets')) {
    throw new ProblemError('forbidden', 'this operation needs a participant client with the tickets scope');
  }
  return principal.participantId;
});

/** Parses `If-Match: "3"` (or W/"3", or 3) into a version. */
export const IfMatchVersion = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined => {
  const header = ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(String(header).trim());
  if (!match) throw new ProblemError('validation-failed', 'If-Match must be a ticket version such as "3"');
  return Number(match[1]);
});

export const etag = (version: number) => `"${version}"`;
