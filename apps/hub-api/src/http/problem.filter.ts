import { reasonOf, unavailableDependency } from '@drehscheibe/availability';
import { DomainError } from '@drehscheibe/domain';
import { InvalidTokenError } from '@drehscheibe/security';
import { HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { problem, ProblemError, type ProblemCode, type ProblemDocument } from './problem.js';
import { unavailableProblem } from './unavailable.js';

/** Fastify's own request errors, by code, to our problem codes. */
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-request',
};

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
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { document, headers } = this.toProblem(error, request);
    document.correlationId = String(request.id);
    if (document.status === 503) {
      // Expected during an outage and logged by the thousand: the reason, not the stack.
      this.logger.warn({ reason: reasonOf(error), correlationId: request.id, route: request.routeOptions?.url }, 'request refused: dependency unreachable');
    } else if (document.status >= 500) {
      this.logger.error({ err: error, correlationId: request.id, route: request.routeOptions?.url }, 'request failed');
    }
    void reply.status(document.status).headers(headers).header('content-type', 'application/problem+json').send(JSON.stringify(document));
  }

  private toProblem(error: unknown, request: FastifyRequest): { document: ProblemDocument; headers: Record<string, string> } {
    if (error instanceof DomainError) return { document: problem(error.code, error.message, error.details), headers: {} };
    if (error instanceof ProblemError) return { document: problem(error.code, error.message, error.extensions), headers: error.headers };
    if (error instanceof InvalidTokenError) {
      return { document: problem('unauthorized', error.message), headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    }
    const fastifyCode = (error as { code?: string })?.code;
    if (fastifyCode && fastifyCode in FASTIFY_CODES) {
      return { document: problem(FASTIFY_CODES[fastifyCode], (error as Error).message), headers: {} };
    }
    if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
      return { document: problem('malformed-request', 'the body is not valid JSON'), headers: {} };
    }
    if (error instanceof HttpException) {
      const code = HTTP_STATUS_CODES[error.getStatus()];
      const detail = error.getStatus() === 404 ? `no route ${request.method} ${request.url.split('?')[0]}` : error.message;
      if (code) return { document: problem(code, detail), headers: {} };
    }
    const dependency = unavailableDependency(error);
    if (dependency) return unavailableProblem(dependency);
    return { document: problem('internal-error', 'an unexpected error occurred; quote the correlationId to the hub operators'), headers: {} };
  }
}
