import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** OAuth2 client-credentials client; a participant may hold several. */
@Entity({ name: 'oauth_clients' })
export class OAuthClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId: string;

  /** Null for operator clients that act only with the admin scope. */
  @Column({ name: 'participant_id', type: 'text', nullable: true })
  participantId: string | null;

  /** scrypt hash; the secret itself is never stored. */
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /**
   * +1 per rotation. Every access token names the generation of the secret it
   * was obtained with, so a rotation can end the old secret's tokens.
   */
  @Column({ name: 'secret_generation', type: 'integer', default: 1 })
  secretGeneration: number;

  @Column({ name: 'secret_rotated_at', type: 'timestamptz', nullable: true })
  secretRotatedAt: Date | null;

  /** The secret before the last rotation, accepted (with its tokens) until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret_hash', type: 'text', nullable: true })
  previousSecretHash: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
