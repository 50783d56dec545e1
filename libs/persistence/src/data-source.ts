import { markUnavailable, retryWithBackoff, unavailableDependency, type StartupBackoff } from '@drehscheibe/availability';
import type { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import { DataSource, type ColumnType } from 'typeorm';
import { endPool, registerPool } from './sql.js';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity.js';
import { DeliveryEntity } from './entities/delivery.entity.js';
import { OutboxMessageEntity } from './entities/outbox-message.entity.js';
import { OAuthClientEntity } from './entities/oauth-client.entity.js';
import { ParticipantEntity } from './entities/participant.entity.js';
import { ServiceEntity } from './entities/service.entity.js';
import { TicketEventEntity } from './entities/ticket-event.entity.js';
import { TicketPartyEntity } from './entities/ticket-party.entity.js';
import { TicketEntity } from './entities/ticket.entity.js';
import { IdempotencyKeyEntity } from './entities/idempotency-key.entity.js';
import { TicketCommentEntity } from './entities/ticket-comment.entity.js';
import { InitialSchema1732300000000 } from './migrations/1732300000000-initial-schema.js';
import { ConversationFeedIdempotency1732400000000 } from './migrations/1732400000000-conversation-feed-idempotency.js';
import { Registry1732500000000 } from './migrations/1732500000000-registry.js';
import { RoutingRuleEntity } from './entities/routing-rule.entity.js';
import { TicketAttachmentEntity } from './entities/ticket-attachment.entity.js';
import { Attachments1732600000000 } from './migrations/1732600000000-attachments.js';
import { ServiceNotices1732700000000 } from './migrations/1732700000000-service-notices.js';
import { ReceiverHealth1732800000000 } from './migrations/1732800000000-receiver-health.js';
import { ReceiverHealthEntity } from './entities/receiver-health.entity.js';
import { ClientCredentials1733000000000 } from './migrations/1733000000000-client-credentials.js';
import { ServiceNoticeEntity } from './entities/service-notice.entity.js';
import { ServiceSubscriptionEntity } from './entities/service-subscription.entity.js';
import { NoticeRecipientEntity } from './entities/notice-recipient.entity.js';
import { IdempotencyLeaseFeedAudience1733100000000 } from './migrations/1733100000000-idempotency-lease-feed-audience.js';
import { OutboxMessages1733300000000 } from './migrations/1733300000000-outbox-messages.js';
import { TicketSourceRefs1733600000000 } from './migrations/1733600000000-ticket-source-refs.js';
import { TicketSourceRefEntity } from './entities/ticket-source-ref.entity.js';
import { FeedConsumerEntity } from './entities/feed-consumer.entity.js';
import { FeedConsumers1733400000000 } from './migrations/1733400000000-feed-consumers.js';
import { EndpointVerification1733500000000 } from './migrations/1733500000000-endpoint-verification.js';
import { LookupAutoClose1733700000000 } from './migrations/1733700000000-lookup-auto-close.js';
import { MappingProfiles1733800000000 } from './migrations/1733800000000-mapping-profiles.js';
import { MappingProfileEntity } from './entities/mapping-profile.entity.js';
import { MappingBindingEntity } from './entities/mapping-binding.entity.js';
import { NativeRequests1733900000000 } from './migrations/1733900000000-native-requests.js';
import { Connectors1734000000000 } from './migrations/1734000000000-connectors.js';
import { AuditChain1734100000000 } from './migrations/1734100000000-audit-chain.js';
import { AuditCheckpointEntity } from './entities/audit-checkpoint.entity.js';
import { RequesterPurge1734400000000 } from './migrations/1734400000000-requester-purge.js';
import { ParticipantRateLimit1734500000000 } from './migrations/1734500000000-participant-rate-limit.js';
import { RequestSignatures1734600000000 } from './migrations/1734600000000-request-signatures.js';
import { TlsClientCertificates1734700000000 } from './migrations/1734700000000-tls-client-certificates.js';
import { ConnectorEntity } from './entities/connector.entity.js';
import { ConnectorStateEntity } from './entities/connector-state.entity.js';
import { DeliverySecrets1734200000000 } from './migrations/1734200000000-delivery-secrets.js';
import { DeliverySecretEntity } from './entities/delivery-secret.entity.js';
import { ClientAuthentication1734300000000 } from './migrations/1734300000000-client-authentication.js';
import { IdentityProviderEntity } from './entities/identity-provider.entity.js';
import { OAuthClientKeyEntity } from './entities/oauth-client-key.entity.js';

export const ENTITIES = [
  ParticipantEntity,
  OAuthClientEntity,
  ServiceEntity,
  TicketEntity,
  TicketPartyEntity,
  TicketEventEntity,
  DeliveryEntity,
  OutboxMessageEntity,
  DeliveryAttemptEntity,
  TicketCommentEntity,
  IdempotencyKeyEntity,
  RoutingRuleEntity,
  TicketAttachmentEntity,
  ServiceNoticeEntity,
  ServiceSubscriptionEntity,
  ReceiverHealthEntity,
  NoticeRecipientEntity,
  TicketSourceRefEntity,
  FeedConsumerEntity,
  MappingProfileEntity,
  MappingBindingEntity,
  ConnectorEntity,
  ConnectorStateEntity,
  AuditCheckpointEntity,
  DeliverySecretEntity,
  IdentityProviderEntity,
  OAuthClientKeyEntity,
];

export const MIGRATIONS = [
  InitialSchema1732300000000,
  ConversationFeedIdempotency1732400000000,
  Registry1732500000000,
  Attachments1732600000000,
  ServiceNotices1732700000000,
  ReceiverHealth1732800000000,
  ClientCredentials1733000000000,
  IdempotencyLeaseFeedAudience1733100000000,
  OutboxMessages1733300000000,
  FeedConsumers1733400000000,
  EndpointVerification1733500000000,
  TicketSourceRefs1733600000000,
  LookupAutoClose1733700000000,
  MappingProfiles1733800000000,
  NativeRequests1733900000000,
  Connectors1734000000000,
  AuditChain1734100000000,
  DeliverySecrets1734200000000,
  ClientAuthentication1734300000000,
  RequesterPurge1734400000000,
  ParticipantRateLimit1734500000000,
  RequestSignatures1734600000000,
  TlsClientCertificates1734700000000,
];

export interface DataSourceOptions {
  url: string;
  /** Pool size per process. */
  poolSize?: number;
  applicationName?: string;
  /**
   * Commit without waiting for the WAL flush. Only for writes whose loss in
   * a database crash is harmless: the worker's attempt records and delivery
   * states — a lost "delivered" means the delivery is sent again, and
   * receivers deduplicate on `webhook-id` (at-least-once delivery, DESIGN.md).
   */
  asynchronousCommit?: boolean;
  /**
   * How long a request may wait for a connection (a new one, or a free slot
   * in the pool) before it fails — so a database that hangs or is gone
   * answers in bounded time instead of holding requests open.
   */
  connectTimeoutMs?: number;
}

/**
 * The pool's client: a failure to connect, or a connection that breaks (its
 * socket fails with ECONNRESET, EPIPE…), is marked as "database unreachable"
 * at its source, because it arrives as a bare socket error that could
 * otherwise come from anywhere. The queries in flight on a broken connection
 * fail with that very error.
 */
class DatabaseClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    // Registered before pg's own listener (added when connecting), so the error is marked before any query sees it.
    (this as unknown as { connection: EventEmitter }).connection.on('error', (err: unknown) => markUnavailable(err, 'database'));
  }

  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error | null, client?: pg.Client) => void): void;
  override connect(callback?: (err: Error | null, client?: pg.Client) => void): Promise<pg.Client> | void {
    if (callback) {
      super.connect(((err: Error | null, client?: pg.Client) => callback(err ? markUnavailable(err, 'database') : err, client)) as (err: Error) => void);
      return;
    }
    return super.connect().catch((err: unknown) => {
      throw markUnavailable(err, 'database');
    });
  }
}

/**
 * Schema changes only through migrations: `synchronize` stays off everywhere.
 * The pg pool is ours: TypeORM builds it from the Pool class handed over in
 * its public `driver` option, which records the instance (see poolOf).
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const holder: { pool?: pg.Pool } = {};
  class OwnedPool extends pg.Pool {
    constructor(config?: pg.PoolConfig) {
      super(config);
      holder.pool = this;
    }
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    driver: { ...pg, Pool: OwnedPool },
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: false,
    applicationName: options.applicationName ?? 'drehscheibe',
    extra: {
      Client: DatabaseClient,
      max: options.poolSize ?? 10,
      ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
      ...(options.asynchronousCommit ? { options: '-c synchronous_commit=off' } : {}),
    },
  });
  registerPool(dataSource, holder);
  // The feed's transaction ids (`txid`) are PostgreSQL's xid8, a type TypeORM does not list; the entities declare them.
  dataSource.driver.supportedDataTypes.push('xid8' as ColumnType);
  return dataSource;
}

/** Migrations this code expects that the database has not applied yet (all of them when it has none). */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  let applied: Array<{ name: string }>;
  try {
    applied = await dataSource.query('SELECT name FROM migrations');
  } catch (e) {
    if ((e as { driverError?: { code?: string } }).driverError?.code === '42P01')
      applied = []; // no migrations table yet
    else throw e;
  }
  const names = new Set(applied.map((m) => m.name));
  return MIGRATIONS.map((m) => new m().name ?? m.name).filter((name) => !names.has(name));
}

export class SchemaNotCurrentError extends Error {
  constructor(readonly pending: string[]) {
    super(`the database schema is not current: ${pending.length} migration(s) pending (${pending.join(', ')}); run hub-cli migrate`);
    this.name = 'SchemaNotCurrentError';
  }
}

export interface ConnectOptions {
  logger: Logger;
  backoff?: StartupBackoff;
  signal?: AbortSignal;
  /** Also wait until every migration of this code is applied (the API and worker need the schema they were built for). */
  requireCurrentSchema?: boolean;
}

/**
 * Initialises the data source, retrying with capped backoff while PostgreSQL
 * cannot be reached (or, with `requireCurrentSchema`, is not migrated yet);
 * logs each failure at warn with its reason and the target host, never the
 * credentials. A failed attempt leaves no pool behind.
 */
export async function connectDataSource(dataSource: DataSource, options: ConnectOptions): Promise<DataSource> {
  const url = new URL((dataSource.options as { url: string }).url);
  const target = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  await retryWithBackoff(
    'database',
    async () => {
      try {
        if (!dataSource.isInitialized) await dataSource.initialize();
        if (options.requireCurrentSchema) {
          const pending = await pendingMigrations(dataSource);
          if (pending.length > 0) throw new SchemaNotCurrentError(pending);
        }
      } catch (e) {
        await discardPool(dataSource);
        throw e;
      }
    },
    {
      logger: options.logger,
      backoff: options.backoff,
      signal: options.signal,
      context: { target },
      retryable: (e) => e instanceof SchemaNotCurrentError || unavailableDependency(e) === 'database' || isNotProvisionedYet(e),
    },
  );
  return dataSource;
}

/**
 * A login role or database that does not exist yet (28xxx, 3D000): under an
 * orchestrator they are often created by a job that runs after the server
 * starts, so they are worth waiting for like an unreachable server.
 */
function isNotProvisionedYet(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('28') || code === '3D000');
}

/** Ends whatever a failed initialize() left open, so the next attempt starts clean. */
async function discardPool(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) {
    await dataSource.destroy().catch(() => undefined);
    return;
  }
  // A pool created by a failed initialize(): TypeORM forgets it, we end it.
  await endPool(dataSource);
}

/**
 * Applies pending migrations; returns the names applied. With a logger it
 * first waits (backoff, up to `waitMs`) for a PostgreSQL that is not
 * reachable yet, as the API and worker do.
 */
export async function runMigrations(url: string, wait?: { logger: Logger; waitMs: number }): Promise<string[]> {
  const ds = createDataSource({ url, poolSize: 1, applicationName: 'drehscheibe-migrate' });
  if (wait) await connectDataSource(ds, { logger: wait.logger, signal: AbortSignal.timeout(wait.waitMs) });
  else await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
