import { eventDocument } from '@drehscheibe/evidence';
import type { Delivery, TicketEvent } from '@drehscheibe/contracts';
import type { OutboxMessage } from '@drehscheibe/outbox';
import type { TicketEventEntity } from '@drehscheibe/persistence';

export function toEventView(e: TicketEventEntity): TicketEvent {
  const { ticket: _, ...event } = toEventDelivery(e);
  return event;
}

/**
 * What a webhook delivery and the feed carry for a ticket event: the event
 * and the ticket as of it — the document its hash-chain link covers.
 */
export function toEventDelivery(e: TicketEventEntity): Delivery {
  return eventDocument(e) as Delivery;
}

/** The canonical outbox message of a ticket event (its renderer: the kind is defined here). */
export function ticketEventMessage(e: TicketEventEntity): OutboxMessage {
  return { type: e.type, body: toEventDelivery(e) };
}
