import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';

export type CircuitState = 'closed' | 'open' | 'half_open';
export type EndpointVerification = 'pending' | 'verified' | 'failed';

/**
 * Whether deliveries to a receiver flow: `open` after repeated failures (one
 * probe at `next_probe_at`), `paused` by an operator, or its endpoint not
 * (yet) verified: deliveries flow only while `endpoint_url` is the
 * participant's delivery URL and `verification` is `verified`.
 */
@Entity({ name: 'receiver_health' })
@Check('receiver_health_circuit_check', `circuit IN ('closed','open','half_open')`)
@Check('receiver_health_verification_check', `verification IN ('pending','verified','failed')`)
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

  /** The delivery URL the verification state is about; another URL in `participants` counts as unverified. */
  @Column({ name: 'endpoint_url', type: 'text', nullable: true })
  endpointUrl: string | null;

  @Column({ type: 'text', nullable: true })
  verification: EndpointVerification | null;

  /** Why the last handshake failed. */
  @Column({ name: 'verification_error', type: 'text', nullable: true })
  verificationError: string | null;

  /** When the last handshake ended. */
  @Column({ name: 'verification_checked_at', type: 'timestamptz', nullable: true })
  verificationCheckedAt: Date | null;

  /** Failed handshakes since the endpoint was set or last verified: the next waits longer each time. */
  @Column({ name: 'verification_failures', type: 'integer', default: 0 })
  verificationFailures: number;

  /** When the next handshake may start (claimed by one worker, like a probe); null: none due. */
  @Column({ name: 'next_verification_at', type: 'timestamptz', nullable: true })
  nextVerificationAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
