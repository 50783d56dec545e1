import { CodelistRegistry } from '@drehscheibe/codelists';
import type { HubConfig } from '@drehscheibe/config';
import { ClientRegistry, ParticipantRegistry, RegistryDirectory, RoutingRuleBook, ServiceCatalog } from '@drehscheibe/registry';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../core/tokens.js';
import { ClientsController } from './clients.controller.js';
import { ParticipantsController, RoutingRulesController, ServicesController } from './registry.controllers.js';

/** Who takes part and how tickets find them: participants and their clients, services, routing rules. */
@Module({
  controllers: [ParticipantsController, ClientsController, ServicesController, RoutingRulesController],
  providers: [
    {
      provide: ParticipantRegistry,
      useFactory: (dataSource: DataSource, config: HubConfig) => new ParticipantRegistry(dataSource, config.delivery.allowPrivateEndpoints),
      inject: [DataSource, HUB_CONFIG],
    },
    { provide: ClientRegistry, useFactory: (dataSource: DataSource) => new ClientRegistry(dataSource), inject: [DataSource] },
    { provide: ServiceCatalog, useFactory: (dataSource: DataSource) => new ServiceCatalog(dataSource), inject: [DataSource] },
    {
      provide: RoutingRuleBook,
      useFactory: (dataSource: DataSource, codelists: CodelistRegistry) => new RoutingRuleBook(dataSource, codelists),
      inject: [DataSource, CodelistRegistry],
    },
    RegistryDirectory,
  ],
  // How tickets and notices read the registry.
  exports: [RegistryDirectory],
})
export class RegistryModule {}
