import type { TicketEventType } from '@drehscheibe/contracts';
import type { OutboxBatch, OutboxWriter } from '@drehscheibe/outbox';
import type { TicketEventEntity } from '@drehscheibe/persistence';
import { v7 as uuidv7 } from 'uuid';
import { chainHash, eventDocument, type RequestSignatureProof } from '@drehscheibe/evidence';
import { ticketEventMessage } from './ticket-events.js';
import { toTicketView, type TicketAggregate } from './ticket-view.js';

export interface RecordedEvent {
  event: TicketEventEntity;
  /** One delivery per receiver and the messages they send, rendered now (the outbox). */
  outbox: OutboxBatch;
}

/**
 * The event for a change, with the ticket as of that change, and one
 * delivery per party except the actor (no echo) that has an endpoint;
 * parties without one read the event from the feed. The event and its
 * snapshot are made when called (before the first await), so a caller may
 * change the aggregate further while the deliveries are rendered.
 */
export async function prepareEvent(
  outbox: OutboxWriter,
  aggregate: TicketAggregate,
  actorId: string,
  type: TicketEventType,
  data: Record<string, unknown>,
  now: Date,
  /** Every party's delivery endpoint (null: none), as read with the ticket or the routing. */
  endpoints: Map<string, string | null>,
  /** The participant's signature over the request that makes this event, if it signed it: part of the chained document. */
  requestSignature: RequestSignatureProof | null = null,
): Promise<RecordedEvent> {
  const { ticket, parties } = aggregate;
  const unchained = {
    id: uuidv7(),
    ticketId: ticket.id,
    ticketVersion: ticket.version,
    type,
    actorId,
    occurredAt: now,
    data,
    snapshot: toTicketView(aggregate) as unknown as Record<string, unknown>,
    requestSignature,
  };
  // The ticket's hash chain (tamper-evident audit): the link covers the event as delivered.
  const prevHash = ticket.chainHead ?? null;
  const event: TicketEventEntity = { ...unchained, prevHash, hash: chainHash(prevHash, eventDocument(unchained)) };
  ticket.chainHead = event.hash;
  const receivers = parties.map((p) => p.participantId).filter((id) => id !== actorId && endpoints.get(id));
  const message = ticketEventMessage(event);
  return { event, outbox: receivers.length ? await outbox.address(receivers, message) : { messages: [], deliveries: [] } };
}
