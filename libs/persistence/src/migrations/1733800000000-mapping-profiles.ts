import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15: mapping profiles. Each participant's profile versions (immutable
 * documents) and which one is active, with how its native messages are
 * authenticated. Both go with the participant.
 */
export class MappingProfiles1733800000000 implements MigrationInterface {
  name = 'MappingProfiles1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mapping_profiles (
        id uuid NOT NULL,
        participant_id text NOT NULL CONSTRAINT mapping_profiles_participant_id_fkey REFERENCES participants(id) ON DELETE CASCADE,
        version integer NOT NULL CONSTRAINT mapping_profiles_version_check CHECK (version >= 1),
        document jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        CONSTRAINT mapping_profiles_pkey PRIMARY KEY (id),
        CONSTRAINT mapping_profiles_participant_version_key UNIQUE (participant_id, version)
      )`);
    await q.query(`
      CREATE TABLE mapping_bindings (
        participant_id text NOT NULL CONSTRAINT mapping_bindings_participant_id_fkey REFERENCES participants(id) ON DELETE CASCADE,
        profile_id uuid NOT NULL CONSTRAINT mapping_bindings_profile_id_fkey REFERENCES mapping_profiles(id) ON DELETE CASCADE,
        activated_at timestamptz NOT NULL DEFAULT now(),
        activated_by text NOT NULL,
        inbound_auth jsonb NOT NULL,
        CONSTRAINT mapping_bindings_pkey PRIMARY KEY (participant_id)
      )`);
    await q.query(`CREATE INDEX mapping_bindings_profile_idx ON mapping_bindings (profile_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mapping_bindings`);
    await q.query(`DROP TABLE IF EXISTS mapping_profiles`);
  }
}
