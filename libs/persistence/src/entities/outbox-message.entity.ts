import { Column, Entity, PrimaryColumn } from 'typeorm';

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

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
