import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Client secret rotation and revocation (issue 12, items 2 and 3): the
 * generation of the current secret, which every access token names, and at
 * most one previous secret that keeps working until its expiry.
 */
export class ClientCredentials1733000000000 implements MigrationInterface {
  name = 'ClientCredentials1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE oauth_clients
        ADD COLUMN secret_generation integer NOT NULL DEFAULT 1 CHECK (secret_generation >= 1),
        ADD COLUMN secret_rotated_at timestamptz,
        ADD COLUMN previous_secret_hash text,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD CONSTRAINT oauth_clients_previous_secret_expires CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL))`);
    await q.query(`CREATE INDEX oauth_clients_participant_idx ON oauth_clients (participant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS oauth_clients_participant_idx`);
    await q.query(`
      ALTER TABLE oauth_clients
        DROP CONSTRAINT IF EXISTS oauth_clients_previous_secret_expires,
        DROP COLUMN IF EXISTS previous_secret_expires_at,
        DROP COLUMN IF EXISTS previous_secret_hash,
        DROP COLUMN IF EXISTS secret_rotated_at,
        DROP COLUMN IF EXISTS secret_generation`);
  }
}
