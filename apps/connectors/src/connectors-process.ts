import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { checkDependency } from '@drehscheibe/availability';
import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import type { HubConfig } from '@drehscheibe/config';
import {
  ConnectorRuntime,
  ConnectorStates,
  ConnectorConfigs,
  RestConnector,
  Rt5Connector,
  type ConnectorConfig,
  type SystemConnector,
} from '@drehscheibe/connectors';
import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';
import { createRedis, DeliveryQueue } from '@drehscheibe/delivery';
import { EventFeed } from '@drehscheibe/feed';
import { BUILTIN_PROFILES, MappingEngine, MappingProfiles, ProfileRenderer, type CompiledProfile } from '@drehscheibe/mapping';
import { noticeFeedSource } from '@drehscheibe/notices';
import { HubMetrics, portOf, serveOperations, type Logger, type Readiness } from '@drehscheibe/observability';
import { OutboxWriter } from '@drehscheibe/outbox';
import { createDataSource, DatabaseConnection } from '@drehscheibe/persistence';
import { RegistryDirectory } from '@drehscheibe/registry';
import { FieldCipher } from '@drehscheibe/security';
import {
  CreateTicket,
  DesiredState,
  NativeInbound,
  TicketCommandRunner,
  TicketCommands,
  TicketPresenter,
  TicketQueries,
  TicketSteps,
  TicketStore,
  ticketEventFeedSource,
} from '@drehscheibe/tickets';
import type { Redis } from 'ioredis';
import { Counter, Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';

export interface ConnectorsHandle {
  started: Promise<void>;
  operationsPort?: number;
  /** This replica's name in the leases. */
  owner: string;
  stop(): Promise<void>;
}

/** The system behind a connector: RT built in, anything else described by the participant's profile. */
function systemsFor(metrics: HubMetrics) {
  const requests = new Counter({
    name: 'drehscheibe_connector_system_requests_total',
    help: "Requests the connectors made to participants' systems, by participant, method and answer status (`error`: no answer)",
    labelNames: ['participant', 'method', 'status'] as const,
    registers: [metrics.registry],
  });
  const seconds = new Histogram({
    name: 'drehscheibe_connector_system_request_seconds',
    help: "How long participants' systems took to answer the connectors, by participant",
    labelNames: ['participant'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [metrics.registry],
  });
  return (config: ConnectorConfig, profile: CompiledProfile): SystemConnector => {
    const observe = (method: string, status: string, took: number) => {
      requests.inc({ participant: config.participantId, method, status });
      seconds.observe({ participant: config.participantId }, took);
    };
    switch (config.kind) {
      case 'rt5':
        return new Rt5Connector(config, observe);
      case 'rest':
        return new RestConnector(config, profile, fetch, { observe });
    }
  };
}

/**
 * Starts whether or not PostgreSQL and Redis are up (like the worker): the
 * operations listener answers at once, the database is retried with
 * backoff; the runtime starts on the first connection.
 */
export async function startConnectors(config: HubConfig, logger: Logger): Promise<ConnectorsHandle> {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const metrics = new HubMetrics('connectors');
  const database = new DatabaseConnection(
    createDataSource({ url: config.databaseUrl, poolSize: 6, applicationName: 'drehscheibe-connectors', connectTimeoutMs: config.databaseConnectTimeoutMs }),
    logger.child({ component: 'database' }),
  );
  const redis = createRedis(config.redisUrl, true, logger.child({ component: 'redis' }));
  const readiness = async (): Promise<Readiness> => {
    const [db, r] = await Promise.all([database.check(), redis.status === 'ready' ? checkDependency(() => redis.ping()) : Promise.resolve('down' as const)]);
    return { ready: db === 'up' && r === 'up', checks: { database: db, redis: r } };
  };
  const operations = config.connectors.port > 0 ? await serveOperations(config.connectors.port, config.http.host, { metrics, readiness }) : undefined;

  let runtime: ConnectorRuntime | undefined;
  const started = database.connect().then(() => {
    runtime = createRuntime(config, logger, database.dataSource, redis, owner, metrics);
    runtime.start();
  });
  return {
    started,
    owner,
    operationsPort: operations ? portOf(operations) : undefined,
    async stop() {
      await database.stopConnecting();
      await started.catch(() => undefined);
      await runtime?.stop();
      operations?.close();
      redis.disconnect();
      await database.close();
    },
  };
}

/** The same use cases as the API, wired by hand. */
function createRuntime(config: HubConfig, logger: Logger, dataSource: DataSource, redis: Redis, owner: string, metrics: HubMetrics): ConnectorRuntime {
  const codelists = CodelistRegistry.fromDirectory(defaultCodelistDirectory());
  const spec = loadOpenApiDocument();
  const cipher = new FieldCipher(config.keys.dataKey, config.keys.previousDataKeys);
  const engine = new MappingEngine(codelists, spec, BUILTIN_PROFILES, new SpecValidator(spec));
  const profiles = new MappingProfiles(dataSource, engine, cipher, { refreshMs: config.mapping.refreshMs });
  const queue = new DeliveryQueue(redis, config.queuePrefix, logger.child({ component: 'delivery-queue' }));
  const store = new TicketStore(dataSource);
  const outbox = new OutboxWriter(new ProfileRenderer(profiles));
  const runner = new TicketCommandRunner(store, new TicketPresenter(cipher), outbox, queue);
  const steps = new TicketSteps();
  const commands = new TicketCommands(runner, steps, codelists);
  const desiredState = new DesiredState(runner, steps, commands);
  const queries = new TicketQueries(store, new TicketPresenter(cipher));
  const create = new CreateTicket(store, new RegistryDirectory(dataSource), outbox, codelists, cipher, queue);
  const log = logger.child({ component: 'connectors' });
  return new ConnectorRuntime(
    new ConnectorConfigs(dataSource, cipher),
    {
      states: new ConnectorStates(dataSource),
      profiles,
      inbound: new NativeInbound(profiles, create, commands, desiredState, queries),
      feed: new EventFeed(dataSource, [ticketEventFeedSource, noticeFeedSource]),
      tickets: queries,
      desiredState,
      systemFor: systemsFor(metrics),
      log,
    },
    { owner, leaseMs: config.connectors.leaseMs, refreshMs: config.connectors.refreshMs },
  );
}
