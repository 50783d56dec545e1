import { NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { answerError, problemFor, type Refusal } from './error-answers.js';
import type { RouteTable } from './framework-errors.js';
import { problem } from './problem.js';

/**
 * Turns every error into RFC 9457 problem+json (see `problemFor`); a request
 * no route matched answers 404, or 405 with `Allow` when the path takes
 * other methods.
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
    const unrouted = error instanceof NotFoundException && request.routeOptions?.url === undefined;
    answerError(this.logger, request, reply, error, unrouted ? this.unrouted(request) : problemFor(error));
  }

  /** No route for this method and path: `405` with `Allow` when the path has other methods, else `404`. */
  private unrouted(request: FastifyRequest): Refusal {
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
