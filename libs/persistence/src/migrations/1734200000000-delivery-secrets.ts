import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17: delivery signature schemes per participant. A participant
 * signed with a shared secret (Standard Webhooks HMAC, FIT-Connect
 * callbacks) has a row with the secret encrypted and, during a rotation's
 * overlap, the previous one; the others are signed with the hub's key.
 */
export class DeliverySecrets1734200000000 implements MigrationInterface {
  name = 'DeliverySecrets1734200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE delivery_secrets (
        participant_id text NOT NULL CONSTRAINT delivery_secrets_participant_id_fkey REFERENCES participants(id) ON DELETE CASCADE,
        scheme text NOT NULL CONSTRAINT delivery_secrets_scheme_check CHECK (scheme IN ('standard-webhooks-hmac','fit-connect')),
        secret_enc text NOT NULL,
        generation integer NOT NULL DEFAULT 1 CONSTRAINT delivery_secrets_generation_check CHECK (generation >= 1),
        rotated_at timestamptz,
        previous_secret_enc text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT delivery_secrets_previous_expires CHECK ((previous_secret_enc IS NULL) = (previous_secret_expires_at IS NULL)),
        CONSTRAINT delivery_secrets_pkey PRIMARY KEY (participant_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS delivery_secrets`);
  }
}
