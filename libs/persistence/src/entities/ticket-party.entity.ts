import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { TicketEntity } from './ticket.entity.js';

/**
 * Every participant ever involved in a ticket, with its own ticket number.
 * Being a party grants read access and updates; the current role (origin,
 * assignee, watcher) is derived from the ticket row, never stored twice.
 */
@Entity({ name: 'ticket_parties' })
@Index('ticket_parties_participant_idx', ['participantId', 'ticketId'])
/** `GET /v1/tickets?externalId=`: a participant's own ticket number, any party's. */
@Index('ticket_parties_external_id_idx', ['externalId'], { where: 'external_id IS NOT NULL' })
@Check('ticket_parties_joined_version', `joined_version >= 1`)
export class TicketPartyEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid', primaryKeyConstraintName: 'ticket_parties_pkey' })
  @ForeignKey(() => TicketEntity, { name: 'ticket_parties_ticket_id_fkey' })
  ticketId: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'ticket_parties_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'ticket_parties_participant_id_fkey' })
  participantId: string;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  @Column({ name: 'joined_at', type: 'timestamptz' })
  joinedAt: Date;

  /** The ticket version whose event made it a party: its deliveries and its feed start there. */
  @Column({ name: 'joined_version', type: 'integer' })
  joinedVersion: number;
}
