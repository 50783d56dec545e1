import { Column, Entity, PrimaryColumn } from 'typeorm';

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
export class TicketEntity {
  @PrimaryColumn({ type: 'uuid' })
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
  originId: string;

  @Column({ name: 'origin_external_id', type: 'text' })
  originExternalId: string;

  @Column({ name: 'assignee_id', type: 'text' })
  assigneeId: string;

  /** Who handed the ticket to its current assignee; a rejection returns it there. */
  @Column({ name: 'sender_id', type: 'text', nullable: true })
  senderId: string | null;

  /** Who resolved it last; a reopen hands the ticket back to them. */
  @Column({ name: 'resolver_id', type: 'text', nullable: true })
  resolverId: string | null;

  @Column({ name: 'support_level', type: 'smallint' })
  supportLevel: number;

  @Column({ type: 'text' })
  channel: string;

  /** Requester personal data, AES-256-GCM encrypted (never stored in clear). */
  @Column({ name: 'requester_enc', type: 'text', nullable: true })
  requesterEnc: string | null;

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
}
