import { Check, Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';

/**
 * One version of a participant's mapping profile (libs/mapping): the
 * document exactly as saved, never changed afterwards, so a delivery
 * rendered by a version can always be explained by it. Configuration, not
 * history: the versions go with their participant.
 */
@Entity({ name: 'mapping_profiles' })
@Unique('mapping_profiles_participant_version_key', ['participantId', 'version'])
@Check('mapping_profiles_version_check', `version >= 1`)
export class MappingProfileEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'mapping_profiles_pkey' })
  id: string;

  @Column({ name: 'participant_id', type: 'text' })
  @ForeignKey(() => ParticipantEntity, { name: 'mapping_profiles_participant_id_fkey', onDelete: 'CASCADE' })
  participantId: string;

  /** 1, 2, 3… per participant, in the order saved. */
  @Column({ type: 'integer' })
  version: number;

  /** The `MappingProfileDocument` as saved (before `extends` is resolved). */
  @Column({ type: 'jsonb' })
  document: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** The client id of the administrator who saved it. */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;
}
