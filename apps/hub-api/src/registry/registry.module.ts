import { CodelistRegistry } from '@drehscheibe/codelists';
import { mappingParticipantReferences } from '@drehscheibe/mapping';
import type { HubConfig } from '@drehscheibe/config';
import { DeliveryQueue, DeliveryStore, ReceiverEndpoints, ReceiverHealthStore } from '@drehscheibe/delivery';
import { noticeParticipantReferences } from '@drehscheibe/notices';
import { FieldCipher } from '@drehscheibe/security';
import {
  ClientKeyRegistry,
  ClientRegistry,
  DeliverySecrets,
  IdentityProviderRegistry,
  ENDPOINT_CHANGES,
  PARTICIPANT_REFERENCES,
  ParticipantRegistry,
  RegistryDirectory,
  RoutingRuleBook,
  ServiceCatalog,
  type EndpointChanges,
  type ParticipantReferences,
} from '@drehscheibe/registry';
import { EndpointPolicy } from '@drehscheibe/security';
import { ticketParticipantReferences } from '@drehscheibe/tickets';
import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, LOGGER } from '../core/tokens.js';
import { ClientKeysController } from './client-keys.controller.js';
import { ClientsController } from './clients.controller.js';
import { IdentityProvidersController } from './identity-providers.controller.js';
import { ParticipantsController, RoutingRulesController, ServicesController } from './registry.controllers.js';

/** Who takes part and how tickets find them: participants and their clients, services, routing rules. */
@Module({
  controllers: [ParticipantsController, ClientsController, ClientKeysController, IdentityProvidersController, ServicesController, RoutingRulesController],
  providers: [
    // What tickets and notices keep about a participant: it stays while any of that is history. Mapping profiles go with it.
    { provide: PARTICIPANT_REFERENCES, useValue: [ticketParticipantReferences, noticeParticipantReferences, mappingParticipantReferences] },
    // A new or changed delivery URL: the receiver starts afresh (circuit, backoff) and the worker verifies the endpoint.
    {
      provide: ENDPOINT_CHANGES,
      useFactory: (dataSource: DataSource, queue: DeliveryQueue, logger: Logger) =>
        new ReceiverEndpoints(new ReceiverHealthStore(dataSource), new DeliveryStore(dataSource), queue, logger.child({ component: 'endpoints' })),
      inject: [DataSource, DeliveryQueue, LOGGER],
    },
    // Delivery secrets (HMAC, FIT-Connect) are stored encrypted with the data key.
    {
      provide: DeliverySecrets,
      useFactory: (dataSource: DataSource, cipher: FieldCipher) => new DeliverySecrets(dataSource, cipher),
      inject: [DataSource, FieldCipher],
    },
    {
      provide: ParticipantRegistry,
      useFactory: (dataSource: DataSource, config: HubConfig, references: ParticipantReferences[], endpoints: EndpointChanges, secrets: DeliverySecrets) =>
        new ParticipantRegistry(dataSource, config.delivery.allowPrivateEndpoints, references, endpoints, secrets),
      inject: [DataSource, HUB_CONFIG, PARTICIPANT_REFERENCES, ENDPOINT_CHANGES, DeliverySecrets],
    },
    { provide: ClientRegistry, useFactory: (dataSource: DataSource) => new ClientRegistry(dataSource), inject: [DataSource] },
    { provide: ClientKeyRegistry, useFactory: (dataSource: DataSource) => new ClientKeyRegistry(dataSource), inject: [DataSource] },
    {
      provide: IdentityProviderRegistry,
      useFactory: (dataSource: DataSource, config: HubConfig) =>
        new IdentityProviderRegistry(dataSource, new EndpointPolicy(config.delivery.allowPrivateEndpoints), config.auth.issuer),
      inject: [DataSource, HUB_CONFIG],
    },
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
