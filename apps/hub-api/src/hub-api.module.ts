import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import type { HubConfig } from '@drehscheibe/config';
import { SpecValidator } from '@drehscheibe/contracts';
import { createRedis, DeliveryAdmin, DeliveryQueue, DeliveryStore, ReceiverHealthStore } from '@drehscheibe/delivery';
import { DELIVERY_DISPATCHER, OutboxWriter } from '@drehscheibe/outbox';
import { DeliveriesController, ReceiversController } from './deliveries/deliveries.controller.js';
import { METRICS, METRICS_TOKEN, MetricsController } from './metrics/metrics.controller.js';
import type { HubMetrics } from '@drehscheibe/observability';
import { DatabaseConnection } from '@drehscheibe/persistence';
import { AccessTokenService, FieldCipher, ReceiptSigner, SigningKey } from '@drehscheibe/security';
import {
  ATTACHMENT_POLICY,
  ATTACHMENT_STORE,
  CreateTicket,
  DatabaseAttachmentStore,
  DirectoryAttachmentStore,
  TicketAttachments,
  TicketCommandRunner,
  TicketCommands,
  TicketList,
  TicketPresenter,
  TicketQueries,
  TicketStore,
  ticketEventFeedSource,
} from '@drehscheibe/tickets';
import { AttachmentsController } from './tickets/attachments.controller.js';
import { ServiceNoticesController } from './registry/notices.controller.js';
import { NoticeStore, noticeFeedSource, ServiceNotices } from '@drehscheibe/notices';
import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { JwksController, TOKEN_KEY_SET, WEBHOOK_KEY_SET } from './auth/jwks.controller.js';
import { OAuthController } from './auth/oauth.controller.js';
import { CodelistsController } from './codelists/codelists.controller.js';
import { HEALTH_REDIS, HealthController } from './health/health.controller.js';
import { AuthGuard } from './http/auth.guard.js';
import { SpecValidationInterceptor } from './http/spec-validation.interceptor.js';
import { EventsController } from './tickets/events.controller.js';
import { ParticipantsController, RoutingRulesController, ServicesController } from './registry/registry.controllers.js';
import {
  ClientAuthenticator,
  ClientRegistry,
  ClientStatusCache,
  ParticipantRegistry,
  RegistryDirectory,
  RoutingRuleBook,
  ServiceCatalog,
} from '@drehscheibe/registry';
import { BearerAuthentication, ClientSecretAuthentication } from './auth/client-credentials.js';
import { FailedAuthLimiter } from './auth/failed-auth-limiter.js';
import { ClientsController } from './registry/clients.controller.js';
import { TicketsController } from './tickets/tickets.controller.js';
import { IdempotencyInterceptor } from './http/idempotency.interceptor.js';
import { IdempotencyKeys } from '@drehscheibe/idempotency';
import { EventFeed, FEED_SOURCES } from '@drehscheibe/feed';
import { TicketOutcomeReplies } from './tickets/ticket-replies.js';

const TOKEN_KEY = Symbol('TokenSigningKey');

/** Closes what the module opened, in reverse order, when Nest shuts down. */
class ResourceCloser implements OnApplicationShutdown {
  constructor(
    private readonly queue: DeliveryQueue,
    private readonly redis: Redis,
    private readonly database: DatabaseConnection,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
    await this.database.close();
  }
}

@Module({})
export class HubApiModule {
  static forRoot(config: HubConfig, logger: Logger, metrics: HubMetrics, database: DatabaseConnection, validator: SpecValidator): DynamicModule {
    return {
      module: HubApiModule,
      controllers: [
        OAuthController,
        JwksController,
        HealthController,
        CodelistsController,
        TicketsController,
        EventsController,
        AttachmentsController,
        ParticipantsController,
        ClientsController,
        ServicesController,
        ServiceNoticesController,
        RoutingRulesController,
        DeliveriesController,
        ReceiversController,
        MetricsController,
      ],
      providers: [
        { provide: METRICS, useValue: metrics },
        // Connected in the background (see createHubApp): until it is, requests are answered 503.
        { provide: DatabaseConnection, useValue: database },
        { provide: DataSource, useValue: database.dataSource },
        { provide: HEALTH_REDIS, useFactory: () => createRedis(config.redisUrl, false, logger.child({ component: 'redis' })) },
        { provide: METRICS_TOKEN, useValue: config.metrics.token },
        {
          provide: DELIVERY_DISPATCHER,
          useFactory: (redis: Redis) => new DeliveryQueue(redis, config.queuePrefix, logger.child({ component: 'delivery-queue' })),
          inject: [HEALTH_REDIS],
        },
        { provide: DeliveryQueue, useExisting: DELIVERY_DISPATCHER },
        { provide: CodelistRegistry, useFactory: () => CodelistRegistry.fromDirectory(defaultCodelistDirectory()) },
        { provide: SpecValidator, useValue: validator },
        { provide: FieldCipher, useFactory: () => new FieldCipher(config.keys.dataKey) },
        { provide: TOKEN_KEY, useFactory: () => SigningKey.fromSecret(config.keys.tokenSigningKey) },
        { provide: TOKEN_KEY_SET, useFactory: (tokenKey: SigningKey) => [tokenKey.publicJwk], inject: [TOKEN_KEY] },
        { provide: WEBHOOK_KEY_SET, useFactory: async () => [(await SigningKey.fromSecret(config.keys.webhookSigningKey)).publicJwk] },
        {
          provide: AccessTokenService,
          useFactory: (key: SigningKey) => new AccessTokenService(key, config.auth.issuer, config.auth.tokenTtlSeconds),
          inject: [TOKEN_KEY],
        },
        { provide: ClientStatusCache, useFactory: (ds: DataSource) => new ClientStatusCache(ds, config.auth.clientCacheMs), inject: [DataSource] },
        {
          provide: BearerAuthentication,
          useFactory: (tokens: AccessTokenService, clients: ClientStatusCache) => new BearerAuthentication(tokens, clients),
          inject: [AccessTokenService, ClientStatusCache],
        },
        {
          provide: ClientSecretAuthentication,
          useFactory: (ds: DataSource, redis: Redis) =>
            new ClientSecretAuthentication(
              new ClientAuthenticator(ds),
              new FailedAuthLimiter(redis, config.queuePrefix, {
                perClient: config.auth.failuresPerClient,
                perSource: config.auth.failuresPerSource,
                windowSeconds: config.auth.failureWindowSeconds,
              }),
            ),
          inject: [DataSource, HEALTH_REDIS],
        },
        { provide: ClientRegistry, useFactory: (ds: DataSource) => new ClientRegistry(ds), inject: [DataSource] },
        { provide: ReceiptSigner, useFactory: (key: SigningKey) => new ReceiptSigner(key, config.auth.issuer), inject: [TOKEN_KEY] },
        {
          provide: 'ResourceCloser',
          useFactory: (q: DeliveryQueue, r: Redis) => new ResourceCloser(q, r, database),
          inject: [DeliveryQueue, HEALTH_REDIS],
        },
        TicketStore,
        TicketPresenter,
        RegistryDirectory,
        NoticeStore,
        { provide: OutboxWriter, useValue: new OutboxWriter() },
        { provide: FEED_SOURCES, useValue: [ticketEventFeedSource, noticeFeedSource] },
        { provide: DeliveryStore, useFactory: (ds: DataSource) => new DeliveryStore(ds), inject: [DataSource] },
        { provide: ReceiverHealthStore, useFactory: (ds: DataSource) => new ReceiverHealthStore(ds), inject: [DataSource] },
        TicketCommandRunner,
        CreateTicket,
        TicketCommands,
        TicketQueries,
        TicketList,
        EventFeed,
        TicketAttachments,
        { provide: DeliveryAdmin, useFactory: (ds: DataSource, q: DeliveryQueue) => new DeliveryAdmin(ds, q), inject: [DataSource, DeliveryQueue] },
        ServiceNotices,
        { provide: ATTACHMENT_POLICY, useValue: { maxBytes: config.attachments.maxBytes, mediaTypes: config.attachments.mediaTypes } },
        {
          provide: ATTACHMENT_STORE,
          useFactory: (ds: DataSource) =>
            config.attachments.directory ? new DirectoryAttachmentStore(config.attachments.directory) : new DatabaseAttachmentStore(ds),
          inject: [DataSource],
        },
        {
          provide: ParticipantRegistry,
          useFactory: (ds: DataSource) => new ParticipantRegistry(ds, config.delivery.allowPrivateEndpoints),
          inject: [DataSource],
        },
        { provide: ServiceCatalog, useFactory: (ds: DataSource) => new ServiceCatalog(ds), inject: [DataSource] },
        { provide: RoutingRuleBook, useFactory: (ds: DataSource, c: CodelistRegistry) => new RoutingRuleBook(ds, c), inject: [DataSource, CodelistRegistry] },
        {
          provide: IdempotencyKeys,
          useFactory: (ds: DataSource, cipher: FieldCipher) => new IdempotencyKeys(ds, cipher, config.idempotency),
          inject: [DataSource, FieldCipher],
        },
        TicketOutcomeReplies,
        { provide: APP_GUARD, useClass: AuthGuard },
        // Order matters: validate first, so a refused request never claims an idempotency key.
        { provide: APP_INTERCEPTOR, useClass: SpecValidationInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
