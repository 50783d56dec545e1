import { DomainError } from '@drehscheibe/domain';
import { outcomeKeyParams, recordOutcome, recordOutcomeCte } from '@drehscheibe/idempotency';
import { OutboxWriter } from '@drehscheibe/outbox';
import {
  fromJsonRow,
  insertColumns,
  isUniqueViolation,
  jsonObjectSql,
  ParticipantEntity,
  queryPrepared,
  runPrepared,
  poolOf,
  ServiceEntity,
  TicketAttachmentEntity,
  TicketCommentEntity,
  TicketEntity,
  TicketEventEntity,
  TicketPartyEntity,
  TicketSourceRefEntity,
  updateColumns,
  type EncryptedColumn,
  type PreparedStatement,
} from '@drehscheibe/persistence';
import type { ParticipantReferences } from '@drehscheibe/registry';
import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import type { RecordedEvent } from './event-recorder.js';
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

/** The writes of one change, inside its transaction (see TicketStore.transaction). */
export interface TicketTransaction {
  /** The ticket, locked until the transaction ends; not-found unless `participantId` is a party (null: the hub itself, any ticket). */
  load(ticketId: string, participantId: string | null): Promise<LoadedTicket>;
  /**
   * The ticket's new state, an event and the event's deliveries; with
   * `recordsOutcome`, also the outcome of the request's Idempotency-Key (one
   * event per request does: the last one).
   */
  saveChange(ticket: TicketEntity, recorded: RecordedEvent, recordsOutcome?: boolean): Promise<void>;
  /** A change without an event: tells the request's Idempotency-Key what it did. */
  saveUnchanged(ticket: TicketEntity): Promise<void>;
  addParty(party: TicketPartyEntity): Promise<void>;
  setExternalId(ticketId: string, participantId: string, externalId: string): Promise<void>;
  addComment(comment: TicketCommentEntity): Promise<void>;
  addAttachment(attachment: TicketAttachmentEntity): Promise<void>;
  /** Whether the participant applied a write with this source reference to the ticket before. */
  hasSourceRef(ticketId: string, participantId: string, sourceRef: string): Promise<boolean>;
  addSourceRef(ref: TicketSourceRefEntity): Promise<void>;
  /**
   * A participant as the registry has it (read only), in this transaction:
   * a read on another connection could wait for the pool while this
   * transaction holds a connection of it.
   */
  participant(participantId: string): Promise<ParticipantEntity | null>;
}

/** What the list query selects; the views are built from the aggregate parts. */
export interface TicketQuery {
  viewerId: string;
  /** Adds conditions to the query builder over `tickets t`. */
  where: Array<{ sql: string; params?: Record<string, unknown> }>;
  afterId?: string;
  limit: number;
}

/**
 * The one way to the ticket aggregate's tables: tickets, ticket_parties,
 * ticket_events, ticket_comments, ticket_attachments. Hot paths are single
 * prepared statements whose written columns come from the entity metadata
 * (insertColumns, updateColumns), so a new field is stored without editing
 * SQL; the rest uses TypeORM.
 */
@Injectable()
export class TicketStore {
  private built?: Statements;

  constructor(private readonly dataSource: DataSource) {}

  /** Runs a change in one transaction; its writes go through the given TicketTransaction. */
  transaction<T>(work: (tx: TicketTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((em) => work(this.transactionOn(em)));
  }

  /** The ticket for a party (not locked); not-found for anyone else, so ids cannot be probed. */
  load(ticketId: string, participantId: string): Promise<LoadedTicket> {
    return this.loadOn(this.dataSource.manager, ticketId, participantId, false);
  }

  /** A new ticket with its parties, first event and deliveries: one statement, so one transaction. */
  async insertNew(aggregate: TicketAggregate, recorded: RecordedEvent): Promise<void> {
    const s = this.statements();
    const [origin, assignee] = aggregate.parties;
    try {
      await runPrepared(poolOf(this.dataSource), s.create, [
        ...s.ticketInsert.values(aggregate.ticket),
        ...s.partyInsert.values(origin),
        ...s.partyInsert.values(assignee),
        ...this.eventParams(recorded),
      ]);
    } catch (e) {
      if (isUniqueViolation(e, 'tickets_origin_external_id_key')) {
        const { originId, originExternalId } = aggregate.ticket;
        // Read right after the violation: the row it met is committed (tickets are never deleted), and it is the caller's own.
        const [existing] = await queryPrepared<{ id: string }>(this.dataSource.manager, s.byOriginExternalId, [originId, originExternalId]);
        if (!existing) throw new DomainError('duplicate-external-id', `you already created a ticket with externalId ${originExternalId}`);
        throw new DomainError('duplicate-external-id', `you already created ticket ${existing.id} with externalId ${originExternalId}`, {
          ticketId: existing.id,
        });
      }
      throw e;
    }
  }

  /** The tickets on which a participant's own ticket number (its `externalId` as a party) is `externalId`. */
  async idsByOwnExternalId(participantId: string, externalId: string): Promise<string[]> {
    const rows = await queryPrepared<{ ticket_id: string }>(this.dataSource.manager, this.statements().byOwnExternalId, [participantId, externalId]);
    return rows.map((r) => r.ticket_id);
  }

  /**
   * Resolved tickets whose auto-close period has passed at `now`, the longest
   * resolved first: the service's period, else `defaultAfter`; a period of
   * zero (`P0D`) never closes. Counted in seconds (a day is 24 hours), as the
   * auto-close step checks again under the lock. Along `tickets_resolved_idx`.
   */
  async dueForAutoClose(defaultAfter: string, now: Date, limit: number): Promise<string[]> {
    const rows = await queryPrepared<{ id: string }>(this.dataSource.manager, this.statements().autoCloseDue, [defaultAfter, now, limit]);
    return rows.map((r) => r.id);
  }

  /**
   * Removes the requester's data of up to `limit` tickets closed (or
   * cancelled) before `cutoff`, with every copy `forgetCopies` knows of, in
   * one transaction, and marks them purged. Tickets another transaction
   * holds (a change, another replica's purge) are skipped (SKIP LOCKED) and
   * found by a later run. The ticket's version and events stay as they were.
   */
  async purgeRequesterData(cutoff: Date, limit: number, forgetCopies: (em: EntityManager, ticketIds: string[]) => Promise<void>): Promise<string[]> {
    return this.dataSource.transaction(async (em) => {
      const s = this.statements();
      const due = await queryPrepared<{ id: string }>(em, s.purgeDue, [cutoff, limit]);
      const ids = due.map((r) => r.id);
      if (ids.length === 0) return [];
      await forgetCopies(em, ids);
      await queryPrepared(em, s.purgeRequester, [ids]);
      return ids;
    });
  }

  /** Every event of a ticket, oldest first. */
  events(ticketId: string): Promise<TicketEventEntity[]> {
    return this.dataSource.manager.find(TicketEventEntity, { where: { ticketId }, order: { ticketVersion: 'ASC' } });
  }

  /** A page of tickets the viewer is party to, in id order, with what their views need (four more queries, not four per ticket). */
  async page(query: TicketQuery): Promise<TicketAggregate[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(TicketEntity, 't')
      .innerJoin(TicketPartyEntity, 'p', 'p.ticket_id = t.id AND p.participant_id = :viewer', { viewer: query.viewerId })
      .orderBy('t.id', 'ASC')
      .take(query.limit);
    if (query.afterId) qb.andWhere('t.id > :after', { after: query.afterId });
    for (const condition of query.where) qb.andWhere(condition.sql, condition.params);
    const tickets = await qb.getMany();
    if (tickets.length === 0) return [];
    const ids = tickets.map((t) => t.id);
    const em = this.dataSource.manager;
    const [parties, services, comments, attachments] = await Promise.all([
      em.find(TicketPartyEntity, { where: { ticketId: In(ids) } }),
      em.find(ServiceEntity, { where: { id: In([...new Set(tickets.map((t) => t.serviceId))]) } }),
      em.find(TicketCommentEntity, { where: { ticketId: In(ids) }, order: { createdAt: 'ASC', id: 'ASC' } }),
      em.find(TicketAttachmentEntity, { where: { ticketId: In(ids) }, order: { createdAt: 'ASC', id: 'ASC' } }),
    ]);
    const serviceById = new Map(services.map((s) => [s.id, s]));
    return tickets.map((ticket) => ({
      ticket,
      parties: parties.filter((p) => p.ticketId === ticket.id),
      service: serviceById.get(ticket.serviceId)!,
      comments: comments.filter((c) => c.ticketId === ticket.id),
      attachments: attachments.filter((a) => a.ticketId === ticket.id),
    }));
  }

  /** Tickets per status, for the metrics scrape. */
  async countByStatus(): Promise<Array<{ status: string; count: number }>> {
    return this.dataSource.query('SELECT status, count(*)::int AS count FROM tickets GROUP BY status');
  }

  private transactionOn(em: EntityManager): TicketTransaction {
    const s = this.statements();
    const run = (statement: PreparedStatement, values: unknown[]) => queryPrepared(em, statement, values);
    return {
      load: (ticketId, participantId) => this.loadOn(em, ticketId, participantId, true),
      participant: (participantId) => em.findOneBy(ParticipantEntity, { id: participantId }),
      saveChange: async (ticket, recorded, recordsOutcome = true) => {
        await run(s.change, [ticket.id, ...s.ticketUpdate.values(ticket), ...this.eventParams(recorded, recordsOutcome)]);
      },
      saveUnchanged: (ticket) => recordOutcome(em, ticket.id, ticket.version),
      addParty: async (party) => void (await run(s.partyAdd, s.partyInsert.values(party))),
      setExternalId: async (ticketId, participantId, externalId) => void (await run(s.externalId, [ticketId, participantId, externalId])),
      addComment: async (comment) => void (await run(s.commentAdd, s.commentInsert.values(comment))),
      addAttachment: async (attachment) => void (await run(s.attachmentAdd, s.attachmentInsert.values(attachment))),
      hasSourceRef: async (ticketId, participantId, sourceRef) => (await run(s.sourceRefFind, [ticketId, participantId, sourceRef])).length > 0,
      addSourceRef: async (ref) => void (await run(s.sourceRefAdd, s.sourceRefInsert.values(ref))),
    };
  }

  private async loadOn(em: EntityManager, ticketId: string, participantId: string | null, forUpdate: boolean): Promise<LoadedTicket> {
    const s = this.statements();
    const rows = await queryPrepared<AggregateRow>(em, forUpdate ? s.lock : s.read, [ticketId]);
    const row = rows[0];
    if (!row || (participantId !== null && !row.parties.some((p) => p.participantId === participantId))) {
      throw new DomainError('not-found', `ticket ${ticketId} does not exist or you are not party to it`);
    }
    const ds = this.dataSource;
    return {
      ticket: fromJsonRow(ds, TicketEntity, row.ticket),
      service: fromJsonRow(ds, ServiceEntity, row.service),
      parties: row.parties.map(({ deliveryUrl: _, ...p }) => fromJsonRow(ds, TicketPartyEntity, p)),
      comments: row.comments.map((c) => fromJsonRow(ds, TicketCommentEntity, c)),
      attachments: row.attachments.map((a) => fromJsonRow(ds, TicketAttachmentEntity, a)),
      endpoints: new Map(row.parties.map((p) => [p.participantId as string, p.deliveryUrl])),
    };
  }

  /** The event's columns, its deliveries' arrays and the Idempotency-Key, in the order of `eventSql`. */
  private eventParams({ event, outbox }: RecordedEvent, recordsOutcome = true): unknown[] {
    return [...this.statements().eventInsert.values(event), ...OutboxWriter.arrays(outbox), ...(recordsOutcome ? outcomeKeyParams() : [null, null])];
  }

  /** Built on first use: the entity metadata exists only once the data source is initialised. */
  private statements(): Statements {
    this.built ??= buildStatements(this.dataSource);
    return this.built;
  }
}

interface Statements {
  read: PreparedStatement;
  lock: PreparedStatement;
  create: PreparedStatement;
  change: PreparedStatement;
  partyAdd: PreparedStatement;
  commentAdd: PreparedStatement;
  attachmentAdd: PreparedStatement;
  externalId: PreparedStatement;
  sourceRefFind: PreparedStatement;
  sourceRefAdd: PreparedStatement;
  sourceRefInsert: ReturnType<typeof insertColumns<TicketSourceRefEntity>>;
  byOriginExternalId: PreparedStatement;
  byOwnExternalId: PreparedStatement;
  autoCloseDue: PreparedStatement;
  purgeDue: PreparedStatement;
  purgeRequester: PreparedStatement;
  ticketInsert: ReturnType<typeof insertColumns<TicketEntity>>;
  ticketUpdate: ReturnType<typeof updateColumns<TicketEntity>>;
  partyInsert: ReturnType<typeof insertColumns<TicketPartyEntity>>;
  eventInsert: ReturnType<typeof insertColumns<TicketEventEntity>>;
  commentInsert: ReturnType<typeof insertColumns<TicketCommentEntity>>;
  attachmentInsert: ReturnType<typeof insertColumns<TicketAttachmentEntity>>;
}

function buildStatements(ds: DataSource): Statements {
  const ticketInsert = insertColumns(ds, TicketEntity);
  const ticketUpdate = updateColumns(ds, TicketEntity);
  const partyInsert = insertColumns(ds, TicketPartyEntity);
  const eventInsert = insertColumns(ds, TicketEventEntity);
  const commentInsert = insertColumns(ds, TicketCommentEntity);
  const attachmentInsert = insertColumns(ds, TicketAttachmentEntity);
  const sourceRefInsert = insertColumns(ds, TicketSourceRefEntity);
  const read = `SELECT ${jsonObjectSql(ds, TicketEntity, 't')} AS ticket,
        ${jsonObjectSql(ds, ServiceEntity, 's')} AS service,
        (SELECT coalesce(json_agg(${jsonObjectSql(ds, TicketPartyEntity, 'p', [['deliveryUrl', 'pp.delivery_url']])} ORDER BY p.joined_at, p.participant_id), '[]'::json)
           FROM ticket_parties p JOIN participants pp ON pp.id = p.participant_id WHERE p.ticket_id = t.id) AS parties,
        (SELECT coalesce(json_agg(${jsonObjectSql(ds, TicketCommentEntity, 'c')} ORDER BY c.created_at, c.id), '[]'::json)
           FROM ticket_comments c WHERE c.ticket_id = t.id) AS comments,
        (SELECT coalesce(json_agg(${jsonObjectSql(ds, TicketAttachmentEntity, 'a')} ORDER BY a.created_at, a.id), '[]'::json)
           FROM ticket_attachments a WHERE a.ticket_id = t.id) AS attachments
      FROM tickets t JOIN services s ON s.id = t.service_id
     WHERE t.id = $1`;
  /**
   * The event, the Idempotency-Key's outcome (CTEs) and the deliveries (the
   * final INSERT), with parameters from `$first` in the order of eventParams.
   */
  const eventSql = (first: number) => {
    const $ = (property: keyof TicketEventEntity) => eventInsert.placeholderOf(first, property);
    const a = first + eventInsert.count;
    const outbox = OutboxWriter.insertSql(
      ds,
      { eventId: $('id'), noticeId: 'NULL', ticketId: $('ticketId'), ticketVersion: $('ticketVersion'), now: $('occurredAt') },
      OutboxWriter.placeholders(a),
    );
    const k = a + OutboxWriter.ARRAY_COUNT;
    return `event AS (INSERT INTO ticket_events (${eventInsert.names}) VALUES (${eventInsert.placeholders(first)})),
    ${recordOutcomeCte('outcome', { clientId: `$${k}`, key: `$${k + 1}`, ticketId: $('ticketId'), version: $('ticketVersion') })},
    ${outbox.cte}
    ${outbox.insert}`;
  };
  const afterTicket = 1 + ticketInsert.count;
  const afterParties = afterTicket + 2 * partyInsert.count;
  return {
    read: { name: 'ticket_aggregate_v2', text: read },
    lock: { name: 'ticket_aggregate_lock_v2', text: `${read} FOR UPDATE OF t` },
    create: {
      name: 'ticket_create_v4',
      text: `WITH ticket AS (INSERT INTO tickets (${ticketInsert.names}) VALUES (${ticketInsert.placeholders(1)})),
      parties AS (INSERT INTO ticket_parties (${partyInsert.names})
        VALUES (${partyInsert.placeholders(afterTicket)}), (${partyInsert.placeholders(afterTicket + partyInsert.count)})),
      ${eventSql(afterParties)}`,
    },
    change: {
      name: 'ticket_change_v4',
      text: `WITH changed AS (UPDATE tickets SET ${ticketUpdate.assignments(2)} WHERE id = $1),
      ${eventSql(2 + ticketUpdate.count)}`,
    },
    partyAdd: { name: 'ticket_party_add_v1', text: `INSERT INTO ticket_parties (${partyInsert.names}) VALUES (${partyInsert.placeholders(1)})` },
    commentAdd: { name: 'ticket_comment_add_v1', text: `INSERT INTO ticket_comments (${commentInsert.names}) VALUES (${commentInsert.placeholders(1)})` },
    attachmentAdd: {
      name: 'ticket_attachment_add_v1',
      text: `INSERT INTO ticket_attachments (${attachmentInsert.names}) VALUES (${attachmentInsert.placeholders(1)})`,
    },
    externalId: { name: 'ticket_party_external_id_v1', text: 'UPDATE ticket_parties SET external_id = $3 WHERE ticket_id = $1 AND participant_id = $2' },
    sourceRefFind: {
      name: 'ticket_source_ref_find_v1',
      text: 'SELECT 1 FROM ticket_source_refs WHERE ticket_id = $1 AND participant_id = $2 AND source_ref = $3',
    },
    sourceRefAdd: {
      name: 'ticket_source_ref_add_v1',
      text: `INSERT INTO ticket_source_refs (${sourceRefInsert.names}) VALUES (${sourceRefInsert.placeholders(1)})`,
    },
    sourceRefInsert,
    byOriginExternalId: { name: 'ticket_by_origin_external_id_v1', text: 'SELECT id FROM tickets WHERE origin_id = $1 AND origin_external_id = $2' },
    byOwnExternalId: {
      name: 'ticket_by_own_external_id_v1',
      text: 'SELECT ticket_id FROM ticket_parties WHERE external_id = $2 AND participant_id = $1 ORDER BY joined_at LIMIT 2',
    },
    autoCloseDue: {
      name: 'ticket_auto_close_due_v1',
      text: `SELECT t.id FROM tickets t JOIN services s ON s.id = t.service_id
        CROSS JOIN LATERAL (SELECT extract(epoch FROM coalesce(s.auto_close_after, $1)::interval) AS seconds) p
       WHERE t.status = 'resolved' AND p.seconds > 0 AND t.resolved_at <= $2::timestamptz - make_interval(secs => p.seconds)
       ORDER BY t.resolved_at
       LIMIT $3`,
    },
    purgeDue: {
      name: 'ticket_requester_purge_due_v1',
      // Along tickets_closed_unpurged_idx and tickets_cancelled_unpurged_idx (a cancelled ticket changes no more: its last update is the cancel).
      text: `WITH closed AS (SELECT id FROM tickets WHERE status = 'closed' AND requester_purged_at IS NULL AND closed_at <= $1
                              ORDER BY closed_at LIMIT $2 FOR UPDATE SKIP LOCKED),
                  cancelled AS (SELECT id FROM tickets WHERE status = 'cancelled' AND requester_purged_at IS NULL AND updated_at <= $1
                                 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             SELECT id FROM closed UNION ALL SELECT id FROM cancelled`,
    },
    purgeRequester: {
      name: 'ticket_requester_purge_v1',
      text: `UPDATE tickets SET requester_enc = NULL, requester_purged_at = now() WHERE id = ANY($1::uuid[])`,
    },
    ticketInsert,
    ticketUpdate,
    partyInsert,
    eventInsert,
    commentInsert,
    attachmentInsert,
  };
}

/** Tickets keep their parties for ever (history): a participant that was party to one cannot be removed. */
export const ticketParticipantReferences: ParticipantReferences = {
  name: 'tickets',
  count: (em, participantId) => em.count(TicketPartyEntity, { where: { participantId } }),
};

/** The ticket aggregate's values encrypted with the data key, for `hub-cli rotate-data-key`. */
export const ticketEncryptedColumns: EncryptedColumn[] = [{ table: 'tickets', key: ['id'], column: 'requester_enc' }];
