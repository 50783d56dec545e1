import { verifyCheckpoint, type CheckpointClaims, type PublicJwk } from './checkpoint.js';
import { chainHash, type Hex256 } from './hashes.js';
import { leafHash, verifyInclusion } from './merkle-tree.js';

/** What the hub answers for `GET /v1/tickets/{ticketId}/audit-proof` (the parts a check needs). */
export interface TicketAuditProof {
  ticketId: string;
  /** The ticket's chain up to the checkpointed head, oldest first. */
  chain: Array<{ eventId: string; ticketVersion: number; prev: Hex256 | null; hash: Hex256 }>;
  checkpoint: { jws: string };
  leafIndex: number;
  path: Hex256[];
}

/** An event as the hub delivered it (webhook body, feed entry): at least these members, hashed as a whole. */
export interface DeliveredEvent {
  id: string;
  ticketId: string;
  ticketVersion: number;
  [member: string]: unknown;
}

export type ProofCheck = { ok: true; checkpoint: CheckpointClaims } | { ok: false; reason: string };

/**
 * A participant's own check that the history it was shown is the one the hub
 * committed to: each event it received hashes to the chain's link for that
 * version, the links follow each other, the chain's last link is the head
 * in the checkpoint's Merkle tree, and the checkpoint carries the hub's
 * signature (keys from the hub's JWKS). Needs nothing from the hub but the
 * proof and the JWKS.
 */
export function verifyTicketHistory(events: readonly DeliveredEvent[], proof: TicketAuditProof, hubKeys: readonly PublicJwk[]): ProofCheck {
  let checkpoint: CheckpointClaims;
  try {
    checkpoint = verifyCheckpoint(proof.checkpoint.jws, hubKeys);
  } catch (e) {
    return { ok: false, reason: `checkpoint: ${(e as Error).message}` };
  }
  let prev: Hex256 | null = null;
  for (const [i, link] of proof.chain.entries()) {
    if (link.ticketVersion !== i + 1) return { ok: false, reason: `chain: version ${i + 1} is missing` };
    if (link.prev !== prev) return { ok: false, reason: `chain: version ${link.ticketVersion} does not follow version ${i}` };
    prev = link.hash;
  }
  for (const event of events) {
    const link = proof.chain[event.ticketVersion - 1];
    if (!link || event.ticketId !== proof.ticketId) return { ok: false, reason: `event ${event.id} is not in the committed chain` };
    if (link.eventId !== event.id || chainHash(link.prev, event) !== link.hash) {
      return { ok: false, reason: `event ${event.id} (version ${event.ticketVersion}) differs from what the hub committed to` };
    }
  }
  const last = proof.chain[proof.chain.length - 1];
  if (!last) return { ok: false, reason: 'chain: empty' };
  const leaf = leafHash({ ticketId: proof.ticketId, ticketVersion: last.ticketVersion, head: last.hash });
  if (!verifyInclusion(leaf, proof.leafIndex, checkpoint.treeSize, proof.path, checkpoint.root)) {
    return { ok: false, reason: "the chain's head is not in the checkpoint's tree" };
  }
  return { ok: true, checkpoint };
}
