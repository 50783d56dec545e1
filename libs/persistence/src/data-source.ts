import { DataSource } from 'typeorm';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity.js';
import { DeliveryEntity } from './entities/delivery.entity.js';
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

export const ENTITIES = [
  ParticipantEntity,
  OAuthClientEntity,
  ServiceEntity,
  TicketEntity,
  TicketPartyEntity,
  TicketEventEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  TicketCommentEntity,
  IdempotencyKeyEntity,
  RoutingRuleEntity,
  TicketAttachmentEntity,
  ServiceNoticeEntity,
  ServiceSubscriptionEntity,
  ReceiverHealthEntity,
];

export const MIGRATIONS = [
  InitialSchema1732300000000,
  ConversationFeedIdempotency1732400000000,
  Registry1732500000000,
  Attachments1732600000000,
  ServiceNotices1732700000000,
  ReceiverHealth1732800000000,
  ClientCredentials1733000000000,
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
}

/** Schema changes only through migrations: `synchronize` stays off everywhere. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: false,
    applicationName: options.applicationName ?? 'drehscheibe',
    extra: { max: options.poolSize ?? 10, ...(options.asynchronousCommit ? { options: '-c synchronous_commit=off' } : {}) },
  });
}

/** Applies pending migrations; returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = createDataSource({ url, poolSize: 1, applicationName: 'drehscheibe-migrate' });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
