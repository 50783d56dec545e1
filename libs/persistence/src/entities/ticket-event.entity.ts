import type { RequestSignatureProof } from '@drehscheibe/evidence';
import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique, type ColumnType } from 'typeorm';
import { TicketEntity } from './ticket.entity.js';

/** An immutable fact about a ticket; the unit of delivery. */
@Entity({ name: 'ticket_events' })
@Unique('ticket_events_version_key', ['ticketId', 'ticketVersion'])
@Unique('ticket_events_position_key', ['position'])
@Index('ticket_events_feed_idx', ['txid', 'position'])
export class TicketEventEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'ticket_events_pkey' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  @ForeignKey(() => TicketEntity, { name: 'ticket_events_ticket_id_fkey' })
  ticketId: string;

  @Column({ name: 'ticket_version', type: 'integer' })
  ticketVersion: number;

  @Column({ type: 'text' })
  type: string;

  /**
   * Who made the change: a party of the ticket, or `drehscheibe` when the hub
   * itself acted (auto-close). Not a foreign key for that reason; a party is
   * never removed, so every other actor stays a registered participant.
   */
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

  /** The participant's signature over the request that made this event; null when it was not signed. Covered by `hash`. */
  @Column({ name: 'request_signature', type: 'jsonb', nullable: true })
  requestSignature: RequestSignatureProof | null;

  /** The previous event's `hash` (null for the first): the link to the chain before it. */
  @Column({ name: 'prev_hash', type: 'text', nullable: true })
  prevHash: string | null;

  /** SHA-256 over the event as delivered and `prevHash` (libs/evidence `chainHash`): the ticket's hash chain. */
  @Column({ type: 'text' })
  hash: string;

  /**
   * The feed's order: `position` numbers events (and notice recipients, from
   * the same sequence); `txid` is the writing transaction, so the feed hands
   * out only events of transactions older than every running one and a late
   * commit is never skipped. Both are filled by the database and read only by
   * the feed's SQL, never selected, inserted or updated through the entity.
   */
  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS', select: false, insert: false, update: false })
  position?: string;

  @Column({ type: 'xid8' as ColumnType, default: () => 'pg_current_xact_id()', select: false, insert: false, update: false })
  txid?: string;
}
