import { DomainError } from '@drehscheibe/domain';
import { MerkleTree, leafHash, type TicketAuditProof } from '@drehscheibe/evidence';
import type { DataSource } from 'typeorm';
import { decodeLeaves, LEAF_BYTES, leafIndexOf } from './leaves.js';

/** A checkpoint as the API shows it. */
export interface CheckpointView {
  seq: number;
  createdAt: string;
  treeSize: number;
  root: string;
  previous: string | null;
  jws: string;
}

interface CheckpointRow {
  seq: string;
  created_at: Date;
  tree_size: number;
  root: string;
  previous: string | null;
  jws: string;
}

const viewOf = (r: CheckpointRow): CheckpointView => ({
  seq: Number(r.seq),
  createdAt: r.created_at.toISOString(),
  treeSize: r.tree_size,
  root: r.root,
  previous: r.previous,
  jws: r.jws,
});

export type AuditProof = TicketAuditProof & { checkpoint: CheckpointView };

/**
 * Who may see a ticket's proof is the tickets' rule, not this library's:
 * the port throws `not-found` for anyone who is not party to the ticket.
 */
export interface TicketPartyCheck {
  assertParty(participantId: string, ticketId: string): Promise<void>;
}

/** No checkpoint covers the ticket yet: the next one is due within `retryAfterSeconds`. */
export interface NotCheckpointed {
  notCheckpointed: true;
  retryAfterSeconds: number;
}

/**
 * Reads checkpoints and builds a ticket's inclusion proof. The last tree
 * built is kept, so proofs against the same checkpoint cost one read of its
 * leaves and no hashing.
 */
export class AuditProofs {
  private cached: { seq: string; tree: MerkleTree } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly parties: TicketPartyCheck,
    /** How often checkpoints are made: the `Retry-After` of a ticket that no checkpoint covers yet. */
    private readonly checkpointIntervalMs: number,
  ) {}

  async checkpoints(before: number | undefined, limit: number): Promise<CheckpointView[]> {
    const rows = await this.dataSource.query<CheckpointRow[]>(
      `SELECT seq, created_at, tree_size, root, previous, jws FROM audit_checkpoints
        WHERE ($1::bigint IS NULL OR seq < $1) ORDER BY seq DESC LIMIT $2`,
      [before ?? null, limit],
    );
    return rows.map(viewOf);
  }

  /** The proof for a ticket the caller is party to (`not-found` otherwise). */
  async forTicket(ticketId: string, participantId: string, checkpointSeq?: number): Promise<AuditProof | NotCheckpointed> {
    await this.parties.assertParty(participantId, ticketId);
    const [row] = await this.dataSource.query<Array<CheckpointRow & { leaves: Buffer | null }>>(
      `SELECT seq, created_at, tree_size, root, previous, jws, leaves FROM audit_checkpoints
        WHERE leaves IS NOT NULL AND ($1::bigint IS NULL OR seq = $1) ORDER BY seq DESC LIMIT 1`,
      [checkpointSeq ?? null],
    );
    if (!row?.leaves) {
      if (checkpointSeq !== undefined) throw new DomainError('not-found', `checkpoint ${checkpointSeq} does not exist or no longer keeps what a proof needs`);
      return this.notYet();
    }
    const index = leafIndexOf(row.leaves, ticketId);
    if (index < 0) return this.notYet();
    const tree = this.treeOf(row.seq, row.leaves);
    const { ticketVersion } = decodeLeaves(row.leaves.subarray(index * LEAF_BYTES, (index + 1) * LEAF_BYTES))[0];
    const chain = await this.dataSource.query<Array<{ id: string; ticket_version: number; prev_hash: string | null; hash: string }>>(
      'SELECT id, ticket_version, prev_hash, hash FROM ticket_events WHERE ticket_id = $1 AND ticket_version <= $2 ORDER BY ticket_version',
      [ticketId, ticketVersion],
    );
    return {
      ticketId,
      chain: chain.map((e) => ({ eventId: e.id, ticketVersion: e.ticket_version, prev: e.prev_hash, hash: e.hash })),
      checkpoint: viewOf(row),
      leafIndex: index,
      path: tree.inclusionPath(index),
    };
  }

  private treeOf(seq: string, leaves: Buffer): MerkleTree {
    if (this.cached?.seq !== seq) this.cached = { seq, tree: new MerkleTree(decodeLeaves(leaves).map(leafHash)) };
    return this.cached.tree;
  }

  private notYet(): NotCheckpointed {
    return { notCheckpointed: true, retryAfterSeconds: Math.max(1, Math.ceil(this.checkpointIntervalMs / 1000)) };
  }
}
