import {
  baseMediaType,
  InputError,
  parseFormStrictly,
  parseJsonStrictly,
  pointerOf,
  QUERY_VIOLATIONS,
  textViolation,
  type ParsedQuery,
  type Violation,
} from '@drehscheibe/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from './problem.js';
import { toSpecPath } from './spec-path.js';

const FORM = 'application/x-www-form-urlencoded';
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

export type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

function toProblem(error: unknown): unknown {
  if (!(error instanceof InputError)) return error;
  if (error.kind === 'malformed') return new ProblemError('malformed-request', error.message);
  return new ProblemError('validation-failed', error.message, { errors: error.violations });
}

/**
 * The one place request bodies and URLs are parsed, for every route (API,
 * Swagger UI, queue board). Replaces Fastify's and Nest's parsers:
 *
 * - JSON bodies (`application/json`, `+json`): exactly one JSON text, no
 *   duplicate member names, no U+0000 or lone surrogates (`parseJsonStrictly`);
 * - form bodies (the token endpoint) under the same text rule;
 * - operations whose contract takes any media type (attachments) get the raw
 *   bytes whatever the Content-Type, with their own body limit;
 * - any other media type stays a Buffer, and the contract refuses it (415);
 * - path and query parameters follow the same text rule (the query is parsed
 *   by `parseQueryStrictly`, given to the router).
 *
 * The exact bytes are kept as `request.rawBody` (idempotency hash, receipts).
 */
export function installRequestParsing(fastify: FastifyInstance, rawBody: { operations: ReadonlySet<string>; bodyLimit: number }): void {
  fastify.removeAllContentTypeParsers();
  fastify.addHook('onRoute', (route) => {
    const url = toSpecPath(route.url);
    if ([route.method].flat().some((method) => rawBody.operations.has(`${method} ${url}`))) {
      route.bodyLimit = rawBody.bodyLimit;
      route.config = { ...route.config, rawBody: true };
    }
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request: RequestWithRawBody, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    request.rawBody = body;
    if ((request.routeOptions.config as { rawBody?: boolean }).rawBody) return done(null, body);
    const mediaType = baseMediaType(request.headers['content-type']);
    try {
      if (mediaType && isJson(mediaType)) return done(null, parseJsonStrictly(body));
      if (mediaType === FORM) return done(null, parseFormStrictly(body));
    } catch (e) {
      return done(toProblem(e) as Error);
    }
    done(null, body);
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    const violations = urlViolations(request);
    if (violations.length === 0) return done();
    done(new ProblemError('validation-failed', violations.map((v) => `${v.pointer} ${v.message}`).join('; '), { errors: violations }));
  });
}

/** Path parameters (decoded by the router) and what the query parser refused. */
function urlViolations(request: FastifyRequest): Violation[] {
  const violations = [...((request.query as ParsedQuery | undefined)?.[QUERY_VIOLATIONS] ?? [])];
  for (const [name, value] of Object.entries((request.params as Record<string, unknown> | undefined) ?? {})) {
    const wrong = typeof value === 'string' ? textViolation(value) : undefined;
    if (wrong) violations.push({ pointer: pointerOf('/path', [name]), message: wrong });
  }
  return violations;
}
