/** A stored ticket event: the columns its chain link covers. */
export interface StoredEvent {
  id: string;
  ticketId: string;
  ticketVersion: number;
  type: string;
  actorId: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  snapshot: Record<string, unknown>;
}

/**
 * The event exactly as the hub delivers it (webhook body, feed entry, the
 * events of a ticket with its snapshot), which is what its chain link
 * hashes: a participant can recompute the link from what it received.
 */
export function eventDocument(e: StoredEvent) {
  return {
    id: e.id,
    type: e.type,
    ticketId: e.ticketId,
    ticketVersion: e.ticketVersion,
    occurredAt: e.occurredAt.toISOString(),
    actor: { participantId: e.actorId },
    data: e.data,
    ticket: e.snapshot,
  };
}
