import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ParticipantKind = 'land_ticket_system' | 'service_centre_115' | 'municipal_provider' | 'vendor' | 'portal';
export type ParticipantStatus = 'active' | 'suspended';
/** Whether the participant's writes must carry a `Drehscheibe-Signature`. */
export type RequestSigningPolicy = 'optional' | 'required';
export type FederalLevel = 'federal' | 'state' | 'municipal';
export interface ParticipantContact {
  name?: string;
  email?: string;
  phone?: string;
}

@Entity({ name: 'participants' })
@Check('participants_kind_check', `kind IN ('land_ticket_system','service_centre_115','municipal_provider','vendor','portal')`)
@Check('participants_land_check', `land ~ '^DE-[A-Z]{2}$'`)
@Check('participants_status_check', `status IN ('active','suspended')`)
@Check('participants_level_check', `level IN ('federal','state','municipal')`)
@Check('participants_rate_limit_check', `rate_limit BETWEEN 1 AND 1000000`)
@Check('participants_request_signing_check', `request_signing IN ('optional','required')`)
export class ParticipantEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'participants_pkey' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  kind: ParticipantKind;

  @Column({ type: 'text', default: 'state' })
  level: FederalLevel;

  /** Technical contact, told about integration problems. */
  @Column({ type: 'jsonb', nullable: true })
  contact: ParticipantContact | null;

  /** ISO 3166-2:DE code of the Land, e.g. `DE-HE`; null for federal participants. */
  @Column({ type: 'text', nullable: true })
  land: string | null;

  @Column({ type: 'text', default: 'active' })
  status: ParticipantStatus;

  /** Webhook endpoint; null for participants that poll the feed. */
  @Column({ name: 'delivery_url', type: 'text', nullable: true })
  deliveryUrl: string | null;

  /** API requests per rate-limit window for this participant's clients; null: the hub's default. */
  @Column({ name: 'rate_limit', type: 'integer', nullable: true })
  rateLimit: number | null;

  /** `required`: every write of the participant's clients must be signed (`Drehscheibe-Signature`). */
  @Column({ name: 'request_signing', type: 'text', default: 'optional' })
  requestSigning: RequestSigningPolicy;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
