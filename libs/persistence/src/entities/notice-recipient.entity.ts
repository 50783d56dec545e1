import { Column, Entity, ForeignKey, Index, PrimaryColumn, type ColumnType } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { ServiceNoticeEntity } from './service-notice.entity.js';

/**
 * A participant a service notice went to: every subscriber at the time it was
 * published except its author, with or without an endpoint. Webhooks (for
 * those with an endpoint) and the feed carry exactly these.
 */
@Entity({ name: 'notice_recipients' })
@Index('notice_recipients_feed_idx', ['participantId', 'txid', 'position'])
export class NoticeRecipientEntity {
  @PrimaryColumn({ name: 'notice_id', type: 'uuid', primaryKeyConstraintName: 'notice_recipients_pkey' })
  @ForeignKey(() => ServiceNoticeEntity, { name: 'notice_recipients_notice_id_fkey' })
  noticeId: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'notice_recipients_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'notice_recipients_participant_id_fkey' })
  participantId: string;

  /**
   * The feed position, as for ticket events (`TicketEventEntity.txid` and
   * `position`, the number from the same sequence): filled by the database,
   * read only by the feed's SQL.
   */
  @Column({ type: 'xid8' as ColumnType, default: () => 'pg_current_xact_id()', select: false, insert: false, update: false })
  txid?: string;

  @Column({ type: 'bigint', default: () => "nextval('ticket_events_position_seq')", select: false, insert: false, update: false })
  position?: string;
}
