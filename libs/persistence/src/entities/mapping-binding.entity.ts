import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { MappingProfileEntity } from './mapping-profile.entity.js';
import { ParticipantEntity } from './participant.entity.js';

/**
 * How the hub authenticates a participant's native messages
 * (`POST /v1/inbound/{participantId}`): its access token, or a header its
 * system can send. The secret is stored encrypted (FieldCipher), never in
 * plain text.
 */
export type StoredInboundAuth =
  | { kind: 'bearer' }
  | { kind: 'shared-secret'; header: string; secretEnc: string }
  | { kind: 'hmac'; header: string; algorithm: 'sha256' | 'sha512'; encoding: 'hex' | 'base64'; prefix?: string; secretEnc: string };

/** The participant's active mapping profile version; no row: the participant speaks the canonical API. */
@Entity({ name: 'mapping_bindings' })
@Index('mapping_bindings_profile_idx', ['profileId'])
export class MappingBindingEntity {
  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'mapping_bindings_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'mapping_bindings_participant_id_fkey', onDelete: 'CASCADE' })
  participantId: string;

  /** The active version (a row of `mapping_profiles` of the same participant). */
  @Column({ name: 'profile_id', type: 'uuid' })
  @ForeignKey(() => MappingProfileEntity, { name: 'mapping_bindings_profile_id_fkey', onDelete: 'CASCADE' })
  profileId: string;

  @Column({ name: 'activated_at', type: 'timestamptz', default: () => 'now()' })
  activatedAt: Date;

  /** The client id of the administrator who activated it. */
  @Column({ name: 'activated_by', type: 'text' })
  activatedBy: string;

  @Column({ name: 'inbound_auth', type: 'jsonb' })
  inboundAuth: StoredInboundAuth;
}
