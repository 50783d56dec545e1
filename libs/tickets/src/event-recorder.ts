import type { TicketEventType } from '@drehscheibe/contracts';
import type { TicketEventEntity } from '@drehscheibe/persistence';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryRef } from './delivery-dispatcher.js';
import { toTicketView, type TicketAggregate } from './ticket-view.js';

export interface RecordedEvent {
  event: TicketEventEntity;
  deliveries: DeliveryRef[];
}

/** The event and its deliveries in one statement: the data-modifying CTE runs as part of it. */
const INSERT_EVENT_AND_DELIVERIES = `WITH event AS (
    INSERT INTO ticket_events (id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  )
  INSERT INTO deliveries (id, event_id, ticket_id, ticket_version, receiver_id, status, attempts, next_attempt_at, created_at)
  SELECT d.id, $1, $2, $3, d.receiver_id, 'pending', 0, $6, $6 FROM unnest($9::uuid[], $10::text[]) AS d(id, receiver_id)`;

/**
 * Appends an event and its deliveries in the caller's transaction (the
 * outbox): accepted means durable. Every party except the actor gets the
 * event (no echo); parties without an endpoint read it from the feed.
 */
export async function recordEvent(
  em: EntityManager,
  aggregate: TicketAggregate,
  actorId: string,
  type: TicketEventType,
  data: Record<string, unknown>,
  now: Date,
  /** Every party's delivery endpoint (null: none), as read with the ticket or the routing. */
  endpoints: Map<string, string | null>,
): Promise<RecordedEvent> {
  const { ticket, parties } = aggregate;
  const event = {
    id: uuidv7(),
    ticketId: ticket.id,
    ticketVersion: ticket.version,
    type,
    actorId,
    occurredAt: now,
    data,
    snapshot: toTicketView(aggregate) as unknown as Record<string, unknown>,
  } as TicketEventEntity;
  const deliveries = parties
    .map((p) => p.participantId)
    .filter((id) => id !== actorId && endpoints.get(id))
    .map((receiverId) => ({ id: uuidv7(), receiverId }));
  await em.query(INSERT_EVENT_AND_DELIVERIES, [
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
  ]);
  return { event, deliveries };
}
