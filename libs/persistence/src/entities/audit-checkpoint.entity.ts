import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A signed checkpoint: every ticket's chain head at one moment, as the root
 * of a Merkle tree (libs/evidence). Checkpoints follow each other by `seq`
 * and each names the hash of the one before, so none can be dropped or
 * replaced unnoticed.
 */
@Entity({ name: 'audit_checkpoints' })
export class AuditCheckpointEntity {
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'audit_checkpoints_pkey' })
  seq: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'tree_size', type: 'integer' })
  treeSize: number;

  @Column({ type: 'text' })
  root: string;

  @Column({ type: 'text', nullable: true })
  previous: string | null;

  /** The signed claims (compact JWS); the columns above repeat them for queries. */
  @Column({ type: 'text' })
  jws: string;

  /**
   * The leaves in tree order, 52 bytes each (ticket id 16, version 4, head 32),
   * for inclusion proofs; dropped from older checkpoints to save space (their
   * root and signature stay).
   */
  @Column({ type: 'bytea', nullable: true })
  leaves: Buffer | null;
}
