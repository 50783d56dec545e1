import { periodSeconds } from '@drehscheibe/config';
import type { EntityManager } from 'typeorm';
import { TicketStore } from './ticket-store.js';

/**
 * A place outside the tickets table that may hold a copy of a ticket's
 * requester data (a stored answer, a receiver's reply); its owner removes
 * the copies of the given tickets in the purge's transaction.
 */
export interface RequesterCopies {
  name: string;
  forget(em: EntityManager, ticketIds: string[]): Promise<void>;
}

export interface RequesterPurgePolicy {
  /** How long after closing (or cancelling) the data is kept (ISO 8601 duration); `P0D`: for ever. */
  retention: string;
  /** Tickets purged per transaction. */
  batchSize: number;
  /** Batches per run at most; the rest wait for the next run. */
  maxBatches: number;
}

/**
 * The retention purge: the requester's personal data of tickets closed or
 * cancelled longer than the retention period is removed — the encrypted
 * field and every copy — and the ticket marked `requester_purged_at`. No
 * ticket event: the history (and its hash chain) never held personal data,
 * so it stays as it is. Idempotent and safe on several workers at once.
 */
export class RequesterPurge {
  constructor(
    private readonly store: TicketStore,
    private readonly copies: RequesterCopies[],
    private readonly policy: RequesterPurgePolicy,
  ) {}

  async runOnce(now = new Date()): Promise<{ purged: number }> {
    const seconds = periodSeconds(this.policy.retention);
    if (seconds === 0) return { purged: 0 };
    const cutoff = new Date(now.getTime() - seconds * 1000);
    let purged = 0;
    for (let i = 0; i < this.policy.maxBatches; i++) {
      const ids = await this.store.purgeRequesterData(cutoff, this.policy.batchSize, async (em, ticketIds) => {
        for (const copies of this.copies) await copies.forget(em, ticketIds);
      });
      purged += ids.length;
      if (ids.length < this.policy.batchSize) break;
    }
    return { purged };
  }
}
