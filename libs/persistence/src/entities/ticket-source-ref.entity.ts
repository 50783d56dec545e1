import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { TicketEntity } from './ticket.entity.js';

/**
 * The source references (a source system's own transaction or journal id)
 * of the writes a participant made to a ticket: each is applied once,
 * whatever the body of a later write that names it again. Kept as long as
 * the ticket: a bridge may replay its history at any time.
 */
@Entity({ name: 'ticket_source_refs' })
@Check('ticket_source_refs_version', `ticket_version >= 1`)
export class TicketSourceRefEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid', primaryKeyConstraintName: 'ticket_source_refs_pkey' })
  @ForeignKey(() => TicketEntity, { name: 'ticket_source_refs_ticket_id_fkey' })
  ticketId: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'ticket_source_refs_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'ticket_source_refs_participant_id_fkey' })
  participantId: string;

  @PrimaryColumn({ name: 'source_ref', type: 'text', primaryKeyConstraintName: 'ticket_source_refs_pkey' })
  sourceRef: string;

  /** The ticket's version once the write was applied (unchanged when it changed nothing). */
  @Column({ name: 'ticket_version', type: 'integer' })
  ticketVersion: number;

  @Column({ name: 'applied_at', type: 'timestamptz' })
  appliedAt: Date;
}
