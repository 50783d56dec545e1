import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { unavailableDependency } from '@drehscheibe/availability';
import type { DeliveryQueue } from '@drehscheibe/delivery';
import { AccessTokenService } from '@drehscheibe/security';
import { authenticateClient, basicCredentials } from '../auth/client-credentials.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { problem, type ProblemCode } from '../http/problem.js';
import { unavailableProblem } from '../http/unavailable.js';

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
 * the admin scope; either way, nobody without that scope gets in. Read-only
 * unless configured otherwise: every changing call is refused here, before
 * Bull Board sees it, not only hidden in its page.
 */
export async function mountQueueBoard(
  fastify: FastifyInstance,
  queue: DeliveryQueue,
  dataSource: DataSource,
  tokens: AccessTokenService,
  options: QueueBoardOptions,
): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue.queue, { readOnlyMode: options.readOnly })], serverAdapter });
  // Bull Board answers a failing call 500; a Redis that cannot be reached is a 503 like everywhere else.
  serverAdapter.setErrorHandler((error: Error) => {
    const dependency = unavailableDependency(error);
    // Bull Board's status type lists no 503, but its adapter sends whatever status it is given.
    if (dependency) return { status: 503 as unknown as 500, body: unavailableProblem(dependency).document };
    return { status: 500 as const, body: problem('internal-error', 'the queue board failed; see the hub log') };
  });

  const isAdmin = async (authorization: string | undefined): Promise<boolean> => {
    if (!authorization) return false;
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer) return (await tokens.verify(bearer[1]).catch(() => null))?.scopes.includes('admin') ?? false;
    const basic = basicCredentials(authorization);
    const client = basic ? await authenticateClient(dataSource, basic.id, basic.secret) : null;
    return client?.scopes.includes('admin') ?? false;
  };
  const refuse = (reply: FastifyReply, code: ProblemCode, detail: string, headers: Record<string, string> = {}) =>
    reply
      .status(problem(code, detail).status)
      .headers(headers)
      .header('content-type', 'application/problem+json')
      .send(JSON.stringify(problem(code, detail)));

  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      let admin: boolean;
      try {
        admin = await isAdmin(request.headers.authorization);
      } catch (e) {
        const dependency = unavailableDependency(e);
        if (!dependency) throw e;
        const { document, headers } = unavailableProblem(dependency);
        return reply.status(503).headers(headers).header('content-type', 'application/problem+json').send(JSON.stringify(document));
      }
      if (!admin) {
        return refuse(reply, 'unauthorized', 'the queue board needs an admin client', {
          'www-authenticate': 'Basic realm="Drehscheibe queues", charset="UTF-8"',
        });
      }
      if (options.readOnly && !READING.has(request.method)) {
        return refuse(reply, 'forbidden', 'the queue board is read-only (QUEUE_BOARD_READ_ONLY); use the deliveries API to retry or replay');
      }
    });
    scope.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      if (reply.statusCode === 503) void reply.header('retry-after', unavailableProblem('redis').headers['retry-after']).type('application/problem+json');
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.startsWith('text/html') && typeof payload === 'string') return payload.replace(EXTERNAL_LINK, '');
      return payload;
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_BOARD_PATH });
  });
}
