import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An immutable fact about a ticket; the unit of delivery. */
@Entity({ name: 'ticket_events' })
export class TicketEventEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @Column({ name: 'ticket_version', type: 'integer' })
  ticketVersion: number;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  /**
   * The ticket as parties see it after this event, without personal data —
   * deliveries send exactly this, however late they go out.
   */
  @Column({ type: 'jsonb' })
  snapshot: Record<string, unknown>;
}
