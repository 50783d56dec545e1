import type { FeedSource } from '@drehscheibe/feed';
import { fromJsonRow, jsonObjectSql, TicketEventEntity } from '@drehscheibe/persistence';
import { toEventDelivery } from './ticket-events.js';

/**
 * Ticket events in the feed: every event of every ticket the reader is party
 * to, from the one that made it a party on (as its webhooks), except its own.
 */
export const ticketEventFeedSource: FeedSource = {
  kind: 'event',
  sql: (ds) => `SELECT 'event' AS kind, ${jsonObjectSql(ds, TicketEventEntity, 'e')} AS item, e.txid, e.position
          FROM ticket_events e
         WHERE (e.txid, e.position) > ($2::xid8, $3::bigint)
           AND e.txid < (SELECT h FROM horizon)
           AND e.actor_id <> $1
           AND EXISTS (SELECT 1 FROM ticket_parties p WHERE p.ticket_id = e.ticket_id AND p.participant_id = $1 AND p.joined_version <= e.ticket_version)
         ORDER BY e.txid, e.position
         LIMIT $4`,
  toItem: (ds, item) => toEventDelivery(fromJsonRow(ds, TicketEventEntity, item)),
};
