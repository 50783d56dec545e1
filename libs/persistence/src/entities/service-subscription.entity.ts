import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A participant (often a portal) that wants a service's notices. */
@Entity({ name: 'service_subscriptions' })
export class ServiceSubscriptionEntity {
  @PrimaryColumn({ name: 'service_id', type: 'text' })
  serviceId: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text' })
  participantId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
