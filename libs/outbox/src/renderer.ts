/**
 * What a change tells its receivers, in the hub's canonical form: a ticket
 * event with the ticket as of that event, or a service notice. Each kind is
 * built by the library that defines it (tickets, notices); the outbox only
 * turns it into bytes per receiver.
 */
export interface OutboxMessage {
  /** The body's `type`, e.g. `ticket.resolved` or `service.notice_published`. */
  type: string;
  body: Record<string, unknown>;
}

/**
 * Turns a canonical message into the exact bytes one receiver gets, or
 * undefined for a receiver that gets the canonical JSON (which the outbox
 * then encodes once for all of them). The port where per-participant
 * rendering (mapping profiles) plugs in.
 */
export interface DeliveryRenderer {
  render(receiverId: string, message: OutboxMessage): string | undefined;
}

export const DELIVERY_RENDERER = Symbol('DeliveryRenderer');

/** Everyone gets the canonical JSON. */
export const canonicalRenderer: DeliveryRenderer = {
  render: () => undefined,
};
