import { reasonOf, unavailableDependency } from '@drehscheibe/availability';
import { DomainError } from '@drehscheibe/domain';
import { InvalidTokenError } from '@drehscheibe/security';
import { HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { frameworkProblem, sendProblem } from './framework-errors.js';
import { problem, problemHeaders, ProblemError, type ProblemCode, type ProblemDocument } from './problem.js';
import { unavailableProblem } from './unavailable.js';

export interface Refusal {
  document: ProblemDocument;
  headers: Record<string, string>;
}

/** What the answer logs go to: pino's logger or Fastify's request logger. */
interface ErrorLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

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
 * The problem document for any error, in one place for the API's exception
 * filter, Fastify's own errors and the queue board: known errors keep their
 * code; an unreachable database or Redis is a 503 with Retry-After; anything
 * else a 500.
 */
export function problemFor(error: unknown): Refusal {
  if (error instanceof DomainError) return { document: problem(error.code, error.message, error.details), headers: problemHeaders(error.code, error.details) };
  if (error instanceof ProblemError) return { document: problem(error.code, error.message, error.extensions), headers: error.headers };
  if (error instanceof InvalidTokenError) {
    return { document: problem('unauthorized', error.message), headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
  }
  const framework = frameworkProblem(error);
  if (framework) return { document: framework, headers: {} };
  if (error instanceof HttpException) {
    const code = HTTP_STATUS_CODES[error.getStatus()];
    if (code) return { document: problem(code, error.message), headers: {} };
  }
  const dependency = unavailableDependency(error);
  if (dependency) return unavailableProblem(dependency);
  return { document: problem('internal-error', 'an unexpected error occurred; quote the correlationId to the hub operators'), headers: {} };
}

/** Logs what operators must see (a 500 with its stack, a 503 with its reason only) and sends the problem. */
export function answerError(log: ErrorLog, request: FastifyRequest, reply: FastifyReply, error: unknown, refusal: Refusal = problemFor(error)): void {
  const context = { correlationId: request.id, route: request.routeOptions?.url };
  if (refusal.document.status === 503) {
    // Expected during an outage and logged by the thousand: the reason, not the stack.
    log.warn({ ...context, reason: reasonOf(error) }, 'request refused: dependency unreachable');
  } else if (refusal.document.status >= 500) {
    log.error({ ...context, err: error }, 'request failed');
  }
  sendProblem(reply, String(request.id), refusal.document, refusal.headers);
}

/** For Fastify's `frameworkErrors`: a malformed URL or an over-long parameter, answered before any hook or route runs. */
export function answerFrameworkError(log: ErrorLog) {
  return (error: Error, request: FastifyRequest, reply: FastifyReply): void => answerError(log, request, reply, error);
}
