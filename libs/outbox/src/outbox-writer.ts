import { DeliveryEntity, OutboxMessageEntity, insertColumns, queryPrepared, type PreparedStatement } from '@drehscheibe/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryRef } from './dispatcher.js';
import { canonicalRenderer, type DeliveryRenderer, type OutboxMessage, type RenderedMessage } from './renderer.js';

/** One delivery of a message to one receiver. */
export interface OutboxEntry extends DeliveryRef {
  messageId: string;
}

/** One stored message: canonical (no profile, no request) or rendered by a receiver's profile. */
export interface StoredMessage {
  id: string;
  payload: string;
  profileId: string | null;
  request: RenderedMessage['request'] | null;
}

/** What a change appends: the rendered messages, and one delivery per receiver naming its message. */
export interface OutboxBatch {
  messages: StoredMessage[];
  deliveries: OutboxEntry[];
}

/** What a delivery belongs to: a ticket event (ordered per ticket and receiver) or a service notice. */
export type OutboxSource = { kind: 'ticket-event'; eventId: string; ticketId: string; ticketVersion: number } | { kind: 'service-notice'; noticeId: string };

/**
 * SQL expressions for the values a delivery row shares with its statement
 * (the source and the time), e.g. `$3`, so a ticket change can reuse the
 * parameters it already sends for its event.
 */
export interface SharedValues {
  eventId: string;
  noticeId: string;
  ticketId: string;
  ticketVersion: string;
  now: string;
}

/** Where the arrays of `OutboxWriter.arrays` are: the messages' columns, delivery ids, receivers and their message ids. */
export interface EntryArrays {
  messageIds: string;
  payloads: string;
  profileIds: string;
  requests: string;
  ids: string;
  receivers: string;
  messageRefs: string;
}

const ARRAY_NAMES: Array<keyof EntryArrays> = ['messageIds', 'payloads', 'profileIds', 'requests', 'ids', 'receivers', 'messageRefs'];

/**
 * The one writer of delivery rows (the outbox): a change that has receivers
 * appends one row per receiver in its own transaction, with the body already
 * rendered, and the worker sends exactly those bytes. Ticket changes embed
 * `insertSql` in their single statement; other writers call `append`.
 */
export class OutboxWriter {
  constructor(private readonly renderer: DeliveryRenderer = canonicalRenderer) {}

  /**
   * One delivery per receiver, the message rendered for each (receivers
   * whose profile renders nothing for it get no delivery); receivers that
   * get the same rendering share one stored message (with the canonical
   * rendering: all of them).
   */
  async address(receivers: string[], message: OutboxMessage): Promise<OutboxBatch> {
    const rendered = await this.renderer.render(receivers, message);
    const messages = new Map<string, StoredMessage>();
    let canonical: StoredMessage | undefined;
    const deliveries: OutboxEntry[] = [];
    for (const receiverId of receivers) {
      const own = rendered.get(receiverId);
      if (own === null) continue;
      let stored: StoredMessage;
      if (own === undefined) {
        stored = canonical ??= { id: uuidv7(), payload: JSON.stringify(message.body), profileId: null, request: null };
      } else {
        const key = `${own.profileId}\n${JSON.stringify(own.request)}\n${own.payload}`;
        stored = messages.get(key) ?? { id: uuidv7(), payload: own.payload, profileId: own.profileId, request: own.request };
        messages.set(key, stored);
      }
      deliveries.push({ id: uuidv7(), receiverId, messageId: stored.id });
    }
    return { messages: [...(canonical ? [canonical] : []), ...messages.values()], deliveries };
  }

  /** How many arrays `arrays` returns (parameters a statement embedding `insertSql` reserves). */
  static readonly ARRAY_COUNT = ARRAY_NAMES.length;

  /** Placeholders `$first`… for the arrays, in the order of `arrays`. */
  static placeholders(first: number): EntryArrays {
    return Object.fromEntries(ARRAY_NAMES.map((name, i) => [name, `$${first + i}`])) as unknown as EntryArrays;
  }

  /** The arrays, in the order of EntryArrays. */
  static arrays({ messages, deliveries }: OutboxBatch): Array<Array<string | null>> {
    return [
      messages.map((m) => m.id),
      messages.map((m) => m.payload),
      messages.map((m) => m.profileId),
      messages.map((m) => (m.request ? JSON.stringify(m.request) : null)),
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.receiverId),
      deliveries.map((d) => d.messageId),
    ];
  }

  /**
   * A CTE writing the messages (`cte`, to follow other CTEs after a comma)
   * and the final `INSERT INTO deliveries` (`insert`). Every column of both
   * entities must get a value here: the records below are complete at
   * compile time, and a column an entity adds fails the build of this
   * statement.
   */
  static insertSql(dataSource: DataSource, shared: SharedValues, arrays: EntryArrays): { cte: string; insert: string } {
    const message: Record<keyof OutboxMessageEntity, string> = {
      id: 'm.id',
      payload: 'm.payload',
      profileId: 'm.profile_id',
      request: 'm.request::jsonb',
      createdAt: `${shared.now}::timestamptz`,
    };
    const delivery: Record<keyof DeliveryEntity, string> = {
      id: 'd.id',
      eventId: `${shared.eventId}::uuid`,
      noticeId: `${shared.noticeId}::uuid`,
      ticketId: `${shared.ticketId}::uuid`,
      ticketVersion: `${shared.ticketVersion}::integer`,
      receiverId: 'd.receiver_id',
      messageId: 'd.message_id',
      status: `'pending'`,
      attempts: '0',
      nextAttemptAt: `${shared.now}::timestamptz`,
      lastError: 'NULL',
      deliveredAt: 'NULL',
      createdAt: `${shared.now}::timestamptz`,
    };
    return {
      cte: `outbox_messages_written AS (
        INSERT INTO outbox_messages (${insertColumns(dataSource, OutboxMessageEntity).names})
        SELECT ${insertColumns(dataSource, OutboxMessageEntity).selectList(message)} FROM unnest(${arrays.messageIds}::uuid[], ${arrays.payloads}::text[], ${arrays.profileIds}::uuid[], ${arrays.requests}::text[])
          AS m(id, payload, profile_id, request))`,
      insert: `INSERT INTO deliveries (${insertColumns(dataSource, DeliveryEntity).names})
        SELECT ${insertColumns(dataSource, DeliveryEntity).selectList(delivery)}
          FROM unnest(${arrays.ids}::uuid[], ${arrays.receivers}::text[], ${arrays.messageRefs}::uuid[]) AS d(id, receiver_id, message_id)`,
    };
  }

  /** Appends the batch within the caller's transaction. */
  async append(em: EntityManager, source: OutboxSource, batch: OutboxBatch, now: Date): Promise<void> {
    if (batch.deliveries.length === 0) return;
    const event = source.kind === 'ticket-event' ? source : null;
    await queryPrepared(em, appendStatement(em.dataSource), [
      event?.eventId ?? null,
      source.kind === 'service-notice' ? source.noticeId : null,
      event?.ticketId ?? null,
      event?.ticketVersion ?? null,
      now,
      ...OutboxWriter.arrays(batch),
    ]);
  }
}

const statements = new WeakMap<DataSource, PreparedStatement>();

function appendStatement(dataSource: DataSource): PreparedStatement {
  let found = statements.get(dataSource);
  if (!found) {
    const { cte, insert } = OutboxWriter.insertSql(
      dataSource,
      { eventId: '$1', noticeId: '$2', ticketId: '$3', ticketVersion: '$4', now: '$5' },
      OutboxWriter.placeholders(6),
    );
    statements.set(dataSource, (found = { name: 'outbox_append_v3', text: `WITH ${cte} ${insert}` }));
  }
  return found;
}
