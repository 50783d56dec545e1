import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Whether deliveries to a receiver flow: `open` after repeated failures (one
 * probe at `next_probe_at`), or `paused` by an operator.
 */
@Entity({ name: 'receiver_health' })
@Check('receiver_health_circuit_check', `circuit IN ('closed','open','half_open')`)
export class ReceiverHealthEntity {
  @PrimaryColumn({ name: 'receiver_id', type: 'text', primaryKeyConstraintName: 'receiver_health_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'receiver_health_receiver_id_fkey' })
  receiverId: string;

  @Column({ type: 'text', default: 'closed' })
  circuit: CircuitState;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  @Column({ name: 'next_probe_at', type: 'timestamptz', nullable: true })
  nextProbeAt: Date | null;

  @Column({ type: 'boolean', default: false })
  paused: boolean;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
