import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { ServiceEntity } from './service.entity.js';

export interface ResolutionRecord {
  code: string;
  text: string;
  resolvedAt: string;
  resolvedBy: string;
}

/**
 * The canonical ticket's current state. Who was ever involved lives in
 * `ticket_parties`; what happened lives in `ticket_events`.
 */
@Entity({ name: 'tickets' })
@Unique('tickets_origin_external_id_key', ['originId', 'originExternalId'])
@Index('tickets_assignee_idx', ['assigneeId', 'updatedAt'])
@Index('tickets_updated_idx', ['updatedAt', 'id'])
/** The auto-close job's scan: resolved tickets, the longest resolved first. */
@Index('tickets_resolved_idx', ['resolvedAt'], { where: `status = 'resolved'` })
/** The requester purge's scans: closed and cancelled tickets whose personal data is still there. */
@Index('tickets_closed_unpurged_idx', ['closedAt'], { where: `status = 'closed' AND requester_purged_at IS NULL` })
@Index('tickets_cancelled_unpurged_idx', ['updatedAt'], { where: `status = 'cancelled' AND requester_purged_at IS NULL` })
@Check('tickets_version_check', `version >= 1`)
@Check('tickets_impact_check', `impact BETWEEN 1 AND 3`)
@Check('tickets_urgency_check', `urgency BETWEEN 1 AND 3`)
@Check('tickets_priority_check', `priority BETWEEN 1 AND 5`)
@Check('tickets_support_level_check', `support_level BETWEEN 1 AND 3`)
export class TicketEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'tickets_pkey' })
  id: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'service_id', type: 'text' })
  @ForeignKey(() => ServiceEntity, { name: 'tickets_service_id_fkey' })
  serviceId: string;

  @Column({ type: 'text', nullable: true })
  category: string | null;

  @Column({ type: 'smallint' })
  impact: number;

  @Column({ type: 'smallint' })
  urgency: number;

  @Column({ type: 'smallint' })
  priority: number;

  @Column({ type: 'text' })
  status: string;

  @Column({ name: 'origin_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'tickets_origin_id_fkey' })
  originId: string;

  @Column({ name: 'origin_external_id', type: 'text' })
  originExternalId: string;

  @Column({ name: 'assignee_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'tickets_assignee_id_fkey' })
  assigneeId: string;

  /** Who handed the ticket to its current assignee; a rejection returns it there. */
  @Column({ name: 'sender_id', type: 'text', nullable: true })
  @ForeignKey(() => ParticipantEntity, { name: 'tickets_sender_id_fkey' })
  senderId: string | null;

  /** Who resolved it last; a reopen hands the ticket back to them. */
  @Column({ name: 'resolver_id', type: 'text', nullable: true })
  @ForeignKey(() => ParticipantEntity, { name: 'tickets_resolver_id_fkey' })
  resolverId: string | null;

  @Column({ name: 'support_level', type: 'smallint' })
  supportLevel: number;

  @Column({ type: 'text' })
  channel: string;

  /** Requester personal data, AES-256-GCM encrypted (never stored in clear). */
  @Column({ name: 'requester_enc', type: 'text', nullable: true })
  requesterEnc: string | null;

  /** When the requester's data was purged after the retention period (REQUESTER_DATA_RETENTION); null: not (yet). */
  @Column({ name: 'requester_purged_at', type: 'timestamptz', nullable: true })
  requesterPurgedAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  resolution: ResolutionRecord | null;

  @Column({ name: 'reported_at', type: 'timestamptz', nullable: true })
  reportedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt: Date | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  /**
   * The hash of the ticket's last event (its chain's head, libs/evidence):
   * the next event's link starts from it, and checkpoints commit to it.
   * Null only while the ticket's first event is being prepared.
   */
  @Column({ name: 'chain_head', type: 'text', nullable: true })
  chainHead: string | null;
}
