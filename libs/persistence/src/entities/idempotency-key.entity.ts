import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A POST with an Idempotency-Key: claimed (with a lease) while its request
 * runs, then its first answer, replayed for retries until the key expires.
 * The answer is stored encrypted: it may carry personal data or secrets.
 */
@Entity({ name: 'idempotency_keys' })
@Index('idempotency_keys_created_idx', ['createdAt'])
/** The keys whose stored answer is a ticket's, for the requester purge. */
@Index('idempotency_keys_ticket_idx', ['ticketId'], { where: `ticket_id IS NOT NULL` })
@Check('idempotency_keys_applied_once', `changes_applied <= 1`)
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text', primaryKeyConstraintName: 'idempotency_keys_pkey' })
  clientId: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'idempotency_keys_pkey' })
  key: string;

  @Column({ type: 'text' })
  method: string;

  @Column({ type: 'text' })
  path: string;

  /** A keyed digest of method, path and body: equal requests compare equal, but a guess cannot be tested without the data key. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  /** Null while the first request is still being processed. */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  /**
   * The answer's replayed headers and body, encrypted with the data key
   * (FieldCipher): the body may carry the requester, the receipt header a
   * plain hash of the request body.
   */
  @Column({ name: 'response_enc', type: 'text', nullable: true })
  responseEnc: string | null;

  /** An unfinished claim whose lease has run out may be taken over by a retry (the request crashed). */
  @Column({ name: 'locked_until', type: 'timestamptz', default: () => 'now()' })
  lockedUntil: Date;

  /** Which request holds the claim: only it stores the answer or releases the key. */
  @Column({ name: 'lease_token', type: 'uuid', nullable: true })
  leaseToken: string | null;

  /** The ticket change the key's request committed, written in the same statement as the change. */
  @Column({ name: 'ticket_id', type: 'uuid', nullable: true })
  ticketId: string | null;

  @Column({ name: 'ticket_version', type: 'integer', nullable: true })
  ticketVersion: number | null;

  /** At most 1 (check constraint `idempotency_keys_applied_once`). */
  @Column({ name: 'changes_applied', type: 'smallint', default: 0 })
  changesApplied: number;

  /** Expiry counts from here (`IDEMPOTENCY_KEY_TTL_SECONDS`). */
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
