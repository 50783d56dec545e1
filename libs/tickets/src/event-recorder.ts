import type { TicketEventType } from '@drehscheibe/contracts';
import { DeliveryEntity, ParticipantEntity, TicketEventEntity } from '@drehscheibe/persistence';
import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { DeliveryRef } from './delivery-dispatcher.js';
import { toTicketView, type TicketAggregate } from './ticket-view.js';

export interface RecordedEvent {
  event: TicketEventEntity;
  deliveries: DeliveryRef[];
}

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
  /** Delivery endpoints already read by the caller, to spare a query. */
  knownEndpoints?: Map<string, string | null>,
): Promise<RecordedEvent> {
  const { ticket, parties } = aggregate;
  const event = em.create(TicketEventEntity, {
    id: uuidv7(),
    ticketId: ticket.id,
    ticketVersion: ticket.version,
    type,
    actorId,
    occurredAt: now,
    data,
    snapshot: toTicketView(aggregate) as unknown as Record<string, unknown>,
  });
  await em.insert(TicketEventEntity, event as never); // jsonb columns defeat the deep-partial type

  const others = parties.map((p) => p.participantId).filter((id) => id !== actorId);
  if (others.length === 0) return { event, deliveries: [] };
  const receivers = others.every((id) => knownEndpoints?.has(id))
    ? others.filter((id) => knownEndpoints!.get(id)).map((id) => ({ id }))
    : await em.find(ParticipantEntity, { select: { id: true }, where: { id: In(others), deliveryUrl: Not(IsNull()) } });
  const deliveries = receivers.map((r) => ({
    id: uuidv7(),
    eventId: event.id,
    ticketId: ticket.id,
    ticketVersion: ticket.version,
    receiverId: r.id,
    status: 'pending' as const,
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  }));
  if (deliveries.length > 0) await em.insert(DeliveryEntity, deliveries);
  return { event, deliveries: deliveries.map((d) => ({ id: d.id, receiverId: d.receiverId })) };
}
