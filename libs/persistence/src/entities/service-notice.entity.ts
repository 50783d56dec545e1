import { Column, Entity, PrimaryColumn } from 'typeorm';

export type NoticeKind = 'outage' | 'maintenance' | 'information';

/** An operator's announcement about a service: outage, maintenance window, information. */
@Entity({ name: 'service_notices' })
export class ServiceNoticeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'service_id', type: 'text' })
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
  authorId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
