import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, item 8: named feed consumers. The hub keeps each consumer's
 * cursor (advanced only by acknowledgement) and a lease, so that of several
 * copies of a bridge only one reads and acknowledges at a time.
 */
export class FeedConsumers1733400000000 implements MigrationInterface {
  name = 'FeedConsumers1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE feed_consumers (
        participant_id text NOT NULL CONSTRAINT feed_consumers_participant_id_fkey REFERENCES participants(id) ON DELETE CASCADE,
        name text NOT NULL CONSTRAINT feed_consumers_name_check CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
        cursor_txid xid8 NOT NULL,
        cursor_position bigint NOT NULL,
        lease_id uuid,
        lease_until timestamptz,
        acknowledged_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT feed_consumers_pkey PRIMARY KEY (participant_id, name),
        CONSTRAINT feed_consumers_lease_check CHECK ((lease_id IS NULL) = (lease_until IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS feed_consumers`);
  }
}
