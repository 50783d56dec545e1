import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ConnectorEntity } from './connector.entity.js';

/** A write to a participant's system that the connector started and has not confirmed yet (what a restart checks first). */
export interface StoredPendingWrite {
  /** The hub event it renders (the feed position after it is `cursor`). */
  eventId: string;
  ticketId: string;
  /** The feed cursor to store once the write is confirmed. */
  cursor: string;
  request: { name: string; method: string; path: string; headers: Record<string, string>; body: unknown };
  /** What the system looked like before the write, for the check after a crash (e.g. RT's last transaction id). */
  before: Record<string, unknown>;
  startedAt: string;
}

export interface StoredConnectorError {
  at: string;
  /** `system-unreachable`, `system-refused`, `mapping-failed`, `hub-refused`, … */
  cause: string;
  message: string;
}

/** A connector's running state: lease, how far it has read, and what operators see. */
@Entity({ name: 'connector_states' })
export class ConnectorStateEntity {
  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'connector_states_pkey' })
  @ForeignKey(() => ConnectorEntity, { name: 'connector_states_participant_id_fkey', onDelete: 'CASCADE' })
  participantId: string;

  /** The replica working this system now, until `leaseUntil`. */
  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  /** How far the system's changes are read (the kind's own shape, e.g. `{ transactionId }`). */
  @Column({ name: 'watermark', type: 'jsonb', nullable: true })
  watermark: Record<string, unknown> | null;

  /** How far the hub's events are written to the system (the participant's feed cursor). */
  @Column({ name: 'feed_cursor', type: 'text', nullable: true })
  feedCursor: string | null;

  @Column({ name: 'pending_write', type: 'jsonb', nullable: true })
  pendingWrite: StoredPendingWrite | null;

  @Column({ name: 'last_poll_at', type: 'timestamptz', nullable: true })
  lastPollAt: Date | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError: StoredConnectorError | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  /** How old the oldest change was that the last poll applied (ms), the connector's lag. */
  @Column({ name: 'lag_ms', type: 'bigint', nullable: true })
  lagMs: string | null;

  @Column({ name: 'changes_applied', type: 'bigint', default: 0 })
  changesApplied: string;

  @Column({ name: 'echoes_suppressed', type: 'bigint', default: 0 })
  echoesSuppressed: string;

  @Column({ name: 'writes', type: 'bigint', default: 0 })
  writes: string;
}
