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
 * Turns a canonical message into the exact bytes one receiver gets. The
 * port where per-participant rendering (mapping profiles) plugs in; the
 * default sends the canonical JSON to everyone.
 */
export interface DeliveryRenderer {
  render(receiverId: string, message: OutboxMessage): string;
}

export const DELIVERY_RENDERER = Symbol('DeliveryRenderer');

export const canonicalRenderer: DeliveryRenderer = {
  render: (_receiverId, message) => JSON.stringify(message.body),
};
