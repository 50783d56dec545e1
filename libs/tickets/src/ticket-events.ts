import type { Delivery, TicketEvent } from '@drehscheibe/contracts';
import type { OutboxMessage } from '@drehscheibe/outbox';
import type { TicketEventEntity } from '@drehscheibe/persistence';

export function toEventView(e: TicketEventEntity): TicketEvent {
  return {
    id: e.id,
    type: e.type as TicketEvent['type'],
    ticketId: e.ticketId,
    ticketVersion: e.ticketVersion,
    occurredAt: e.occurredAt.toISOString(),
    actor: { participantId: e.actorId },
    data: e.data,
  };
}

/** What a webhook delivery and the feed carry for a ticket event: the event and the ticket as of it. */
export function toEventDelivery(e: TicketEventEntity): Delivery {
  return { ...toEventView(e), ticket: e.snapshot as Delivery['ticket'] };
}

/** The canonical outbox message of a ticket event (its renderer: the kind is defined here). */
export function ticketEventMessage(e: TicketEventEntity): OutboxMessage {
  return { type: e.type, body: toEventDelivery(e) };
}
