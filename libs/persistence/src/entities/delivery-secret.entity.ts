import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';

/** How the hub signs deliveries to a participant; `standard-webhooks-ed25519` (the hub's key) unless it has a delivery secret. */
export type DeliverySignatureScheme = 'standard-webhooks-ed25519' | 'standard-webhooks-hmac' | 'fit-connect';

/** The schemes that sign with a secret the participant shares with the hub. */
export type SecretSignatureScheme = Exclude<DeliverySignatureScheme, 'standard-webhooks-ed25519'>;

/**
 * A participant's delivery secret (issue 17): its row exists only for the
 * schemes that sign with a shared secret. Secrets are stored encrypted
 * (FieldCipher) and shown once, when generated.
 */
@Entity({ name: 'delivery_secrets' })
@Check('delivery_secrets_scheme_check', `scheme IN ('standard-webhooks-hmac','fit-connect')`)
@Check('delivery_secrets_generation_check', `generation >= 1`)
@Check('delivery_secrets_previous_expires', `(previous_secret_enc IS NULL) = (previous_secret_expires_at IS NULL)`)
export class DeliverySecretEntity {
  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'delivery_secrets_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'delivery_secrets_participant_id_fkey', onDelete: 'CASCADE' })
  participantId: string;

  @Column({ type: 'text' })
  scheme: SecretSignatureScheme;

  /** FieldCipher ciphertext of the secret. */
  @Column({ name: 'secret_enc', type: 'text' })
  secretEnc: string;

  /** +1 per rotation; 1 for the secret generated when the scheme was chosen. */
  @Column({ type: 'integer', default: 1 })
  generation: number;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  /** The secret before the last rotation: deliveries carry its signature too until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret_enc', type: 'text', nullable: true })
  previousSecretEnc: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
