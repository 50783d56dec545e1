import type { components } from '@drehscheibe/contracts';
import {
  DeliverySecrets,
  ParticipantRegistry,
  RoutingRuleBook,
  ServiceCatalog,
  type DeliverySignature,
  type Participant,
  type RoutingRule,
  type Service,
} from '@drehscheibe/registry';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../http/request-context.js';

type Schemas = components['schemas'];

/** The default overlap of a delivery secret's rotation: an hour for the receiver to deploy the new secret. */
const DEFAULT_DELIVERY_SECRET_OVERLAP_SECONDS = 3600;

@Controller('v1/participants')
@RequireScope('admin')
export class ParticipantsController {
  constructor(
    private readonly registry: ParticipantRegistry,
    private readonly deliverySecrets: DeliverySecrets,
  ) {}

  @Get()
  async list(): Promise<{ items: Participant[] }> {
    return { items: await this.registry.list() };
  }

  @Post()
  @HttpCode(201)
  register(@Body() body: Schemas['ParticipantCreate'], @Res({ passthrough: true }) reply: FastifyReply): Promise<Participant> {
    // The answer may carry a new delivery secret (shown once).
    if (body.deliverySignature) void reply.header('cache-control', 'no-store');
    return this.registry.register(body);
  }

  @Get(':participantId')
  get(@Param('participantId') id: string): Promise<Participant> {
    return this.registry.get(id);
  }

  @Patch(':participantId')
  update(
    @Param('participantId') id: string,
    @Body() body: Schemas['ParticipantUpdate'],
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Participant> {
    if (body.deliverySignature) void reply.header('cache-control', 'no-store');
    return this.registry.update(id, body);
  }

  @Post(':participantId/delivery-secret')
  @HttpCode(200)
  rotateDeliverySecret(
    @Param('participantId') id: string,
    @Body() body: Schemas['SecretRotation'] | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeliverySignature> {
    void reply.header('cache-control', 'no-store');
    return this.deliverySecrets.rotate(id, body?.overlapSeconds ?? DEFAULT_DELIVERY_SECRET_OVERLAP_SECONDS);
  }

  @Delete(':participantId')
  @HttpCode(204)
  async remove(@Param('participantId') id: string): Promise<void> {
    await this.registry.remove(id);
  }

  @Post(':participantId/clients')
  @HttpCode(201)
  createClient(
    @Param('participantId') id: string,
    @Body() body: Partial<Schemas['ClientCreate']> | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Schemas['ClientCredentials']> {
    void reply.header('cache-control', 'no-store');
    return this.registry.createClient(id, body ?? {});
  }
}

@Controller('v1/services')
export class ServicesController {
  constructor(private readonly catalog: ServiceCatalog) {}

  @Get()
  async list(): Promise<{ items: Service[] }> {
    return { items: await this.catalog.list() };
  }

  @Get(':serviceId')
  get(@Param('serviceId') id: string): Promise<Service> {
    return this.catalog.get(id);
  }

  @Post()
  @HttpCode(201)
  @RequireScope('admin')
  register(@Body() body: Schemas['ServiceCreate']): Promise<Service> {
    return this.catalog.register(body);
  }

  @Patch(':serviceId')
  @RequireScope('admin')
  update(@Param('serviceId') id: string, @Body() body: Schemas['ServiceUpdate']): Promise<Service> {
    return this.catalog.update(id, body);
  }

  @Delete(':serviceId')
  @HttpCode(204)
  @RequireScope('admin')
  async remove(@Param('serviceId') id: string): Promise<void> {
    await this.catalog.remove(id);
  }
}

@Controller('v1/routing-rules')
@RequireScope('admin')
export class RoutingRulesController {
  constructor(private readonly rules: RoutingRuleBook) {}

  @Get()
  async list(): Promise<{ items: RoutingRule[] }> {
    return { items: await this.rules.list() };
  }

  @Post()
  @HttpCode(201)
  create(@Body() body: Schemas['RoutingRuleCreate']): Promise<RoutingRule> {
    return this.rules.create(body);
  }

  @Get(':ruleId')
  get(@Param('ruleId') id: string): Promise<RoutingRule> {
    return this.rules.get(id);
  }

  @Patch(':ruleId')
  update(@Param('ruleId') id: string, @Body() body: Schemas['RoutingRuleUpdate']): Promise<RoutingRule> {
    return this.rules.update(id, body);
  }

  @Delete(':ruleId')
  @HttpCode(204)
  async remove(@Param('ruleId') id: string): Promise<void> {
    await this.rules.remove(id);
  }
}
