import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { DeliveryQueue } from '@drehscheibe/delivery';
import { AccessTokenService } from '@drehscheibe/security';
import { authenticateClient, basicCredentials } from '../auth/client-credentials.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for operators. A browser cannot send our bearer tokens, so the
 * board also accepts HTTP Basic with the id and secret of a client that holds
 * the admin scope; either way, nobody without that scope gets in.
 */
export async function mountQueueBoard(fastify: FastifyInstance, queue: DeliveryQueue, dataSource: DataSource, tokens: AccessTokenService): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue.queue)], serverAdapter });

  const isAdmin = async (authorization: string | undefined): Promise<boolean> => {
    if (!authorization) return false;
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer) return (await tokens.verify(bearer[1]).catch(() => null))?.scopes.includes('admin') ?? false;
    const basic = basicCredentials(authorization);
    const client = basic ? await authenticateClient(dataSource, basic.id, basic.secret) : null;
    return client?.scopes.includes('admin') ?? false;
  };

  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!(await isAdmin(request.headers.authorization))) {
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
