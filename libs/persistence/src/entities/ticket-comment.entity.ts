import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { TicketEntity } from './ticket.entity.js';

export type CommentVisibility = 'public' | 'internal';

/** A comment; `internal` ones never leave their author's organisation. */
@Entity({ name: 'ticket_comments' })
@Index('ticket_comments_ticket_idx', ['ticketId', 'createdAt'])
@Check('ticket_comments_visibility_check', `visibility IN ('public','internal')`)
export class TicketCommentEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'ticket_comments_pkey' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  @ForeignKey(() => TicketEntity, { name: 'ticket_comments_ticket_id_fkey' })
  ticketId: string;

  @Column({ name: 'author_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'ticket_comments_author_id_fkey' })
  authorId: string;

  @Column({ type: 'text' })
  visibility: CommentVisibility;

  @Column({ type: 'text' })
  text: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
