import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { IdentityProviderEntity } from './identity-provider.entity.js';
import { ParticipantEntity } from './participant.entity.js';

/** How a client proves who it is; decides which of secret, keys and external identity it has. */
export type ClientAuthMethod = 'client_secret' | 'private_key_jwt' | 'identity_provider' | 'tls_client_auth';

/** OAuth2 client-credentials client; a participant may hold several. */
@Entity({ name: 'oauth_clients' })
@Index('oauth_clients_participant_idx', ['participantId'])
@Check('oauth_clients_secret_generation_check', `secret_generation >= 1`)
@Check('oauth_clients_previous_secret_expires', `(previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL)`)
@Check('oauth_clients_auth_method_check', `auth_method IN ('client_secret','private_key_jwt','identity_provider','tls_client_auth')`)
@Check('oauth_clients_subject_dn_by_method', `(tls_subject_dn IS NOT NULL) = (auth_method = 'tls_client_auth')`)
@Check('oauth_clients_secret_by_method', `(secret_hash IS NOT NULL) = (auth_method = 'client_secret')`)
@Check(
  'oauth_clients_external_by_method',
  `(identity_provider_id IS NOT NULL) = (auth_method = 'identity_provider') AND (external_subject IS NOT NULL) = (auth_method = 'identity_provider')`,
)
@Index('oauth_clients_external_identity_key', ['identityProviderId', 'externalSubject'], { unique: true })
export class OAuthClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text', primaryKeyConstraintName: 'oauth_clients_pkey' })
  clientId: string;

  /** Null for operator clients that act only with the admin scope. */
  @Column({ name: 'participant_id', type: 'text', nullable: true })
  @ForeignKey(() => ParticipantEntity, { name: 'oauth_clients_participant_id_fkey' })
  participantId: string | null;

  /** scrypt hash; the secret itself is never stored. Null for clients without a secret (private_key_jwt, identity_provider). */
  @Column({ name: 'secret_hash', type: 'text', nullable: true })
  secretHash: string | null;

  @Column({ name: 'auth_method', type: 'text', default: 'client_secret' })
  authMethod: ClientAuthMethod;

  /** For `identity_provider`: the provider whose tokens act as this client… */
  @Column({ name: 'identity_provider_id', type: 'text', nullable: true })
  @ForeignKey(() => IdentityProviderEntity, { name: 'oauth_clients_identity_provider_id_fkey', onDelete: 'CASCADE' })
  identityProviderId: string | null;

  /** …when its subject claim has this value. */
  @Column({ name: 'external_subject', type: 'text', nullable: true })
  externalSubject: string | null;

  /** For `tls_client_auth` (RFC 8705 §2.1): the subject DN (RFC 4514) its client certificate must have. */
  @Column({ name: 'tls_subject_dn', type: 'text', nullable: true })
  tlsSubjectDn: string | null;

  /** RFC 8705 §3: its tokens are bound to the client certificate it got them with (`cnf.x5t#S256`); it gets none without one. */
  @Column({ name: 'tls_bound_access_tokens', type: 'boolean', default: false })
  tlsBoundAccessTokens: boolean;

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
