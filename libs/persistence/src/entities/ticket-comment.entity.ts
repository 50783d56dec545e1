import { Column, Entity, PrimaryColumn } from 'typeorm';

export type CommentVisibility = 'public' | 'internal';

/** A comment; `internal` ones never leave their author's organisation. */
@Entity({ name: 'ticket_comments' })
export class TicketCommentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @Column({ name: 'author_id', type: 'text' })
  authorId: string;

  @Column({ type: 'text' })
  visibility: CommentVisibility;

  @Column({ type: 'text' })
  text: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
