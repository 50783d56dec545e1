import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Multi-hop sender, comments, the commit-safe feed position, idempotency keys. */
export class ConversationFeedIdempotency1732400000000 implements MigrationInterface {
  name = 'ConversationFeedIdempotency1732400000000';

  async up(q: QueryRunner): Promise<void> {
    // Who handed the ticket to its current assignee: a rejection returns it there.
    await q.query(`ALTER TABLE tickets ADD COLUMN sender_id text REFERENCES participants(id)`);
    await q.query(`UPDATE tickets SET sender_id = origin_id`);
    // The writing transaction's id: the feed only hands out events of
    // transactions older than every running one, so a late commit is never skipped.
    await q.query(`ALTER TABLE ticket_events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await q.query(`CREATE INDEX ticket_events_feed_idx ON ticket_events (txid, position)`);
    await q.query(`CREATE INDEX tickets_updated_idx ON tickets (updated_at, id)`);
    await q.query(`
      CREATE TABLE ticket_comments (
        id uuid PRIMARY KEY,
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        author_id text NOT NULL REFERENCES participants(id),
        visibility text NOT NULL CHECK (visibility IN ('public','internal')),
        text text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ticket_comments_ticket_idx ON ticket_comments (ticket_id, created_at)`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        client_id text NOT NULL,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_headers jsonb,
        response_body text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS idempotency_keys`);
    await q.query(`DROP TABLE IF EXISTS ticket_comments`);
    await q.query(`DROP INDEX IF EXISTS tickets_updated_idx`);
    await q.query(`DROP INDEX IF EXISTS ticket_events_feed_idx`);
    await q.query(`ALTER TABLE ticket_events DROP COLUMN IF EXISTS txid`);
    await q.query(`ALTER TABLE tickets DROP COLUMN IF EXISTS sender_id`);
  }
}
