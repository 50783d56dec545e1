export {
  createDataSource,
  connectDataSource,
  pendingMigrations,
  runMigrations,
  SchemaNotCurrentError,
  ENTITIES,
  type ConnectOptions,
  type DataSourceOptions,
} from './data-source.js';
export { ParticipantEntity, type ParticipantKind, type ParticipantStatus, type FederalLevel, type ParticipantContact } from './entities/participant.entity.js';
export { RoutingRuleEntity } from './entities/routing-rule.entity.js';
export { TicketAttachmentEntity } from './entities/ticket-attachment.entity.js';
export { ServiceNoticeEntity, type NoticeKind } from './entities/service-notice.entity.js';
export { ServiceSubscriptionEntity } from './entities/service-subscription.entity.js';
export { NoticeRecipientEntity } from './entities/notice-recipient.entity.js';
export { ReceiverHealthEntity, type CircuitState } from './entities/receiver-health.entity.js';
export { OAuthClientEntity } from './entities/oauth-client.entity.js';
export { ServiceEntity } from './entities/service.entity.js';
export { TicketEntity, type ResolutionRecord } from './entities/ticket.entity.js';
export { TicketPartyEntity } from './entities/ticket-party.entity.js';
export { TicketEventEntity } from './entities/ticket-event.entity.js';
export { DeliveryEntity, type DeliveryStatus } from './entities/delivery.entity.js';
export { DeliveryAttemptEntity } from './entities/delivery-attempt.entity.js';
export { TicketCommentEntity, type CommentVisibility } from './entities/ticket-comment.entity.js';
export { IdempotencyKeyEntity } from './entities/idempotency-key.entity.js';
export { isUniqueViolation } from './pg-errors.js';
export { rowsOf } from './raw-rows.js';
export { poolOf, runPrepared, queryPrepared, type PreparedStatement } from './sql.js';
export { jsonObjectSql, fromJsonRow } from './json-rows.js';
