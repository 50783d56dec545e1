import type { components } from '@drehscheibe/contracts';
import { ClientRegistry, type Client, type RotatedClientSecret } from '@drehscheibe/registry';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../http/request-context.js';

type Schemas = components['schemas'];

/** The default overlap of a rotation: an hour for the Land to deploy its new secret. */
const DEFAULT_OVERLAP_SECONDS = 3600;

/** A participant's clients after they were issued: list, disable, delete, rotate the secret. */
@Controller('v1/participants/:participantId/clients')
@RequireScope('admin')
export class ClientsController {
  constructor(private readonly clients: ClientRegistry) {}

  @Get()
  async list(@Param('participantId') participantId: string): Promise<{ items: Client[] }> {
    return { items: await this.clients.list(participantId) };
  }

  @Patch(':clientId')
  update(@Param('participantId') participantId: string, @Param('clientId') clientId: string, @Body() body: Schemas['ClientUpdate']): Promise<Client> {
    return this.clients.setEnabled(participantId, clientId, body.enabled);
  }

  @Delete(':clientId')
  @HttpCode(204)
  async remove(@Param('participantId') participantId: string, @Param('clientId') clientId: string): Promise<void> {
    await this.clients.remove(participantId, clientId);
  }

  @Post(':clientId/secret')
  @HttpCode(200)
  rotate(
    @Param('participantId') participantId: string,
    @Param('clientId') clientId: string,
    @Body() body: Schemas['SecretRotation'] | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RotatedClientSecret> {
    void reply.header('cache-control', 'no-store');
    return this.clients.rotateSecret(participantId, clientId, body?.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
  }
}
