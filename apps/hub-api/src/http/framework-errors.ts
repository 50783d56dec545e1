import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { problem, type ProblemCode, type ProblemDocument } from './problem.js';

export const CORRELATION_HEADER = 'x-correlation-id';

/** Every problem leaves the same way: problem+json, with the correlation id in body and header. */
export function sendProblem(reply: FastifyReply, correlationId: string, document: ProblemDocument, headers: Record<string, string> = {}): void {
  document.correlationId = correlationId;
  void reply
    .status(document.status)
    .headers(headers)
    .header(CORRELATION_HEADER, correlationId)
    .header('content-type', 'application/problem+json')
    .send(JSON.stringify(document));
}

/** Fastify's own request errors, by code, to our problem codes. */
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_BAD_URL: 'malformed-request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-request',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'malformed-request',
};

const DETAIL: Partial<Record<string, string>> = {
  FST_ERR_BAD_URL: 'the URL is not validly percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'a path parameter is longer than the hub accepts',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the Content-Type header is not a valid media type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is larger than the hub accepts here',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the body does not have the length Content-Length announced',
};

/**
 * A problem for an error Fastify raised itself (router, body reading), or
 * undefined when the error is not one. Fastify's own messages name internals,
 * so the detail is ours.
 */
export function frameworkProblem(error: unknown): ProblemDocument | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: string; statusCode?: number };
  if (typeof code !== 'string' || !code.startsWith('FST_ERR')) return undefined;
  const mapped = FASTIFY_CODES[code];
  if (mapped) return problem(mapped, DETAIL[code] ?? (error as Error).message);
  // Any other client error of the framework (a stream aborted while reading, ...).
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return problem('malformed-request', 'the request could not be read');
  return undefined;
}

/**
 * For Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses
 * (malformed request line, invalid header characters such as NUL, headers
 * too large, too slow). There is no request yet, so the answer goes straight
 * to the socket, still as problem+json with a correlation id that is logged.
 */
export function answerClientError(logger: Logger) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const code: ProblemCode =
      error.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request-timeout' : 'malformed-request';
    const correlationId = randomUUID();
    const document = { ...problem(code, code === 'malformed-request' ? 'the request is not valid HTTP/1.1' : undefined), correlationId };
    logger.debug({ correlationId, code: error.code }, 'client error');
    if (socket.writable) {
      const body = JSON.stringify(document);
      socket.write(
        `HTTP/1.1 ${document.status} ${STATUS_CODES[document.status]}\r\nContent-Type: application/problem+json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n${CORRELATION_HEADER}: ${correlationId}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}

/**
 * Which methods the server routes for a concrete path, so that a request
 * with another method answers `405` with `Allow` instead of `404`. Built
 * lazily from the route list, once every route is registered.
 */
export class RouteTable {
  private matchers?: Array<{ pattern: RegExp; method: string }>;

  constructor(private readonly routes: readonly string[]) {}

  allowedMethods(path: string): string[] {
    this.matchers ??= this.routes.map((route) => {
      const [method, template] = route.split(' ');
      const pattern = template
        .split(/(\{[^}]+\}|\*)/)
        .map((part) => (part === '*' ? '.*' : part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { method, pattern: new RegExp(`^${pattern}$`) };
    });
    const methods = new Set(this.matchers.filter((m) => m.pattern.test(path)).map((m) => m.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}
