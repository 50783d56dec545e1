import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { DeliveryQueue } from '@drehscheibe/delivery';
import { basicCredentials, BearerAuthentication, ClientSecretAuthentication } from '../auth/client-credentials.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, ProblemError } from '../http/problem.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for operators. A browser cannot send our bearer tokens, so the
 * board also accepts HTTP Basic with the id and secret of a client that holds
 * the admin scope; either way, nobody without that scope gets in. Both ways
 * go through the API's own checks: revoked tokens, disabled clients and the
 * limits on failed authentications apply here too.
 */
export async function mountQueueBoard(
  fastify: FastifyInstance,
  queue: DeliveryQueue,
  clients: ClientSecretAuthentication,
  bearer: BearerAuthentication,
): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue.queue)], serverAdapter });

  const isAdmin = async (request: FastifyRequest): Promise<boolean> => {
    const authorization = request.headers.authorization;
    if (!authorization) return false;
    const token = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (token) return (await bearer.authenticate(token[1]).catch(() => null))?.scopes.includes('admin') ?? false;
    const basic = basicCredentials(authorization);
    if (!basic) return false;
    try {
      const { client } = await clients.authenticate(basic.id, basic.secret, request.ip, true);
      return client.scopes.includes('admin');
    } catch (e) {
      if (e instanceof ProblemError && e.code === 'too-many-requests') throw e;
      return false;
    }
  };

  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      let admitted: boolean;
      try {
        admitted = await isAdmin(request);
      } catch (e) {
        if (!(e instanceof ProblemError)) throw e;
        await reply
          .status(429)
          .headers(e.headers)
          .header('content-type', 'application/problem+json')
          .send(JSON.stringify({ ...problem(e.code, e.message, e.extensions), correlationId: String(request.id) }));
        return;
      }
      if (!admitted) {
        await reply
          .status(401)
          .header('www-authenticate', 'Basic realm="Drehscheibe queues", charset="UTF-8"')
          .header('content-type', 'application/problem+json')
          .send(
            JSON.stringify({
              type: 'urn:drehscheibe:problem:unauthorized',
              title: 'Authentication required',
              status: 401,
              detail: 'the queue board needs an admin client',
            }),
          );
      }
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_BOARD_PATH });
  });
}
