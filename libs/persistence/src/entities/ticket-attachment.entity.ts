import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { TicketEntity } from './ticket.entity.js';

/** A file attached to a ticket. Metadata is always selected; `content` only for downloads. */
@Entity({ name: 'ticket_attachments' })
@Index('ticket_attachments_ticket_idx', ['ticketId', 'createdAt'])
@Check('ticket_attachments_size_check', `size >= 0`)
@Check('ticket_attachments_sha256_check', `sha256 ~ '^[0-9a-f]{64}$'`)
@Check('ticket_attachments_storage_check', `storage IN ('database','directory')`)
@Check('ticket_attachments_content', `(storage = 'database') = (content IS NOT NULL)`)
export class TicketAttachmentEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'ticket_attachments_pkey' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  @ForeignKey(() => TicketEntity, { name: 'ticket_attachments_ticket_id_fkey' })
  ticketId: string;

  @Column({ name: 'uploader_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'ticket_attachments_uploader_id_fkey' })
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
