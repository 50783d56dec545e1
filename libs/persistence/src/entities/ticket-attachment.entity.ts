import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A file attached to a ticket. Metadata is always selected; `content` only for downloads. */
@Entity({ name: 'ticket_attachments' })
export class TicketAttachmentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @Column({ name: 'uploader_id', type: 'text' })
  uploaderId: string;

  @Column({ type: 'text' })
  filename: string;

  @Column({ name: 'media_type', type: 'text' })
  mediaType: string;

  /** bigint arrives as a string from pg; sizes here stay far below 2^53. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  size: number;

  @Column({ type: 'text' })
  sha256: string;

  @Column({ type: 'text' })
  storage: 'database' | 'directory';

  @Column({ type: 'bytea', nullable: true, select: false })
  content: Buffer | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
