export { createDataSource, connectDataSource, runMigrations, ENTITIES, MIGRATIONS, type DataSourceOptions } from './data-source.js';
export { DatabaseConnection } from './database-connection.js';
export {
  ParticipantEntity,
  type ParticipantKind,
  type ParticipantStatus,
  type RequestSigningPolicy,
  type FederalLevel,
  type ParticipantContact,
} from './entities/participant.entity.js';
export { RoutingRuleEntity } from './entities/routing-rule.entity.js';
export { TicketAttachmentEntity } from './entities/ticket-attachment.entity.js';
export { ServiceNoticeEntity, type NoticeKind } from './entities/service-notice.entity.js';
export { ServiceSubscriptionEntity } from './entities/service-subscription.entity.js';
export { NoticeRecipientEntity } from './entities/notice-recipient.entity.js';
export { ReceiverHealthEntity, type CircuitState, type EndpointVerification } from './entities/receiver-health.entity.js';
export { OAuthClientEntity, type ClientAuthMethod } from './entities/oauth-client.entity.js';
export { OAuthClientKeyEntity } from './entities/oauth-client-key.entity.js';
export { IdentityProviderEntity } from './entities/identity-provider.entity.js';
export { ServiceEntity } from './entities/service.entity.js';
export { TicketEntity, type ResolutionRecord } from './entities/ticket.entity.js';
export { TicketPartyEntity } from './entities/ticket-party.entity.js';
export { TicketSourceRefEntity } from './entities/ticket-source-ref.entity.js';
export { TicketEventEntity } from './entities/ticket-event.entity.js';
export { DeliveryEntity, type DeliveryStatus } from './entities/delivery.entity.js';
export { OutboxMessageEntity, type NativeRequestRecord } from './entities/outbox-message.entity.js';
export { DeliveryAttemptEntity } from './entities/delivery-attempt.entity.js';
export { TicketCommentEntity, type CommentVisibility } from './entities/ticket-comment.entity.js';
export { IdempotencyKeyEntity } from './entities/idempotency-key.entity.js';
export { FeedConsumerEntity } from './entities/feed-consumer.entity.js';
export { MappingProfileEntity } from './entities/mapping-profile.entity.js';
export { MappingBindingEntity, type StoredInboundAuth } from './entities/mapping-binding.entity.js';
export { AuditCheckpointEntity } from './entities/audit-checkpoint.entity.js';
export { ConnectorEntity, type StoredConnectorAuth } from './entities/connector.entity.js';
export { ConnectorStateEntity, type StoredConnectorError, type StoredPendingWrite } from './entities/connector-state.entity.js';
export { DeliverySecretEntity, type DeliverySignatureScheme, type SecretSignatureScheme } from './entities/delivery-secret.entity.js';
export { isUniqueViolation } from './pg-errors.js';
export { rowsOf } from './raw-rows.js';
export { poolOf, runPrepared, queryPrepared, type PreparedStatement } from './sql.js';
export { jsonObjectSql, fromJsonRow } from './json-rows.js';
export { insertColumns, updateColumns, type ColumnWrite } from './entity-writes.js';
export { schemaDrift } from './schema-drift.js';
export { countNotCurrent, recryptColumn, type EncryptedColumn, type Recrypter, type RecryptPass } from './encrypted-columns.js';
