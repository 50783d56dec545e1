import { baseMediaType, SpecValidator } from '@drehscheibe/contracts';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { ProblemError } from './problem.js';
import { toSpecPath } from './spec-path.js';

/**
 * Validates parameters and body of every request against the OpenAPI
 * operation it hits, before any handler runs: a request that does not match
 * the contract changes nothing. The query is checked as a copy (the
 * validator fills in defaults and types there): controllers read their typed
 * values from the query as received (see query.ts).
 */
@Injectable()
export class SpecValidationInterceptor implements NestInterceptor {
  constructor(private readonly validator: SpecValidator) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const path = toSpecPath(request.routeOptions.url ?? '');
    if (!this.validator.has(request.method, path)) return next.handle();
    const mediaType = baseMediaType(request.headers['content-type']);
    const accepted = this.validator.requestMediaTypes(request.method, path);
    if (request.body !== undefined && accepted.length > 0 && !accepted.includes('*/*') && (!mediaType || !accepted.includes(mediaType))) {
      throw new ProblemError('unsupported-media-type', `send the body as ${accepted.join(' or ')}`);
    }
    const violations = this.validator.validateRequest(request.method, path, {
      body: request.body,
      mediaType,
      query: { ...(request.query as Record<string, unknown>) },
      params: request.params as Record<string, unknown>,
      headers: request.headers,
    });
    if (violations.length > 0) {
      throw new ProblemError('validation-failed', violations.map((v) => `${v.pointer} ${v.message}`).join('; '), { errors: violations });
    }
    return next.handle();
  }
}
