import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-receiver circuit state and manual pause, shared by every worker replica. */
export class ReceiverHealth1732800000000 implements MigrationInterface {
  name = 'ReceiverHealth1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE receiver_health (
        receiver_id text PRIMARY KEY REFERENCES participants(id),
        circuit text NOT NULL DEFAULT 'closed' CHECK (circuit IN ('closed','open','half_open')),
        consecutive_failures integer NOT NULL DEFAULT 0,
        opened_at timestamptz,
        next_probe_at timestamptz,
        paused boolean NOT NULL DEFAULT false,
        last_success_at timestamptz,
        last_failure_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deliveries_dead_idx ON deliveries (receiver_id) WHERE status = 'dead'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deliveries_dead_idx`);
    await q.query(`DROP TABLE IF EXISTS receiver_health`);
  }
}
