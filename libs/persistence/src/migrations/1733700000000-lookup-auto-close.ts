import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, items 6 and 9: tickets found by any party's own ticket number
 * (`GET /v1/tickets?externalId=`), and auto-close — a period per service, the
 * job's scan over resolved tickets, and events whose actor is the hub itself
 * (`drehscheibe`, no participant: the actor is no longer a foreign key).
 */
export class LookupAutoClose1733700000000 implements MigrationInterface {
  name = 'LookupAutoClose1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ticket_parties_external_id_idx ON ticket_parties (external_id) WHERE external_id IS NOT NULL`);
    await q.query(`ALTER TABLE services ADD COLUMN auto_close_after text,
        ADD CONSTRAINT services_auto_close_after_check CHECK (auto_close_after ~ '^P(?!$)([0-9]+W|([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?)$')`);
    await q.query(`CREATE INDEX tickets_resolved_idx ON tickets (resolved_at) WHERE status = 'resolved'`);
    await q.query(`ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_actor_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Fails while events the hub made (actor `drehscheibe`) exist: they name no participant, and history is not deleted.
    await q.query(`ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES participants(id)`);
    await q.query(`DROP INDEX tickets_resolved_idx`);
    await q.query(`ALTER TABLE services DROP COLUMN auto_close_after`);
    await q.query(`DROP INDEX ticket_parties_external_id_idx`);
  }
}
