import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/**
 * One event — a ticket event or a service notice — to one receiver (the
 * outbox row). Its id is the `webhook-id`.
 */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
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

  /** The exact body sent (and signed), rendered when the change committed. */
  @Column({ type: 'text' })
  payload: string;

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
