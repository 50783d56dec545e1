import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { OutboxMessageEntity } from './outbox-message.entity.js';
import { ParticipantEntity } from './participant.entity.js';
import { ServiceNoticeEntity } from './service-notice.entity.js';
import { TicketEventEntity } from './ticket-event.entity.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/**
 * One event — a ticket event or a service notice — to one receiver (the
 * outbox row). Its id is the `webhook-id`.
 */
@Entity({ name: 'deliveries' })
@ForeignKey(() => TicketEventEntity, ['eventId'], ['id'], { name: 'deliveries_event_id_fkey' })
@ForeignKey(() => ServiceNoticeEntity, ['noticeId'], ['id'], { name: 'deliveries_notice_id_fkey' })
@ForeignKey(() => ParticipantEntity, ['receiverId'], ['id'], { name: 'deliveries_receiver_id_fkey' })
@ForeignKey(() => OutboxMessageEntity, ['messageId'], ['id'], { name: 'deliveries_message_id_fkey' })
@Index('deliveries_pending_order_idx', ['ticketId', 'receiverId', 'ticketVersion'], { where: `status = 'pending'` })
@Index('deliveries_pending_due_idx', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('deliveries_receiver_idx', ['receiverId', 'status', 'createdAt'])
@Index('deliveries_dead_idx', ['receiverId'], { where: `status = 'dead'` })
/** A ticket's deliveries, for the requester purge (their attempts' answers). */
@Index('deliveries_ticket_idx', ['ticketId'], { where: `ticket_id IS NOT NULL` })
@Check('deliveries_status_check', `status IN ('pending','delivered','dead')`)
@Check('deliveries_subject', `(event_id IS NULL) <> (notice_id IS NULL)`)
export class DeliveryEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'deliveries_pkey' })
  id: string;

  @Column({ name: 'event_id', type: 'uuid', nullable: true })
  eventId: string | null;

  @Column({ name: 'notice_id', type: 'uuid', nullable: true })
  noticeId: string | null;

  /** Set for ticket events: deliveries per ticket and receiver go out in version order. */
  @Column({ name: 'ticket_id', type: 'uuid', nullable: true })
  ticketId: string | null;

  @Column({ name: 'ticket_version', type: 'integer', nullable: true })
  ticketVersion: number | null;

  @Column({ name: 'receiver_id', type: 'text' })
  receiverId: string;

  /** The message it sends: the exact body (and what is signed), rendered when the change committed. */
  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @Column({ type: 'text', default: 'pending' })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
