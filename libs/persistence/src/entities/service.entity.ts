import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';

/** An online service (EfA-Dienst); its operator is where tickets are routed. */
@Entity({ name: 'services' })
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
