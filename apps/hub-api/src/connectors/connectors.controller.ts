import { ConnectorConfigs, type ConnectorView } from '@drehscheibe/connectors';
import type { components } from '@drehscheibe/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CallerClient, RequireScope } from '../http/request-context.js';

type Schemas = components['schemas'];

/** Connectors: how the hub reaches a participant's ticket system, and what it is doing there. Admin only; no answer carries a secret. */
@Controller()
@RequireScope('admin')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorConfigs) {}

  @Get('v1/connectors')
  async list(): Promise<{ items: ConnectorView[] }> {
    return { items: await this.connectors.list() };
  }

  @Get('v1/participants/:participantId/connector')
  get(@Param('participantId') participantId: string): Promise<ConnectorView> {
    return this.connectors.get(participantId);
  }

  @Put('v1/participants/:participantId/connector')
  async put(
    @Param('participantId') participantId: string,
    @Body() body: Schemas['ConnectorInput'],
    @CallerClient() actorId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConnectorView> {
    const { view, created } = await this.connectors.put(participantId, body, actorId);
    void reply.status(created ? 201 : 200);
    return view;
  }

  @Delete('v1/participants/:participantId/connector')
  @HttpCode(204)
  async remove(@Param('participantId') participantId: string): Promise<void> {
    await this.connectors.remove(participantId);
  }
}
