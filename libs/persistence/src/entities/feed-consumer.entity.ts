import { Check, Column, Entity, ForeignKey, PrimaryColumn, type ColumnType } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';

/**
 * A participant's named reader of the event feed: the cursor the hub keeps
 * for it, advanced only by acknowledgement, and the lease of the one reader
 * that may read and acknowledge now. Not history: it goes with its participant.
 */
@Entity({ name: 'feed_consumers' })
@Check('feed_consumers_name_check', `name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'`)
@Check('feed_consumers_lease_check', `(lease_id IS NULL) = (lease_until IS NULL)`)
export class FeedConsumerEntity {
  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'feed_consumers_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'feed_consumers_participant_id_fkey', onDelete: 'CASCADE' })
  participantId: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'feed_consumers_pkey' })
  name: string;

  /** The acknowledged cursor, as the feed orders entries: writing transaction id, then position. Read and written by the consumer's SQL only. */
  @Column({ name: 'cursor_txid', type: 'xid8' as ColumnType })
  cursorTxid: string;

  @Column({ name: 'cursor_position', type: 'bigint' })
  cursorPosition: string;

  /** The reader that may read and acknowledge; null when none holds the lease. */
  @Column({ name: 'lease_id', type: 'uuid', nullable: true })
  leaseId: string | null;

  /** After this, another reader may take the lease over. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
