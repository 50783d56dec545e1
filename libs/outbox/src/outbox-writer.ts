import { DeliveryEntity, insertColumns, queryPrepared, type PreparedStatement } from '@drehscheibe/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryRef } from './dispatcher.js';
import { canonicalRenderer, type DeliveryRenderer, type OutboxMessage } from './renderer.js';

/** One delivery of a message to one receiver, its body rendered now. */
export interface OutboxEntry extends DeliveryRef {
  payload: string;
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

/** Where the per-receiver arrays are: `uuid[]`, `text[]`, `text[]`. */
export interface EntryArrays {
  ids: string;
  receivers: string;
  payloads: string;
}

/**
 * The one writer of delivery rows (the outbox): a change that has receivers
 * appends one row per receiver in its own transaction, with the body already
 * rendered, and the worker sends exactly those bytes. Ticket changes embed
 * `insertSql` in their single statement; other writers call `append`.
 */
export class OutboxWriter {
  constructor(private readonly renderer: DeliveryRenderer = canonicalRenderer) {}

  /** One entry per receiver, rendered for that receiver. */
  address(receivers: string[], message: OutboxMessage): OutboxEntry[] {
    return receivers.map((receiverId) => ({ id: uuidv7(), receiverId, payload: this.renderer.render(receiverId, message) }));
  }

  /** The per-receiver arrays, in the order of EntryArrays. */
  static arrays(entries: OutboxEntry[]): [string[], string[], string[]] {
    return [entries.map((e) => e.id), entries.map((e) => e.receiverId), entries.map((e) => e.payload)];
  }

  /**
   * `INSERT INTO deliveries … SELECT … FROM unnest(…)`. Every column of the
   * entity must get a value here: the record below is complete at compile
   * time, and a column the entity adds fails the build of this statement.
   */
  static insertSql(dataSource: DataSource, shared: SharedValues, arrays: EntryArrays): string {
    const values: Record<keyof DeliveryEntity, string> = {
      id: 'd.id',
      eventId: `${shared.eventId}::uuid`,
      noticeId: `${shared.noticeId}::uuid`,
      ticketId: `${shared.ticketId}::uuid`,
      ticketVersion: `${shared.ticketVersion}::integer`,
      receiverId: 'd.receiver_id',
      payload: 'd.payload',
      status: `'pending'`,
      attempts: '0',
      nextAttemptAt: `${shared.now}::timestamptz`,
      lastError: 'NULL',
      deliveredAt: 'NULL',
      createdAt: `${shared.now}::timestamptz`,
    };
    const columns = dataSource.getMetadata(DeliveryEntity).columns;
    const missing = columns.filter((c) => !(c.propertyName in values)).map((c) => c.propertyName);
    if (missing.length) throw new Error(`the outbox does not write deliveries.${missing.join(', ')}`);
    const names = insertColumns(dataSource, DeliveryEntity).names;
    const select = columns.filter((c) => names.split(', ').includes(c.databaseName)).map((c) => values[c.propertyName as keyof DeliveryEntity]);
    return `INSERT INTO deliveries (${names})
      SELECT ${select.join(', ')} FROM unnest(${arrays.ids}::uuid[], ${arrays.receivers}::text[], ${arrays.payloads}::text[]) AS d(id, receiver_id, payload)`;
  }

  /** Appends the entries within the caller's transaction. */
  async append(em: EntityManager, source: OutboxSource, entries: OutboxEntry[], now: Date): Promise<void> {
    if (entries.length === 0) return;
    const event = source.kind === 'ticket-event' ? source : null;
    await queryPrepared(em, appendStatement(em.dataSource), [
      event?.eventId ?? null,
      source.kind === 'service-notice' ? source.noticeId : null,
      event?.ticketId ?? null,
      event?.ticketVersion ?? null,
      now,
      ...OutboxWriter.arrays(entries),
    ]);
  }
}

const statements = new WeakMap<DataSource, PreparedStatement>();

function appendStatement(dataSource: DataSource): PreparedStatement {
  let found = statements.get(dataSource);
  if (!found) {
    const text = OutboxWriter.insertSql(
      dataSource,
      { eventId: '$1', noticeId: '$2', ticketId: '$3', ticketVersion: '$4', now: '$5' },
      { ids: '$6', receivers: '$7', payloads: '$8' },
    );
    statements.set(dataSource, (found = { name: 'outbox_append_v1', text }));
  }
  return found;
}
