import type { DataSource } from 'typeorm';

/**
 * One kind of feed entry, defined by the capability that owns it (ticket
 * events in tickets, notices in notices): the feed knows neither, it merges
 * what its sources select into one order.
 */
export interface FeedSource {
  /**
   * A SELECT of one reader's entries of this kind after the cursor, with the
   * columns `kind` (this source's kind), `item` (json), `txid` (xid8),
   * `position` (bigint), ordered by (txid, position), at most `$4` rows.
   * In scope: `$1` reader, `$2` cursor txid, `$3` cursor position, `$4`
   * limit, and the CTE `horizon` (column `h`): only entries with
   * `txid < (SELECT h FROM horizon)` may be handed out.
   */
  sql(dataSource: DataSource): string;
  /** The entry's kind, as its SELECT names it. */
  kind: string;
  /** The entry as delivered (what a webhook would have carried). */
  toItem(dataSource: DataSource, item: Record<string, unknown>): Record<string, unknown>;
}

export const FEED_SOURCES = Symbol('FeedSources');
