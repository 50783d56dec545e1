import type { TicketEventType } from '@drehscheibe/contracts';
import { outcomeKeyParams, recordOutcomeCte } from '@drehscheibe/idempotency';
import type { TicketEventEntity } from '@drehscheibe/persistence';
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryRef } from './delivery-dispatcher.js';
import { toTicketView, type TicketAggregate } from './ticket-view.js';

export interface RecordedEvent {
  event: TicketEventEntity;
  deliveries: DeliveryRef[];
}

/**
 * SQL that appends an event and its deliveries within one statement: CTEs
 * (`event AS (...), outcome AS (...)`) for the event and for the request's
 * Idempotency-Key outcome, and the final INSERT for the deliveries. Its
 * twelve parameters start at `$first`, in the order of `outboxParams`.
 */
export function outboxSql(first: number): { eventCte: string; deliveriesInsert: string } {
  const $ = (n: number) => `$${first + n}`;
  return {
    eventCte: `event AS (
      INSERT INTO ticket_events (id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot)
      VALUES (${$(0)}, ${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, ${$(5)}, ${$(6)}, ${$(7)})),
    ${recordOutcomeCte('outcome', { clientId: $(10), key: $(11), ticketId: $(1), version: $(2) })}`,
    deliveriesInsert: `INSERT INTO deliveries (id, event_id, ticket_id, ticket_version, receiver_id, status, attempts, next_attempt_at, created_at)
      SELECT d.id, ${$(0)}, ${$(1)}, ${$(2)}, d.receiver_id, 'pending', 0, ${$(5)}, ${$(5)} FROM unnest(${$(8)}::uuid[], ${$(9)}::text[]) AS d(id, receiver_id)`,
  };
}

export function outboxParams({ event, deliveries }: RecordedEvent): unknown[] {
  return [
    event.id,
    event.ticketId,
    event.ticketVersion,
    event.type,
    event.actorId,
    event.occurredAt,
    JSON.stringify(event.data),
    JSON.stringify(event.snapshot),
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.receiverId),
    // The request's Idempotency-Key (nulls without one): the change records itself as the key's outcome.
    ...outcomeKeyParams(),
  ];
}

/**
 * The event for a change, with the ticket as of that change, and one
 * delivery per party except the actor (no echo) that has an endpoint;
 * parties without one read the event from the feed.
 */
export function prepareEvent(
  aggregate: TicketAggregate,
  actorId: string,
  type: TicketEventType,
  data: Record<string, unknown>,
  now: Date,
  /** Every party's delivery endpoint (null: none), as read with the ticket or the routing. */
  endpoints: Map<string, string | null>,
): RecordedEvent {
  const { ticket, parties } = aggregate;
  const event = {
    id: uuidv7(),
    ticketId: ticket.id,
    ticketVersion: ticket.version,
    type,
    actorId,
    occurredAt: now,
    data,
    snapshot: toTicketView(aggregate),
  } as TicketEventEntity;
  const deliveries = parties
    .map((p) => p.participantId)
    .filter((id) => id !== actorId && endpoints.get(id))
    .map((receiverId) => ({ id: uuidv7(), receiverId }));
  return { event, deliveries };
}
