import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The first answer to a POST with an Idempotency-Key, replayed for retries. */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId: string;

  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  method: string;

  @Column({ type: 'text' })
  path: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  /** Null while the first request is still being processed. */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'response_headers', type: 'jsonb', nullable: true })
  responseHeaders: Record<string, string> | null;

  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
