import type { components } from '@drehscheibe/contracts';
import { ClientKeyRegistry, type ClientKey } from '@drehscheibe/registry';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireScope } from '../http/request-context.js';

/** The public keys of a private_key_jwt client: register another (rotation), list, remove. */
@Controller('v1/participants/:participantId/clients/:clientId/keys')
@RequireScope('admin')
export class ClientKeysController {
  constructor(private readonly keys: ClientKeyRegistry) {}

  @Get()
  async list(@Param('participantId') participantId: string, @Param('clientId') clientId: string): Promise<{ items: ClientKey[] }> {
    return { items: await this.keys.list(participantId, clientId) };
  }

  @Post()
  @HttpCode(201)
  add(@Param('participantId') participantId: string, @Param('clientId') clientId: string, @Body() jwk: components['schemas']['PublicJwk']): Promise<ClientKey> {
    return this.keys.add(participantId, clientId, jwk);
  }

  @Delete(':kid')
  @HttpCode(204)
  async remove(@Param('participantId') participantId: string, @Param('clientId') clientId: string, @Param('kid') kid: string): Promise<void> {
    await this.keys.remove(participantId, clientId, kid);
  }
}
