import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Strong client authentication (issue 17): a client authenticates with a
 * secret, with its own public keys (private_key_jwt, no secret stored at
 * all), or through an external identity provider whose tokens are mapped to
 * it. The method decides which of the columns may be set.
 */
export class ClientAuthentication1734300000000 implements MigrationInterface {
  name = 'ClientAuthentication1734300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity_providers (
        id text CONSTRAINT identity_providers_pkey PRIMARY KEY,
        issuer text NOT NULL CONSTRAINT identity_providers_issuer_key UNIQUE,
        jwks_url text NOT NULL,
        audience text NOT NULL,
        subject_claim text NOT NULL DEFAULT 'azp',
        scope_map jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      ALTER TABLE oauth_clients
        ALTER COLUMN secret_hash DROP NOT NULL,
        ADD COLUMN auth_method text NOT NULL DEFAULT 'client_secret',
        ADD COLUMN identity_provider_id text
          CONSTRAINT oauth_clients_identity_provider_id_fkey REFERENCES identity_providers (id) ON DELETE CASCADE,
        ADD COLUMN external_subject text,
        ADD CONSTRAINT oauth_clients_auth_method_check CHECK (auth_method IN ('client_secret','private_key_jwt','identity_provider')),
        ADD CONSTRAINT oauth_clients_secret_by_method CHECK ((secret_hash IS NOT NULL) = (auth_method = 'client_secret')),
        ADD CONSTRAINT oauth_clients_external_by_method
          CHECK ((identity_provider_id IS NOT NULL) = (auth_method = 'identity_provider') AND (external_subject IS NOT NULL) = (auth_method = 'identity_provider'))`);
    await q.query(`CREATE UNIQUE INDEX oauth_clients_external_identity_key ON oauth_clients (identity_provider_id, external_subject)`);
    await q.query(`
      CREATE TABLE oauth_client_keys (
        client_id text NOT NULL CONSTRAINT oauth_client_keys_client_id_fkey REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
        kid text NOT NULL,
        jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT oauth_client_keys_pkey PRIMARY KEY (client_id, kid)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS oauth_client_keys`);
    await q.query(`DELETE FROM oauth_clients WHERE auth_method <> 'client_secret'`);
    await q.query(`DROP INDEX IF EXISTS oauth_clients_external_identity_key`);
    await q.query(`
      ALTER TABLE oauth_clients
        DROP CONSTRAINT IF EXISTS oauth_clients_external_by_method,
        DROP CONSTRAINT IF EXISTS oauth_clients_secret_by_method,
        DROP CONSTRAINT IF EXISTS oauth_clients_auth_method_check,
        DROP COLUMN IF EXISTS external_subject,
        DROP COLUMN IF EXISTS identity_provider_id,
        DROP COLUMN IF EXISTS auth_method,
        ALTER COLUMN secret_hash SET NOT NULL`);
    await q.query(`DROP TABLE IF EXISTS identity_providers`);
  }
}
