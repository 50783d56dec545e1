import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Overrides a service's operator for an origin Land and/or a category; first match by position wins. */
@Entity({ name: 'routing_rules' })
export class RoutingRuleEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ name: 'service_id', type: 'text', nullable: true })
  serviceId: string | null;

  @Column({ name: 'origin_land', type: 'text', nullable: true })
  originLand: string | null;

  @Column({ type: 'text', nullable: true })
  category: string | null;

  @Column({ name: 'target_id', type: 'text' })
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
