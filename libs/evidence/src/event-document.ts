/**
 * The proof that a participant signed the request that made an event: its
 * key, algorithm, the compact JWS with detached payload (RFC 7515 Appendix F)
 * and the SHA-256 (hex) of the body it signed. Re-verifying needs that body,
 * which the signer keeps; the digest ties the two.
 */
export interface RequestSignatureProof {
  kid: string;
  alg: string;
  jws: string;
  bodySha256: string;
}

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
  /** Null or absent: the request was not signed (or the hub acted itself). */
  requestSignature?: RequestSignatureProof | null;
}

/**
 * The event exactly as the hub delivers it (webhook body, feed entry, the
 * events of a ticket with its snapshot), which is what its chain link
 * hashes: a participant can recompute the link from what it received.
 * `requestSignature` is a member only when there is one, so the links of
 * unsigned events (all that were written before signing existed) stay as
 * they were.
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
    ...(e.requestSignature ? { requestSignature: e.requestSignature } : {}),
  };
}
