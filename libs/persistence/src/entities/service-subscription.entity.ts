import { CreateDateColumn, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { ServiceEntity } from './service.entity.js';

/** A participant (often a portal) that wants a service's notices. */
@Entity({ name: 'service_subscriptions' })
export class ServiceSubscriptionEntity {
  @PrimaryColumn({ name: 'service_id', type: 'text', primaryKeyConstraintName: 'service_subscriptions_pkey' })
  @ForeignKey(() => ServiceEntity, { name: 'service_subscriptions_service_id_fkey' })
  serviceId: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'service_subscriptions_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'service_subscriptions_participant_id_fkey' })
  participantId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
