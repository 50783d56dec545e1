import type { Delivery } from '@drehscheibe/contracts';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from './cursor.js';

export interface FeedPage {
  items: Delivery[];
  /** Where to continue; the same cursor again when nothing new has committed. */
  nextCursor: string;
}

interface FeedRow {
  id: string;
  ticket_id: string;
  ticket_version: number;
  type: Delivery['type'];
  actor_id: string;
  occurred_at: Date;
  data: Record<string, unknown>;
  snapshot: Delivery['ticket'];
  txid: string;
  position: string;
}

const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const within = (value: unknown, max: bigint): boolean => typeof value === 'string' && /^\d{1,20}$/.test(value) && BigInt(value) <= max;
/** A cursor must fit PostgreSQL's xid8 and bigint, or the query itself would fail. */
const isFeedCursor = (v: Record<string, unknown>): v is { x: string; p: string } => within(v.x, XID8_MAX) && within(v.p, BIGINT_MAX);

const START = { x: '0', p: '0' };

/**
 * The polling feed for systems behind firewalls: every event of every ticket
 * the caller is party to, except its own changes, each exactly once.
 *
 * Events are ordered by (writing transaction id, position) and handed out only
 * once every transaction that could still commit with a smaller id has ended
 * (`pg_snapshot_xmin`). A transaction that commits late therefore always sorts
 * after the cursor of anyone who read past it — nothing is ever skipped,
 * without serialising writers on one global counter.
 */
@Injectable()
export class EventFeed {
  constructor(private readonly dataSource: DataSource) {}

  async read(viewerId: string, after: string | undefined, limit: number): Promise<FeedPage> {
    const cursor = after ? decodeCursor(after, isFeedCursor) : START;
    const rows: FeedRow[] = await this.dataSource.query(
      `SELECT e.id, e.ticket_id, e.ticket_version, e.type, e.actor_id, e.occurred_at, e.data, e.snapshot,
              e.txid::text AS txid, e.position::text AS position
         FROM ticket_events e
        WHERE (e.txid, e.position) > ($2::xid8, $3::bigint)
          AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
          AND e.actor_id <> $1
          AND EXISTS (SELECT 1 FROM ticket_parties p WHERE p.ticket_id = e.ticket_id AND p.participant_id = $1)
        ORDER BY e.txid, e.position
        LIMIT $4`,
      [viewerId, cursor.x, cursor.p, limit],
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => ({
        id: r.id,
        type: r.type,
        ticketId: r.ticket_id,
        ticketVersion: r.ticket_version,
        occurredAt: r.occurred_at.toISOString(),
        actor: { participantId: r.actor_id },
        data: r.data,
        ticket: r.snapshot,
      })),
      nextCursor: encodeCursor(last ? { x: last.txid, p: last.position } : cursor),
    };
  }
}
