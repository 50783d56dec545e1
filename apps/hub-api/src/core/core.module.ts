import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import type { HubConfig } from '@drehscheibe/config';
import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';
import { createRedis, DeliveryQueue } from '@drehscheibe/delivery';
import { BUILTIN_PROFILES, MappingEngine, MappingProfiles, ProfileRenderer } from '@drehscheibe/mapping';
import { HubMetrics, type Logger } from '@drehscheibe/observability';
import { DatabaseConnection } from '@drehscheibe/persistence';
import { FieldCipher, SigningKey } from '@drehscheibe/security';
import { DELIVERY_DISPATCHER, OutboxWriter } from '@drehscheibe/outbox';
import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, LOGGER, REDIS, TOKEN_SIGNING_KEY, WEBHOOK_SIGNING_KEY } from './tokens.js';

/*
 * How the API is wired, one rule for every module:
 *
 * - A class with Nest's decorators (controllers, guards, interceptors, this
 *   app's services, the @Injectable use cases of the libraries) is listed as
 *   itself: Nest reads its constructor.
 * - A library's framework-free class is made by a `useFactory` that names
 *   every input in `inject`; configuration comes from HUB_CONFIG there, never
 *   from a variable in scope.
 *
 * What exists before Nest starts (the configuration, logger, metrics, the
 * database connection the request hooks watch, the contract validator the
 * body parser needs) enters once, through CoreModule.forRoot.
 */

/** What createHubApp makes before Nest starts. */
export interface CoreRuntime {
  config: HubConfig;
  logger: Logger;
  metrics: HubMetrics;
  /** Connected in the background (see createHubApp): until it is, requests are answered 503. */
  database: DatabaseConnection;
  validator: SpecValidator;
}

/** Closes what the core opened, in reverse order, when Nest shuts down. */
@Injectable()
class ResourceCloser implements OnApplicationShutdown {
  constructor(
    private readonly queue: DeliveryQueue,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly database: DatabaseConnection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
    await this.database.close();
  }
}

/**
 * What every feature module uses: configuration, logger and metrics,
 * PostgreSQL, Redis, the delivery queue and the outbox writer, the keys, the code lists and the
 * contract validator. Global: feature modules import only each other.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(runtime: CoreRuntime): DynamicModule {
    const shared = [
      HUB_CONFIG,
      LOGGER,
      HubMetrics,
      DatabaseConnection,
      DataSource,
      SpecValidator,
      REDIS,
      DeliveryQueue,
      DELIVERY_DISPATCHER,
      OutboxWriter,
      MappingEngine,
      MappingProfiles,
      FieldCipher,
      TOKEN_SIGNING_KEY,
      WEBHOOK_SIGNING_KEY,
      CodelistRegistry,
    ];
    return {
      module: CoreModule,
      providers: [
        { provide: HUB_CONFIG, useValue: runtime.config },
        { provide: LOGGER, useValue: runtime.logger },
        { provide: HubMetrics, useValue: runtime.metrics },
        { provide: DatabaseConnection, useValue: runtime.database },
        { provide: SpecValidator, useValue: runtime.validator },
        { provide: DataSource, useFactory: (database: DatabaseConnection) => database.dataSource, inject: [DatabaseConnection] },
        {
          provide: REDIS,
          useFactory: (config: HubConfig, logger: Logger) => createRedis(config.redisUrl, false, logger.child({ component: 'redis' })),
          inject: [HUB_CONFIG, LOGGER],
        },
        {
          provide: DeliveryQueue,
          useFactory: (redis: Redis, config: HubConfig, logger: Logger) =>
            new DeliveryQueue(redis, config.queuePrefix, logger.child({ component: 'delivery-queue' })),
          inject: [REDIS, HUB_CONFIG, LOGGER],
        },
        // What the ticket and notice use cases hand their deliveries to.
        { provide: DELIVERY_DISPATCHER, useExisting: DeliveryQueue },
        // Mapping profiles: the engine, and each participant's active version (cached per process).
        {
          provide: MappingEngine,
          useFactory: (codelists: CodelistRegistry, validator: SpecValidator) =>
            new MappingEngine(codelists, loadOpenApiDocument(), BUILTIN_PROFILES, validator),
          inject: [CodelistRegistry, SpecValidator],
        },
        {
          provide: MappingProfiles,
          useFactory: (dataSource: DataSource, engine: MappingEngine, cipher: FieldCipher, config: HubConfig) =>
            new MappingProfiles(dataSource, engine, cipher, { refreshMs: config.mapping.refreshMs }),
          inject: [DataSource, MappingEngine, FieldCipher, HUB_CONFIG],
        },
        // The one writer of delivery rows: canonical JSON, or what a receiver's active mapping profile renders.
        { provide: OutboxWriter, useFactory: (profiles: MappingProfiles) => new OutboxWriter(new ProfileRenderer(profiles)), inject: [MappingProfiles] },
        { provide: FieldCipher, useFactory: (config: HubConfig) => new FieldCipher(config.keys.dataKey, config.keys.previousDataKeys), inject: [HUB_CONFIG] },
        { provide: TOKEN_SIGNING_KEY, useFactory: (config: HubConfig) => SigningKey.fromSecret(config.keys.tokenSigningKey), inject: [HUB_CONFIG] },
        { provide: WEBHOOK_SIGNING_KEY, useFactory: (config: HubConfig) => SigningKey.fromSecret(config.keys.webhookSigningKey), inject: [HUB_CONFIG] },
        { provide: CodelistRegistry, useFactory: () => CodelistRegistry.fromDirectory(defaultCodelistDirectory()) },
        ResourceCloser,
      ],
      exports: shared,
    };
  }
}
