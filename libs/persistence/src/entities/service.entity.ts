import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { PERIOD_PATTERN } from '@drehscheibe/config';
import { ParticipantEntity } from './participant.entity.js';

/** An online service (EfA-Dienst); its operator is where tickets are routed. */
@Entity({ name: 'services' })
@Check('services_auto_close_after_check', `auto_close_after ~ '${PERIOD_PATTERN}'`)
export class ServiceEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'services_pkey' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** Key in the federal service catalogue (LeiKa), where known. */
  @Column({ name: 'leika_key', type: 'text', nullable: true })
  leikaKey: string | null;

  @Column({ name: 'operator_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'services_operator_id_fkey' })
  operatorId: string;

  /**
   * How long a resolved ticket stays resolved before the hub closes it
   * (ISO 8601 duration); null: the hub's default (AUTO_CLOSE_AFTER); `P0D`: never.
   */
  @Column({ name: 'auto_close_after', type: 'text', nullable: true })
  autoCloseAfter: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
