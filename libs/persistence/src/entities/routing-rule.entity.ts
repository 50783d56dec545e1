import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';
import { ServiceEntity } from './service.entity.js';

/** Overrides a service's operator for a service, an origin Land and/or a category; first match by position wins. */
@Entity({ name: 'routing_rules' })
@Unique('routing_rules_position_key', ['position'])
@Check('routing_rules_origin_land_check', `origin_land ~ '^DE-[A-Z]{2}$'`)
@Check('routing_rules_condition', `service_id IS NOT NULL OR origin_land IS NOT NULL OR category IS NOT NULL`)
export class RoutingRuleEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'routing_rules_pkey' })
  id: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ name: 'service_id', type: 'text', nullable: true })
  @ForeignKey(() => ServiceEntity, { name: 'routing_rules_service_id_fkey' })
  serviceId: string | null;

  @Column({ name: 'origin_land', type: 'text', nullable: true })
  originLand: string | null;

  @Column({ type: 'text', nullable: true })
  category: string | null;

  @Column({ name: 'target_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'routing_rules_target_id_fkey' })
  targetId: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
