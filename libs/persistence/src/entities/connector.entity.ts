import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { ParticipantEntity } from './participant.entity.js';

/**
 * How the hub authenticates at a participant's system. The secret (password,
 * token, key) is stored encrypted (FieldCipher), never in plain text.
 */
export type StoredConnectorAuth =
  | { kind: 'basic'; username: string; secretEnc: string }
  | { kind: 'bearer'; secretEnc: string }
  | { kind: 'api-key'; header: string; prefix?: string; secretEnc: string };

/** A participant's ticket system that the hub polls and writes to itself (issue 16). */
@Entity({ name: 'connectors' })
@Check('connectors_kind_check', `kind IN ('rt5', 'rest')`)
export class ConnectorEntity {
  @PrimaryColumn({ name: 'participant_id', type: 'text', primaryKeyConstraintName: 'connectors_pkey' })
  @ForeignKey(() => ParticipantEntity, { name: 'connectors_participant_id_fkey', onDelete: 'CASCADE' })
  participantId: string;

  /** `rt5` (Request Tracker 5, REST2) or `rest` (described by the participant's mapping profile). */
  @Column({ name: 'kind', type: 'text' })
  kind: 'rt5' | 'rest';

  @Column({ name: 'base_url', type: 'text' })
  baseUrl: string;

  @Column({ name: 'auth', type: 'jsonb' })
  auth: StoredConnectorAuth;

  /** Poll interval, settle time and the kind's own settings (e.g. RT's queue and the hub's user there). */
  @Column({ name: 'settings', type: 'jsonb', default: () => "'{}'" })
  settings: Record<string, unknown>;

  @Column({ name: 'enabled', type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  /** The client id of the administrator who configured it last. */
  @Column({ name: 'updated_by', type: 'text' })
  updatedBy: string;
}
