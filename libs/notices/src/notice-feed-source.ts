import type { FeedSource } from '@drehscheibe/feed';
import { fromJsonRow, jsonObjectSql, ServiceNoticeEntity } from '@drehscheibe/persistence';
import { toNoticeDelivery } from './notice-views.js';

/** Service notices in the feed: every notice the reader was an addressee of (fixed when it was published). */
export const noticeFeedSource: FeedSource = {
  kind: 'notice',
  sql: (ds) => `SELECT 'notice' AS kind, ${jsonObjectSql(ds, ServiceNoticeEntity, 'n')} AS item, r.txid, r.position
          FROM notice_recipients r JOIN service_notices n ON n.id = r.notice_id
         WHERE r.participant_id = $1
           AND (r.txid, r.position) > ($2::xid8, $3::bigint)
           AND r.txid < (SELECT h FROM horizon)
         ORDER BY r.txid, r.position
         LIMIT $4`,
  toItem: (ds, item) => toNoticeDelivery(fromJsonRow(ds, ServiceNoticeEntity, item)),
};
