import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The native request a mapping profile rendered (the body is the payload),
 * or why it could not: then nothing is sent and the delivery fails at once.
 */
export type NativeRequestRecord =
  { name: string; method: string; path: string; headers: Record<string, string> } | { error: { code: string; pointer: string; message: string } };

/**
 * A message as one or more receivers get it: the exact bytes, rendered when
 * the change committed. Receivers that get the same rendering share it;
 * written once, never updated.
 */
@Entity({ name: 'outbox_messages' })
export class OutboxMessageEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'outbox_messages_pkey' })
  id: string;

  @Column({ type: 'text' })
  payload: string;

  /** The mapping profile version that rendered the message; null for the canonical JSON. */
  @Column({ name: 'profile_id', type: 'uuid', nullable: true })
  profileId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  request: NativeRequestRecord | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
