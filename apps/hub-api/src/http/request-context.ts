import type { RequestSignatureProof } from '@drehscheibe/evidence';
import type { Principal, Scope } from '@drehscheibe/security';
import type { ExpectedVersions, WriteConditions } from '@drehscheibe/tickets';
import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from './problem.js';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; requestSignature?: RequestSignatureProof };

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

/** The calling client's id (an administrator's, recorded as who changed a configuration). */
export const CallerClient = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new ProblemError('unauthorized', 'this operation needs an access token');
  return principal.clientId;
});

/** One member of an `If-Match` list (RFC 9110 8.8.3): an optional weak marker and a quoted opaque tag. */
const ENTITY_TAG = /\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)/y;

/**
 * `If-Match` with the strong comparison RFC 9110 13.1.1 requires: `"3"`
 * matches version 3, a weak tag (`W/"3"`) never matches, `*` matches any
 * existing ticket (no version check, undefined), a list matches when any
 * member does. Anything that is not that grammar (`3`, `yesterday`) is refused.
 */
export function parseIfMatch(header: string | undefined): ExpectedVersions | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const versions: number[] = [];
  ENTITY_TAG.lastIndex = 0;
  let tags = 0;
  while (ENTITY_TAG.lastIndex < header.length) {
    const match = ENTITY_TAG.exec(header);
    if (!match) throw malformedIfMatch();
    tags++;
    if (!match[1] && /^\d{1,15}$/.test(match[2])) versions.push(Number(match[2]));
  }
  if (tags === 0) throw malformedIfMatch();
  return versions;
}

const malformedIfMatch = () =>
  new ProblemError('validation-failed', 'If-Match must be "*" or entity tags such as "3" (the ETag of the version you read)', {
    errors: [{ pointer: '/header/if-match', message: 'must be "*" or a list of entity tags such as "3"' }],
  });

/** The versions `If-Match` allows the change at (see `parseIfMatch`). */
export const IfMatchVersion = createParamDecorator((_: unknown, ctx: ExecutionContext): ExpectedVersions | undefined =>
  parseIfMatch(ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);

/**
 * What a ticket write says about itself in headers: `If-Match` (see
 * `parseIfMatch`), `Source-Ref` (its source system's own id of the
 * change; the spec validation has checked its form) and the verified
 * `Drehscheibe-Signature` (see `RequestSignatures`).
 */
export const WriteHeaders = createParamDecorator((_: unknown, ctx: ExecutionContext): WriteConditions => {
  const { headers, requestSignature } = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  const sourceRef = headers['source-ref'];
  return {
    ifMatch: parseIfMatch(headers['if-match']),
    ...(typeof sourceRef === 'string' ? { sourceRef } : {}),
    ...(requestSignature ? { requestSignature } : {}),
  };
});

/** The request's verified `Drehscheibe-Signature`, if it carried one (see `RequestSignatures`). */
export const RequestSignature = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): RequestSignatureProof | undefined => ctx.switchToHttp().getRequest<AuthenticatedRequest>().requestSignature,
);

export const etag = (version: number) => `"${version}"`;
