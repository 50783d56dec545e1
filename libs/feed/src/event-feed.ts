import { decodeCursor, encodeCursor } from '@drehscheibe/contracts';
import { poolOf, runPrepared, type PreparedStatement } from '@drehscheibe/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FEED_SOURCES, type FeedSource } from './feed-source.js';

/** What a webhook would have carried: a ticket event, or a service notice. */
export type FeedItem = Record<string, unknown>;

export interface FeedPage {
  items: FeedItem[];
  /** Where to continue; the same cursor again when nothing new has committed. */
  nextCursor: string;
}

export interface FeedEntries {
  entries: Array<{ item: FeedItem; cursor: string }>;
  nextCursor: string;
}

interface FeedRow {
  kind: string;
  item: Record<string, unknown>;
  txid: string;
  position: string;
}

const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const within = (value: unknown, max: bigint): boolean => typeof value === 'string' && /^\d{1,20}$/.test(value) && BigInt(value) <= max;
/** A cursor must fit PostgreSQL's xid8 and bigint, or the query itself would fail. */
const isFeedCursor = (v: Record<string, unknown>): v is { x: string; p: string } => within(v.x, XID8_MAX) && within(v.p, BIGINT_MAX);

/** A place in the feed's order: writing transaction id (`x`) and position (`p`), both decimal text. */
export type FeedPosition = { x: string; p: string };

/** The beginning of the feed. */
export const FEED_START: FeedPosition = { x: '0', p: '0' };

/** The cursor a reader is handed for a position (opaque to readers). */
export const encodeFeedCursor = (position: FeedPosition): string => encodeCursor({ x: position.x, p: position.p });

/** The position a cursor names; `invalid-cursor` for one this hub did not hand out. */
export const decodeFeedCursor = (cursor: string): FeedPosition => decodeCursor(cursor, isFeedCursor);

/**
 * Up to which transaction id the feed may hand out entries: the oldest
 * transaction in the reader's own snapshot that might still commit entries
 * of this hub, else the snapshot's xmax.
 *
 * Entries are ordered by (writing transaction id, position), and a cursor
 * only moves past transaction ids below this horizon, so no transaction that
 * could still commit an entry sorts behind a cursor already handed out.
 * Waiting for every running transaction (`pg_snapshot_xmin`) would be
 * correct too, but then one long transaction anywhere on the server — in
 * another database, a report, a migration elsewhere — stalls every reader.
 *
 * A transaction in the snapshot is skipped ("foreign") only if it provably
 * writes no entries here: it is running now (still in pg_stat_activity with
 * that `backend_xid`) and connected to another database — which can never
 * write our tables — or to ours under an application name that is neither
 * the hub's (`drehscheibe…`) nor empty (a pooler that drops the name must
 * not turn the hub's own writers foreign). Why this is race-free:
 * - the snapshot is taken when the statement starts; pg_stat_activity is
 *   read afterwards. A transaction found there under its xid was running at
 *   both moments, and its database cannot change;
 * - a transaction of the snapshot that has finished by then is not found
 *   and so still counts: it may be one of ours whose entries this snapshot
 *   cannot see yet;
 * - transactions not in the snapshot and below its xmax had finished when
 *   it was taken, so their entries are visible to this very query;
 * - xids are compared as 32-bit `xid` (what pg_stat_activity shows): live
 *   transactions are always less than 2^31 apart, so the match is exact.
 * Without the privilege to see a backend, PostgreSQL shows `backend_xid`,
 * `datname` and `application_name` of every session anyway; where a
 * deployment hides them, the rule above finds nothing foreign and the feed
 * simply waits, as before. Prepared transactions (2PC) have no backend and
 * always count.
 */
const HORIZON_CTES = `snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
  foreign_xids AS MATERIALIZED (
    SELECT backend_xid AS xid FROM pg_stat_activity
     WHERE backend_xid IS NOT NULL
       AND (datname IS DISTINCT FROM current_database() OR (application_name <> '' AND application_name NOT LIKE 'drehscheibe%'))),
  horizon AS MATERIALIZED (
    SELECT coalesce(min(x), pg_snapshot_xmax((SELECT s FROM snapshot))) AS h
      FROM pg_snapshot_xip((SELECT s FROM snapshot)) AS x
     WHERE NOT EXISTS (SELECT 1 FROM foreign_xids f WHERE f.xid = xid(x)))`;

/** The feed query over every source: each source's page, merged into one order. */
function feedStatement(dataSource: DataSource, sources: FeedSource[]): PreparedStatement {
  const pages = sources.map((source, i) => `source_${i} AS (${source.sql(dataSource)})`);
  return {
    name: `event_feed_v3_${sources.map((s) => s.kind).join('_')}`,
    text: `WITH ${HORIZON_CTES},
      ${pages.join(',\n      ')}
      SELECT kind, item, txid::text AS txid, position::text AS position
        FROM (${sources.map((_, i) => `SELECT * FROM source_${i}`).join(' UNION ALL ')}) entries
       ORDER BY entries.txid, entries.position
       LIMIT $4`,
  };
}

/**
 * The polling feed for systems behind firewalls: what webhooks deliver, for
 * readers that cannot receive calls — every event of every ticket the
 * reader is party to from the one that made it a party on, except its own
 * changes, and every service notice it was an addressee of; each exactly once.
 *
 * Ticket events and notices share one order (writing transaction id, then a
 * position from one sequence), so one cursor covers both.
 */
@Injectable()
export class EventFeed {
  private statement?: PreparedStatement;
  private readonly byKind: Map<string, FeedSource>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(FEED_SOURCES) private readonly sources: FeedSource[],
  ) {
    this.byKind = new Map(sources.map((s) => [s.kind, s]));
  }

  async read(viewerId: string, after: string | undefined, limit: number): Promise<FeedPage> {
    const { entries, nextCursor } = await this.readEntries(viewerId, after, limit);
    return { items: entries.map((e) => e.item), nextCursor };
  }

  /** The same page, with the cursor after each item: for readers that commit their place item by item (connectors). */
  async readEntries(viewerId: string, after: string | undefined, limit: number): Promise<FeedEntries> {
    const cursor = after ? decodeFeedCursor(after) : FEED_START;
    this.statement ??= feedStatement(this.dataSource, this.sources);
    const rows = await runPrepared<FeedRow>(poolOf(this.dataSource), this.statement, [viewerId, cursor.x, cursor.p, limit]);
    const last = rows[rows.length - 1];
    return {
      entries: rows.map((row) => ({
        item: this.byKind.get(row.kind)!.toItem(this.dataSource, row.item),
        cursor: encodeCursor({ x: row.txid, p: row.position }),
      })),
      nextCursor: encodeCursor(last ? { x: last.txid, p: last.position } : cursor),
    };
  }
}
