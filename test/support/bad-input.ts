import type { TestDatabase } from './database.js';

let counter = 0;

/** A ticket creation the hub accepts; cases spoil one field of it. */
export const validTicket = (prefix: string) => ({
  externalId: `${prefix}-${Date.now()}-${++counter}`,
  type: 'question',
  subject: 'Frage zum Antrag',
  serviceId: 'svc-demo-wohngeld',
  impact: 3,
  urgency: 3,
  channel: 'email',
});

/**
 * Row counts of everything a ticket request could write, and a digest of
 * every ticket's state: equal before and after means the request changed nothing.
 */
export async function ticketFootprint(db: TestDatabase): Promise<Record<string, unknown>> {
  const [row] = await db.query(
    `SELECT (SELECT count(*) FROM tickets)::int AS tickets, (SELECT count(*) FROM ticket_events)::int AS events,
            (SELECT count(*) FROM deliveries)::int AS deliveries, (SELECT max(version) FROM tickets)::int AS versions,
            (SELECT count(*) FROM ticket_comments)::int AS comments, (SELECT count(*) FROM ticket_parties)::int AS parties,
            (SELECT count(*) FROM idempotency_keys)::int AS "idempotencyKeys",
            (SELECT md5(string_agg(id::text || ':' || status || ':' || assignee_id || ':' || version, ',' ORDER BY id)) FROM tickets) AS state`,
  );
  return row;
}

/**
 * Every row of the registry tables, digested: equal before and after means a
 * registry request changed nothing (names, contacts, clients, rules included).
 */
export async function registryFootprint(db: TestDatabase): Promise<Record<string, unknown>> {
  const digest = (table: string) => `(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ${table} t) AS ${table}`;
  const tables = ['participants', 'oauth_clients', 'services', 'routing_rules', 'service_notices', 'service_subscriptions'];
  const [row] = await db.query(`SELECT ${tables.map(digest).join(', ')}`);
  return row;
}
