import { DomainError } from '@drehscheibe/domain';
import {
  fromJsonRow,
  jsonObjectSql,
  queryPrepared,
  ServiceEntity,
  type PreparedStatement,
  TicketAttachmentEntity,
  TicketCommentEntity,
  TicketEntity,
  TicketPartyEntity,
} from '@drehscheibe/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { outboxParams, outboxSql, type RecordedEvent } from './event-recorder.js';
import type { TicketAggregate } from './ticket-view.js';

/** The aggregate plus each party's delivery endpoint, which the event recorder needs. */
export interface LoadedTicket extends TicketAggregate {
  endpoints: Map<string, string | null>;
}

interface AggregateRow {
  ticket: Record<string, unknown>;
  service: Record<string, unknown>;
  parties: Array<Record<string, unknown> & { deliveryUrl: string | null }>;
  comments: Record<string, unknown>[];
  attachments: Record<string, unknown>[];
}

/** The aggregate query, built once per data source from the entities' metadata. */
const statements = new WeakMap<DataSource, { read: PreparedStatement; lock: PreparedStatement }>();

function statementsFor(dataSource: DataSource): { read: PreparedStatement; lock: PreparedStatement } {
  let found = statements.get(dataSource);
  if (!found) {
    const read = `SELECT ${jsonObjectSql(dataSource, TicketEntity, 't')} AS ticket,
        ${jsonObjectSql(dataSource, ServiceEntity, 's')} AS service,
        (SELECT coalesce(json_agg(${jsonObjectSql(dataSource, TicketPartyEntity, 'p', [['deliveryUrl', 'pp.delivery_url']])} ORDER BY p.joined_at, p.participant_id), '[]'::json)
           FROM ticket_parties p JOIN participants pp ON pp.id = p.participant_id WHERE p.ticket_id = t.id) AS parties,
        (SELECT coalesce(json_agg(${jsonObjectSql(dataSource, TicketCommentEntity, 'c')} ORDER BY c.created_at, c.id), '[]'::json)
           FROM ticket_comments c WHERE c.ticket_id = t.id) AS comments,
        (SELECT coalesce(json_agg(${jsonObjectSql(dataSource, TicketAttachmentEntity, 'a')} ORDER BY a.created_at, a.id), '[]'::json)
           FROM ticket_attachments a WHERE a.ticket_id = t.id) AS attachments
      FROM tickets t JOIN services s ON s.id = t.service_id
     WHERE t.id = $1`;
    found = { read: { name: 'ticket_aggregate_v1', text: read }, lock: { name: 'ticket_aggregate_lock_v1', text: `${read} FOR UPDATE OF t` } };
    statements.set(dataSource, found);
  }
  return found;
}

/**
 * Loads a ticket for a participant in one statement: the ticket (locked for
 * a change), its service, parties with their endpoints, comments and
 * attachments. A ticket the caller is not party to is reported exactly like
 * a missing one, so ids cannot be probed.
 */
export async function loadTicketFor(em: EntityManager, ticketId: string, participantId: string, forUpdate: boolean): Promise<LoadedTicket> {
  const sql = statementsFor(em.dataSource);
  const rows = await queryPrepared<AggregateRow>(em, forUpdate ? sql.lock : sql.read, [ticketId]);
  const row = rows[0];
  if (!row || !row.parties.some((p) => p.participantId === participantId)) {
    throw new DomainError('not-found', `ticket ${ticketId} does not exist or you are not party to it`);
  }
  const ds = em.dataSource;
  const endpoints = new Map(row.parties.map((p) => [p.participantId as string, p.deliveryUrl]));
  return {
    ticket: fromJsonRow(ds, TicketEntity, row.ticket),
    service: fromJsonRow(ds, ServiceEntity, row.service),
    parties: row.parties.map(({ deliveryUrl: _, ...p }) => fromJsonRow(ds, TicketPartyEntity, p)),
    comments: row.comments.map((c) => fromJsonRow(ds, TicketCommentEntity, c)),
    attachments: row.attachments.map((a) => fromJsonRow(ds, TicketAttachmentEntity, a)),
    endpoints,
  };
}

const outbox = outboxSql(11);
/** The fields a lifecycle command may change with the new version, the event and its deliveries: one statement. */
const SAVE_CHANGE: PreparedStatement = {
  name: 'ticket_change_v1',
  text: `WITH changed AS (
      UPDATE tickets SET version = $2, status = $3, assignee_id = $4, sender_id = $5, resolver_id = $6, resolution = $7,
             resolved_at = $8, closed_at = $9, updated_at = $10
       WHERE id = $1
    ), ${outbox.eventCte}
    ${outbox.deliveriesInsert}`,
};

export async function saveChange(em: EntityManager, t: TicketEntity, recorded: RecordedEvent): Promise<void> {
  await queryPrepared(em, SAVE_CHANGE, [
    t.id,
    t.version,
    t.status,
    t.assigneeId,
    t.senderId,
    t.resolverId,
    t.resolution === null ? null : JSON.stringify(t.resolution),
    t.resolvedAt,
    t.closedAt,
    t.updatedAt,
    ...outboxParams(recorded),
  ]);
}
