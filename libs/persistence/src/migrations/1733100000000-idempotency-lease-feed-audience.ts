import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12, items 1, 5 and 17:
 * - idempotency keys: the stored reply is encrypted, a claim has a lease, and
 *   the change a request committed is recorded with the key (its outcome);
 * - the version at which a party joined a ticket (the feed starts there, as
 *   webhooks do);
 * - who a service notice went to, placed in the feed's order.
 */
export class IdempotencyLeaseFeedAudience1733100000000 implements MigrationInterface {
  name = 'IdempotencyLeaseFeedAudience1733100000000';

  async up(q: QueryRunner): Promise<void> {
    // Stored replies held personal data in the clear: they go. A retry of a key
    // sent before the upgrade counts as a new request (a second create with the
    // same externalId is still refused by its uniqueness).
    await q.query(`DELETE FROM idempotency_keys`);
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN response_body`);
    // Headers too: the receipt carries a plain SHA-256 of the request body.
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN response_headers`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN response_enc text`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN locked_until timestamptz NOT NULL DEFAULT now()`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN lease_token uuid`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN ticket_id uuid`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN ticket_version integer`);
    // Written by the very statement that commits the key's change: a second
    // change under the same key (a retry that took over a slow request) fails
    // on this check and rolls back, so a key's change is applied at most once.
    await q.query(
      `ALTER TABLE idempotency_keys ADD COLUMN changes_applied smallint NOT NULL DEFAULT 0 CONSTRAINT idempotency_keys_applied_once CHECK (changes_applied <= 1)`,
    );

    await q.query(`ALTER TABLE ticket_parties ADD COLUMN joined_version integer`);
    // Origin and first assignee joined with version 1; anyone else with the
    // first forward to it.
    await q.query(`
      UPDATE ticket_parties p SET joined_version = CASE WHEN p.participant_id = t.origin_id THEN 1 ELSE coalesce(
          (SELECT min(e.ticket_version) FROM ticket_events e
            WHERE e.ticket_id = p.ticket_id AND e.type = 'ticket.forwarded' AND e.data->'assignee'->>'participantId' = p.participant_id), 1) END
        FROM tickets t WHERE t.id = p.ticket_id`);
    await q.query(`ALTER TABLE ticket_parties ALTER COLUMN joined_version SET NOT NULL`);
    await q.query(`ALTER TABLE ticket_parties ADD CONSTRAINT ticket_parties_joined_version CHECK (joined_version >= 1)`);

    // Who a notice went to, fixed when it was published, with or without an
    // endpoint. Feed position as for ticket events (writing transaction, and a
    // number from the same sequence), so one cursor orders both.
    const [{ seq }] = (await q.query(`SELECT pg_get_serial_sequence('ticket_events', 'position') AS seq`)) as Array<{ seq: string }>;
    await q.query(`
      CREATE TABLE notice_recipients (
        notice_id uuid NOT NULL REFERENCES service_notices(id),
        participant_id text NOT NULL REFERENCES participants(id),
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        position bigint NOT NULL DEFAULT nextval('${seq}'),
        PRIMARY KEY (notice_id, participant_id)
      )`);
    await q.query(`CREATE INDEX notice_recipients_feed_idx ON notice_recipients (participant_id, txid, position)`);
    // Notices published before this release were delivered to endpoints only;
    // they do not reappear in feeds as new.
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS notice_recipients`);
    await q.query(`ALTER TABLE ticket_parties DROP CONSTRAINT IF EXISTS ticket_parties_joined_version`);
    await q.query(`ALTER TABLE ticket_parties DROP COLUMN IF EXISTS joined_version`);
    await q.query(`DELETE FROM idempotency_keys`);
    for (const column of ['changes_applied', 'ticket_version', 'ticket_id', 'lease_token', 'locked_until', 'response_enc']) {
      await q.query(`ALTER TABLE idempotency_keys DROP COLUMN IF EXISTS ${column}`);
    }
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN response_headers jsonb`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN response_body text`);
  }
}
