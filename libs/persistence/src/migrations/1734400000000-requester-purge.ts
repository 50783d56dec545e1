import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, personal data: when the requester's data of a closed or
 * cancelled ticket was purged after the retention period (no event: the
 * ticket's history and its hash chain stay as they were), and the purge
 * job's scans over the tickets still to purge, and over the copies it
 * removes with them: stored idempotent answers and receivers' answers to a
 * ticket's deliveries.
 */
export class RequesterPurge1734400000000 implements MigrationInterface {
  name = 'RequesterPurge1734400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tickets ADD COLUMN requester_purged_at timestamptz`);
    await q.query(`CREATE INDEX tickets_closed_unpurged_idx ON tickets (closed_at) WHERE status = 'closed' AND requester_purged_at IS NULL`);
    await q.query(`CREATE INDEX tickets_cancelled_unpurged_idx ON tickets (updated_at) WHERE status = 'cancelled' AND requester_purged_at IS NULL`);
    await q.query(`CREATE INDEX idempotency_keys_ticket_idx ON idempotency_keys (ticket_id) WHERE ticket_id IS NOT NULL`);
    await q.query(`CREATE INDEX deliveries_ticket_idx ON deliveries (ticket_id) WHERE ticket_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deliveries_ticket_idx`);
    await q.query(`DROP INDEX idempotency_keys_ticket_idx`);
    await q.query(`DROP INDEX tickets_cancelled_unpurged_idx`);
    await q.query(`DROP INDEX tickets_closed_unpurged_idx`);
    await q.query(`ALTER TABLE tickets DROP COLUMN requester_purged_at`);
  }
}
