import { chainHash, eventDocument } from '@drehscheibe/evidence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Events hashed per round trip while existing chains are built. */
const BACKFILL_BATCH = 1000;

/**
 * Issue 17: the tamper-evident audit. Each event carries its link of the
 * ticket's hash chain (`prev_hash`, `hash`), each ticket its chain's head,
 * and signed checkpoints commit to all heads as a Merkle root. Events that
 * exist already get their links here, in version order per ticket.
 */
export class AuditChain1734100000000 implements MigrationInterface {
  name = 'AuditChain1734100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ticket_events ADD COLUMN prev_hash text, ADD COLUMN hash text`);
    await q.query(`ALTER TABLE tickets ADD COLUMN chain_head text`);
    await backfill(q);
    await q.query(`ALTER TABLE ticket_events ALTER COLUMN hash SET NOT NULL`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        seq bigint NOT NULL,
        created_at timestamptz NOT NULL,
        tree_size integer NOT NULL,
        root text NOT NULL,
        previous text,
        jws text NOT NULL,
        leaves bytea,
        CONSTRAINT audit_checkpoints_pkey PRIMARY KEY (seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`ALTER TABLE tickets DROP COLUMN chain_head`);
    await q.query(`ALTER TABLE ticket_events DROP COLUMN hash, DROP COLUMN prev_hash`);
  }
}

interface EventRow {
  id: string;
  ticket_id: string;
  ticket_version: number;
  type: string;
  actor_id: string;
  occurred_at: Date;
  data: Record<string, unknown>;
  snapshot: Record<string, unknown>;
}

async function backfill(q: QueryRunner): Promise<void> {
  let after: [string, number] = ['00000000-0000-0000-0000-000000000000', 0];
  let head: { ticketId: string; hash: string } | null = null;
  for (;;) {
    const rows = (await q.query(
      `SELECT id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot FROM ticket_events
        WHERE (ticket_id, ticket_version) > ($1::uuid, $2::integer) ORDER BY ticket_id, ticket_version LIMIT ${BACKFILL_BATCH}`,
      after,
    )) as EventRow[];
    if (rows.length === 0) break;
    const ids: string[] = [];
    const prevs: Array<string | null> = [];
    const hashes: string[] = [];
    for (const r of rows) {
      const prev: string | null = head?.ticketId === r.ticket_id ? head.hash : null;
      const event = {
        id: r.id,
        ticketId: r.ticket_id,
        ticketVersion: r.ticket_version,
        type: r.type,
        actorId: r.actor_id,
        occurredAt: r.occurred_at,
        data: r.data,
        snapshot: r.snapshot,
      };
      const hash = chainHash(prev, eventDocument(event));
      ids.push(r.id);
      prevs.push(prev);
      hashes.push(hash);
      head = { ticketId: r.ticket_id, hash };
    }
    await q.query(
      `UPDATE ticket_events e SET prev_hash = v.prev, hash = v.hash FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, prev, hash) WHERE e.id = v.id`,
      [ids, prevs, hashes],
    );
    const last = rows[rows.length - 1];
    after = [last.ticket_id, last.ticket_version];
  }
  await q.query(`
    UPDATE tickets t SET chain_head = e.hash
      FROM (SELECT DISTINCT ON (ticket_id) ticket_id, hash FROM ticket_events ORDER BY ticket_id, ticket_version DESC) e
     WHERE e.ticket_id = t.id`);
}
