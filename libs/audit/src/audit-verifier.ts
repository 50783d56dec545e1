import {
  chainHash,
  checkpointHash,
  CheckpointSignatureError,
  eventDocument,
  leafHash,
  MerkleTree,
  verifyCheckpoint,
  type PublicJwk,
  type RequestSignatureProof,
} from '@drehscheibe/evidence';
import type { DataSource } from 'typeorm';
import { decodeLeaves } from './leaves.js';

/** The first link that does not hold: the table, the row and what is wrong with it. */
export interface BrokenLink {
  table: 'ticket_events' | 'tickets' | 'audit_checkpoints';
  /** The row's key: an event or ticket id, or a checkpoint's seq. */
  row: string;
  reason: string;
}

export interface AuditReport {
  tickets: number;
  events: number;
  checkpoints: number;
  /** Checkpoints whose leaves were still kept and checked against the events. */
  checkpointsWithLeaves: number;
  broken: BrokenLink | null;
}

interface EventRow {
  id: string;
  ticket_id: string;
  ticket_version: number;
  type: string;
  actor_id: string;
  occurred_at: Date;
  data: Record<string, unknown>;
  snapshot: Record<string, unknown>;
  request_signature: RequestSignatureProof | null;
  prev_hash: string | null;
  hash: string;
}

const TICKET_BATCH = 500;

class Broken extends Error {
  constructor(readonly link: BrokenLink) {
    super(`${link.table} ${link.row}: ${link.reason}`);
  }
}

/**
 * Checks the whole audit: every event's link is recomputed from its row and
 * follows its predecessor, every ticket's head is its last event, versions
 * have no gaps, every checkpoint is signed by one of `keys`, follows the one
 * before it, and — while it keeps its leaves — commits to heads that are
 * links of the chains. Stops at the first broken link and names it.
 */
export class AuditVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: readonly PublicJwk[],
  ) {}

  async verify(): Promise<AuditReport> {
    const report: AuditReport = { tickets: 0, events: 0, checkpoints: 0, checkpointsWithLeaves: 0, broken: null };
    // Every link by ticket: what checkpoints' leaves are checked against.
    const links = new Map<string, string[]>();
    try {
      await this.verifyChains(report, links);
      await this.verifyCheckpoints(report, links);
    } catch (e) {
      if (!(e instanceof Broken)) throw e;
      report.broken = e.link;
    }
    return report;
  }

  private async verifyChains(report: AuditReport, links: Map<string, string[]>): Promise<void> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const tickets = await this.dataSource.query<Array<{ id: string; version: number; chain_head: string | null }>>(
        'SELECT id, version, chain_head FROM tickets WHERE id > $1 ORDER BY id LIMIT $2',
        [after, TICKET_BATCH],
      );
      if (tickets.length === 0) return;
      const events = await this.dataSource.query<EventRow[]>(
        `SELECT id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot, request_signature, prev_hash, hash FROM ticket_events
          WHERE ticket_id = ANY($1::uuid[]) ORDER BY ticket_id, ticket_version`,
        [tickets.map((t) => t.id)],
      );
      const byTicket = new Map<string, EventRow[]>();
      for (const e of events) {
        const chain = byTicket.get(e.ticket_id);
        if (chain) chain.push(e);
        else byTicket.set(e.ticket_id, [e]);
      }
      for (const t of tickets) {
        const chain = this.verifyChain(t.id, byTicket.get(t.id) ?? []);
        const head = chain[chain.length - 1] ?? null;
        if (t.chain_head !== head) {
          throw new Broken({
            table: 'tickets',
            row: t.id,
            reason: `its chain head ${t.chain_head ?? 'null'} is not the hash of its last event (version ${chain.length}): an event was deleted or the head changed`,
          });
        }
        links.set(t.id, chain);
        report.tickets += 1;
        report.events += chain.length;
      }
      after = tickets[tickets.length - 1].id;
    }
  }

  /** The ticket's links in version order; throws at the first event that does not hold. */
  private verifyChain(ticketId: string, events: EventRow[]): string[] {
    const chain: string[] = [];
    let prev: string | null = null;
    for (const e of events) {
      const expected = chain.length + 1;
      if (e.ticket_version !== expected) {
        throw new Broken({
          table: 'ticket_events',
          row: e.id,
          reason: `ticket ${ticketId} jumps from version ${expected - 1} to ${e.ticket_version}: a row was deleted`,
        });
      }
      if (e.prev_hash !== prev) {
        throw new Broken({ table: 'ticket_events', row: e.id, reason: `ticket ${ticketId} version ${e.ticket_version} does not link to the event before it` });
      }
      const stored = {
        id: e.id,
        ticketId: e.ticket_id,
        ticketVersion: e.ticket_version,
        type: e.type,
        actorId: e.actor_id,
        occurredAt: e.occurred_at,
        data: e.data,
        snapshot: e.snapshot,
        requestSignature: e.request_signature,
      };
      if (chainHash(prev, eventDocument(stored)) !== e.hash) {
        throw new Broken({
          table: 'ticket_events',
          row: e.id,
          reason: `ticket ${ticketId} version ${e.ticket_version}: its content does not match its hash (changed after it was written)`,
        });
      }
      chain.push(e.hash);
      prev = e.hash;
    }
    return chain;
  }

  private async verifyCheckpoints(report: AuditReport, links: Map<string, string[]>): Promise<void> {
    let previous: { seq: number; hash: string } | null = null;
    let after = 0;
    for (;;) {
      const rows = await this.dataSource.query<
        Array<{ seq: string; created_at: Date; tree_size: number; root: string; previous: string | null; jws: string; leaves: Buffer | null }>
      >('SELECT seq, created_at, tree_size, root, previous, jws, leaves FROM audit_checkpoints WHERE seq > $1 ORDER BY seq LIMIT 100', [after]);
      if (rows.length === 0) return;
      for (const r of rows) {
        const seq = Number(r.seq);
        const broken = (reason: string) => new Broken({ table: 'audit_checkpoints', row: r.seq, reason });
        const expectedSeq: number = previous ? previous.seq + 1 : 1;
        if (seq !== expectedSeq) throw broken(`checkpoint ${expectedSeq} is missing before it: a row was deleted`);
        let claims;
        try {
          claims = verifyCheckpoint(r.jws, this.keys);
        } catch (e) {
          if (e instanceof CheckpointSignatureError) throw broken(`its signature does not hold: ${e.message}`);
          throw e;
        }
        if (claims.seq !== seq || claims.root !== r.root || claims.treeSize !== r.tree_size || claims.previous !== r.previous) {
          throw broken('its columns differ from what its signature covers');
        }
        if (claims.previous !== (previous?.hash ?? null)) throw broken(`it does not link to checkpoint ${seq - 1}`);
        if (r.leaves) {
          const heads = decodeLeaves(r.leaves);
          if (new MerkleTree(heads.map(leafHash)).root !== claims.root || heads.length !== claims.treeSize) {
            throw broken('its stored leaves do not give its signed root');
          }
          for (const h of heads) {
            if (links.get(h.ticketId)?.[h.ticketVersion - 1] !== h.head) {
              throw broken(`it commits to ticket ${h.ticketId} at version ${h.ticketVersion} with a head that is not that event's hash`);
            }
          }
          report.checkpointsWithLeaves += 1;
        }
        report.checkpoints += 1;
        previous = { seq, hash: checkpointHash(r.jws) };
      }
      after = previous!.seq;
    }
  }
}
