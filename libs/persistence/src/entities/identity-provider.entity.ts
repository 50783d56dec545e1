import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';

/** An external identity provider (e.g. a Land's Keycloak realm) whose access tokens the hub accepts for mapped clients. */
@Entity({ name: 'identity_providers' })
@Unique('identity_providers_issuer_key', ['issuer'])
export class IdentityProviderEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'identity_providers_pkey' })
  id: string;

  @Column({ type: 'text' })
  issuer: string;

  @Column({ name: 'jwks_url', type: 'text' })
  jwksUrl: string;

  @Column({ type: 'text' })
  audience: string;

  /** The claim that names the client a token is for (`azp`, `client_id`, `sub`, …). */
  @Column({ name: 'subject_claim', type: 'text', default: 'azp' })
  subjectClaim: string;

  /** Provider scope → hub scope; null: a token gets its client's scopes. */
  @Column({ name: 'scope_map', type: 'jsonb', nullable: true })
  scopeMap: Record<string, string> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
