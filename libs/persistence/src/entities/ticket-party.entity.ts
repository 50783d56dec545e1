import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Every participant ever involved in a ticket, with its own ticket number.
 * Being a party grants read access and updates; the current role (origin,
 * assignee, watcher) is derived from the ticket row, never stored twice.
 */
@Entity({ name: 'ticket_parties' })
export class TicketPartyEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text' })
  participantId: string;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  @Column({ name: 'joined_at', type: 'timestamptz' })
  joinedAt: Date;

  /** The ticket version whose event made it a party: its deliveries and its feed start there. */
  @Column({ name: 'joined_version', type: 'integer' })
  joinedVersion: number;
}
