import type { NativeRequestRecord } from '@drehscheibe/persistence';

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

/** A message as one receiver's own system expects it (its mapping profile rendered it). */
export interface RenderedMessage {
  /** The exact body to send. */
  payload: string;
  /** The profile version that rendered it. */
  profileId: string;
  /** Method, path and headers of the native request, or the mapping error that stops it. */
  request: NativeRequestRecord;
}

/**
 * The port where per-participant rendering (mapping profiles) plugs in. Per
 * receiver: its own rendering, or null when its system gets nothing for this
 * message; receivers it leaves out get the canonical JSON (which the outbox
 * then encodes once for all of them).
 */
export interface DeliveryRenderer {
  render(receiverIds: string[], message: OutboxMessage): Promise<ReadonlyMap<string, RenderedMessage | null>>;
}

export const DELIVERY_RENDERER = Symbol('DeliveryRenderer');

const NOBODY: ReadonlyMap<string, RenderedMessage | null> = new Map();

/** Everyone gets the canonical JSON. */
export const canonicalRenderer: DeliveryRenderer = {
  render: () => Promise.resolve(NOBODY),
};
