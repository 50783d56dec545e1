import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { OAuthClientEntity } from './oauth-client.entity.js';

/** A public key a private_key_jwt client signs its client assertions with (never a private key). */
@Entity({ name: 'oauth_client_keys' })
export class OAuthClientKeyEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text', primaryKeyConstraintName: 'oauth_client_keys_pkey' })
  @ForeignKey(() => OAuthClientEntity, { name: 'oauth_client_keys_client_id_fkey', onDelete: 'CASCADE' })
  clientId: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'oauth_client_keys_pkey' })
  kid: string;

  /** The public JWK as registered (checked: Ed25519, P-256 or RSA ≥ 2048 bits, no private members). */
  @Column({ type: 'jsonb' })
  jwk: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
