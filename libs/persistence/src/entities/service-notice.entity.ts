import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { ServiceEntity } from './service.entity.js';

export type NoticeKind = 'outage' | 'maintenance' | 'information';

/** An operator's announcement about a service: outage, maintenance window, information. */
@Entity({ name: 'service_notices' })
@Index('service_notices_service_idx', ['serviceId', 'endsAt'])
@Check('service_notices_kind_check', `kind IN ('outage','maintenance','information')`)
@Check('service_notices_period', `ends_at IS NULL OR ends_at > starts_at`)
export class ServiceNoticeEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'service_notices_pkey' })
  id: string;

  @Column({ name: 'service_id', type: 'text' })
  @ForeignKey(() => ServiceEntity, { name: 'service_notices_service_id_fkey' })
  serviceId: string;

  @Column({ type: 'text' })
  kind: NoticeKind;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'timestamptz', nullable: true })
  endsAt: Date | null;

  @Column({ type: 'text' })
  text: string;

  @Column({ name: 'author_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'service_notices_author_id_fkey' })
  authorId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
