import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, items 10 and 11. A receiver's endpoint is verified by a signed
 * challenge before deliveries flow to it: `receiver_health` keeps which URL
 * the state is about and how the handshake went. Endpoints registered before
 * this migration received deliveries already: they count as verified.
 * A routing rule may name only a service.
 */
export class EndpointVerification1733500000000 implements MigrationInterface {
  name = 'EndpointVerification1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE receiver_health
      ADD COLUMN endpoint_url text,
      ADD COLUMN verification text CONSTRAINT receiver_health_verification_check CHECK (verification IN ('pending','verified','failed')),
      ADD COLUMN verification_error text,
      ADD COLUMN verification_checked_at timestamptz,
      ADD COLUMN verification_failures integer NOT NULL DEFAULT 0,
      ADD COLUMN next_verification_at timestamptz`);
    await q.query(`INSERT INTO receiver_health (receiver_id, endpoint_url, verification, verification_checked_at, updated_at)
      SELECT id, delivery_url, 'verified', now(), now() FROM participants WHERE delivery_url IS NOT NULL
      ON CONFLICT (receiver_id) DO UPDATE SET endpoint_url = EXCLUDED.endpoint_url, verification = 'verified',
        verification_checked_at = EXCLUDED.verification_checked_at`);
    await q.query(`ALTER TABLE routing_rules DROP CONSTRAINT routing_rules_condition,
      ADD CONSTRAINT routing_rules_condition CHECK (service_id IS NOT NULL OR origin_land IS NOT NULL OR category IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM routing_rules WHERE origin_land IS NULL AND category IS NULL`);
    await q.query(`ALTER TABLE routing_rules DROP CONSTRAINT routing_rules_condition,
      ADD CONSTRAINT routing_rules_condition CHECK (origin_land IS NOT NULL OR category IS NOT NULL)`);
    await q.query(`ALTER TABLE receiver_health DROP COLUMN endpoint_url, DROP COLUMN verification, DROP COLUMN verification_error,
      DROP COLUMN verification_checked_at, DROP COLUMN verification_failures, DROP COLUMN next_verification_at`);
  }
}
