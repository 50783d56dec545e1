import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Service notices, subscriptions, and deliveries that carry a notice instead of a ticket event. */
export class ServiceNotices1732700000000 implements MigrationInterface {
  name = 'ServiceNotices1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_notices (
        id uuid PRIMARY KEY,
        service_id text NOT NULL REFERENCES services(id),
        kind text NOT NULL CHECK (kind IN ('outage','maintenance','information')),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz,
        text text NOT NULL,
        author_id text NOT NULL REFERENCES participants(id),
        created_at timestamptz NOT NULL,
        CONSTRAINT service_notices_period CHECK (ends_at IS NULL OR ends_at > starts_at)
      )`);
    await q.query(`CREATE INDEX service_notices_service_idx ON service_notices (service_id, ends_at)`);
    await q.query(`
      CREATE TABLE service_subscriptions (
        service_id text NOT NULL REFERENCES services(id),
        participant_id text NOT NULL REFERENCES participants(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service_id, participant_id)
      )`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN notice_id uuid REFERENCES service_notices(id)`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN event_id DROP NOT NULL`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN ticket_id DROP NOT NULL`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN ticket_version DROP NOT NULL`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_subject CHECK ((event_id IS NULL) <> (notice_id IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE notice_id IS NOT NULL)`);
    await q.query(`DELETE FROM deliveries WHERE notice_id IS NOT NULL`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_subject`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN notice_id`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN event_id SET NOT NULL`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN ticket_id SET NOT NULL`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN ticket_version SET NOT NULL`);
    await q.query(`DROP TABLE IF EXISTS service_subscriptions`);
    await q.query(`DROP TABLE IF EXISTS service_notices`);
  }
}
