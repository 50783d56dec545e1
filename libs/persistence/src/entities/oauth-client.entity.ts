import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** OAuth2 client-credentials client; a participant may hold several (rotation). */
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
