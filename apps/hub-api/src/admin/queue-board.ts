import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { DeliveryQueue } from '@drehscheibe/delivery';
import { InvalidTokenError } from '@drehscheibe/security';
import type { ClientCertificates } from '../auth/client-certificates.js';
import { basicCredentials, bearerToken, type BearerAuthentication, type ClientSecretAuthentication } from '../auth/client-credentials.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerError, problemFor } from '../http/error-answers.js';
import { sendProblem } from '../http/framework-errors.js';
import { problem, ProblemError, type ProblemCode } from '../http/problem.js';
import { RETRY_AFTER_SECONDS } from '../http/unavailable.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

export interface QueueBoardOptions {
  /** Refuse every change (retry, clean, promote, pause, add, remove…); only reading is left. */
  readOnly: boolean;
}

/**
 * The board works on networks without internet access: nothing it serves may
 * make the browser fetch from another host. Bull Board's page links web fonts
 * from Google; they are removed (the page falls back to local fonts), and the
 * Content-Security-Policy keeps anything else from loading.
 */
const EXTERNAL_LINK = /<link\b[^>]*\bhref=["']?(?:https?:)?\/\/[^>]*>\s*/gi;
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');
const READING = new Set(['GET', 'HEAD']);

/**
 * Bull Board for operators. A browser cannot send our bearer tokens, so the
 * board also accepts HTTP Basic with the id and secret of a client that holds
 * the admin scope; either way, nobody without that scope gets in. Both ways
 * go through the API's own checks: revoked tokens, disabled clients and the
 * limits on failed authentications apply here too. Read-only unless
 * configured otherwise: every changing call is refused here, before Bull
 * Board sees it, not only hidden in its page.
 */
export async function mountQueueBoard(
  fastify: FastifyInstance,
  queue: DeliveryQueue,
  clients: ClientSecretAuthentication,
  bearer: BearerAuthentication,
  certificates: ClientCertificates,
  options: QueueBoardOptions,
): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue.queue, { readOnlyMode: options.readOnly })], serverAdapter });
  // Bull Board answers a failing call 500; a Redis that cannot be reached is a 503 like everywhere else.
  serverAdapter.setErrorHandler((error: Error) => {
    const { document } = problemFor(error);
    // Bull Board's status type lists only 500, but its adapter sends whatever status it is given.
    return { status: document.status as 500, body: document };
  });

  /** Authentication failures are `false`; anything else (429, an unreachable dependency) is for the caller to hear. */
  const isAdmin = async (request: FastifyRequest): Promise<boolean> => {
    const authorization = request.headers.authorization;
    try {
      const token = bearerToken(authorization);
      if (token) return (await bearer.authenticate(token, request)).scopes.includes('admin');
      const basic = basicCredentials(authorization);
      if (!basic) return false;
      const { client } = await clients.authenticate(basic.id, basic.secret, request.ip, true);
      // As at the token endpoint: a client bound to its certificate gets nothing without one.
      if (client.tlsBoundAccessTokens && !certificates.of(request)) return false;
      return client.scopes.includes('admin');
    } catch (e) {
      if (e instanceof InvalidTokenError || (e instanceof ProblemError && (e.code === 'invalid-client' || e.code === 'certificate-mismatch'))) return false;
      throw e;
    }
  };
  const refuse = (request: FastifyRequest, reply: FastifyReply, code: ProblemCode, detail: string, headers: Record<string, string> = {}) => {
    sendProblem(reply, String(request.id), problem(code, detail), headers);
    return reply;
  };

  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      let admin: boolean;
      try {
        admin = await isAdmin(request);
      } catch (e) {
        answerError(request.log, request, reply, e);
        return reply;
      }
      if (!admin) {
        return refuse(request, reply, 'unauthorized', 'the queue board needs an admin client', {
          'www-authenticate': 'Basic realm="Drehscheibe queues", charset="UTF-8"',
        });
      }
      if (options.readOnly && !READING.has(request.method)) {
        return refuse(request, reply, 'forbidden', 'the queue board is read-only (QUEUE_BOARD_READ_ONLY); use the deliveries API to retry or replay');
      }
    });
    scope.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      if (reply.statusCode === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS)).type('application/problem+json');
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.startsWith('text/html') && typeof payload === 'string') return payload.replace(EXTERNAL_LINK, '');
      return payload;
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_BOARD_PATH });
  });
}
