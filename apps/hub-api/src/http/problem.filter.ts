import { reasonOf, unavailableDependency } from '@drehscheibe/availability';
import { DomainError } from '@drehscheibe/domain';
import { InvalidTokenError } from '@drehscheibe/security';
import { HttpException, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { frameworkProblem, sendProblem, type RouteTable } from './framework-errors.js';
import { problem, ProblemError, type ProblemCode, type ProblemDocument } from './problem.js';
import { unavailableProblem } from './unavailable.js';

const HTTP_STATUS_CODES: Record<number, ProblemCode> = {
  400: 'malformed-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

/**
 * Turns every error into RFC 9457 problem+json. Known errors keep their code;
 * an unreachable database or Redis is a 503 with Retry-After; anything else
 * is a 500 whose correlation id is in the log line.
 */
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly routes: RouteTable,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { document, headers } = this.toProblem(error, request);
    if (document.status === 503) {
      // Expected during an outage and logged by the thousand: the reason, not the stack.
      this.logger.warn({ reason: reasonOf(error), correlationId: request.id, route: request.routeOptions?.url }, 'request refused: dependency unreachable');
    } else if (document.status >= 500) {
      this.logger.error({ err: error, correlationId: request.id, route: request.routeOptions?.url }, 'request failed');
    }
    sendProblem(reply, String(request.id), document, headers);
  }

  private toProblem(error: unknown, request: FastifyRequest): { document: ProblemDocument; headers: Record<string, string> } {
    if (error instanceof DomainError) return { document: problem(error.code, error.message, error.details), headers: {} };
    if (error instanceof ProblemError) return { document: problem(error.code, error.message, error.extensions), headers: error.headers };
    if (error instanceof InvalidTokenError) {
      return { document: problem('unauthorized', error.message), headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    }
    const framework = frameworkProblem(error);
    if (framework) return { document: framework, headers: {} };
    if (error instanceof NotFoundException && request.routeOptions?.url === undefined) return this.unrouted(request);
    if (error instanceof HttpException) {
      const code = HTTP_STATUS_CODES[error.getStatus()];
      if (code) return { document: problem(code, error.message), headers: {} };
    }
    const dependency = unavailableDependency(error);
    if (dependency) return unavailableProblem(dependency);
    return { document: problem('internal-error', 'an unexpected error occurred; quote the correlationId to the hub operators'), headers: {} };
  }

  /** No route for this method and path: `405` with `Allow` when the path has other methods, else `404`. */
  private unrouted(request: FastifyRequest): { document: ProblemDocument; headers: Record<string, string> } {
    const path = request.url.split('?')[0];
    const allowed = this.routes.allowedMethods(path);
    if (allowed.length > 0) {
      return {
        document: problem('method-not-allowed', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`),
        headers: { allow: allowed.join(', ') },
      };
    }
    return { document: problem('not-found', `no route ${request.method} ${path}`), headers: {} };
  }
}
