import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, mutual TLS (RFC 8705): a client may authenticate with its TLS
 * client certificate by subject DN (`tls_client_auth`), and any client may
 * have its access tokens bound to the certificate it got them with.
 */
export class TlsClientCertificates1734700000000 implements MigrationInterface {
  name = 'TlsClientCertificates1734700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE oauth_clients
        ADD COLUMN tls_subject_dn text,
        ADD COLUMN tls_bound_access_tokens boolean NOT NULL DEFAULT false,
        DROP CONSTRAINT oauth_clients_auth_method_check,
        ADD CONSTRAINT oauth_clients_auth_method_check CHECK (auth_method IN ('client_secret','private_key_jwt','identity_provider','tls_client_auth')),
        ADD CONSTRAINT oauth_clients_subject_dn_by_method CHECK ((tls_subject_dn IS NOT NULL) = (auth_method = 'tls_client_auth'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM oauth_clients WHERE auth_method = 'tls_client_auth'`);
    await q.query(`
      ALTER TABLE oauth_clients
        DROP CONSTRAINT oauth_clients_subject_dn_by_method,
        DROP CONSTRAINT oauth_clients_auth_method_check,
        ADD CONSTRAINT oauth_clients_auth_method_check CHECK (auth_method IN ('client_secret','private_key_jwt','identity_provider')),
        DROP COLUMN tls_bound_access_tokens,
        DROP COLUMN tls_subject_dn`);
  }
}
