import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An online service (EfA-Dienst); its operator is where tickets are routed. */
@Entity({ name: 'services' })
export class ServiceEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** Key in the federal service catalogue (LeiKa), where known. */
  @Column({ name: 'leika_key', type: 'text', nullable: true })
  leikaKey: string | null;

  @Column({ name: 'operator_id', type: 'text' })
  operatorId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
