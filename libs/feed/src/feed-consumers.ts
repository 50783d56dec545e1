import { randomUUID } from 'node:crypto';
import { DomainError } from '@drehscheibe/domain';
import { decodeFeedCursor, encodeFeedCursor, FEED_START, type EventFeed, type FeedPage } from './event-feed.js';
import type { ConsumerRow, FeedConsumerStore } from './feed-consumer-store.js';

export interface FeedConsumerSettings {
  /** How long a read or an acknowledgement holds the consumer's lease. */
  leaseSeconds: number;
}

/** A consumer as the API shows it: the lease id only ever goes to its holder. */
export interface FeedConsumer {
  name: string;
  /** The acknowledged position, as a feed cursor. */
  cursor: string;
  /** When the current lease runs out; absent when none is held. */
  leasedUntil?: string;
  acknowledgedAt?: string;
  createdAt: string;
}

/** A page read through a consumer, with the reader's lease. */
export interface ConsumerPage extends FeedPage {
  leaseId: string;
  leasedUntil: string;
}

/** Another reader holds the lease until `leasedUntil`. */
export interface Leased {
  kind: 'leased';
  leasedUntil: string;
  retryAfterSeconds: number;
}

export type ConsumerRead = { kind: 'page'; page: ConsumerPage } | Leased;
export type ConsumerAcknowledgement = { kind: 'acknowledged'; consumer: FeedConsumer } | { kind: 'lease-not-held' };
export type ConsumerPlacement = { kind: 'placed'; consumer: FeedConsumer } | Leased;
export type ConsumerRemoval = { kind: 'removed' } | Leased;

/** A refused change of a consumer that existed when refused: the lease may have ended since, then it is tried again. */
const ROUNDS = 3;

const toConsumer = (row: ConsumerRow): FeedConsumer => ({
  name: row.name,
  cursor: encodeFeedCursor({ x: row.txid, p: row.position }),
  ...(row.lease_until ? { leasedUntil: row.lease_until.toISOString() } : {}),
  ...(row.acknowledged_at ? { acknowledgedAt: row.acknowledged_at.toISOString() } : {}),
  createdAt: row.created_at.toISOString(),
});

/**
 * Named consumers of the event feed: the hub keeps each one's cursor, and
 * one reader at a time holds its lease. A read takes (or, by its holder,
 * renews) the lease and returns the feed from the acknowledged cursor, so an
 * unacknowledged page comes again; an acknowledgement by the holder moves the
 * cursor forward. When a holder stops without releasing, its lease runs out
 * and the next reader continues from the last acknowledged cursor. A second
 * reader is refused while the lease is held (it does not wait).
 */
export class FeedConsumers {
  constructor(
    private readonly store: FeedConsumerStore,
    private readonly feed: EventFeed,
    private readonly settings: FeedConsumerSettings,
  ) {}

  async read(participantId: string, name: string, heldLeaseId: string | undefined, limit: number): Promise<ConsumerRead> {
    for (let round = 0; round < ROUNDS; round++) {
      const row = await this.store.takeLease(participantId, name, randomUUID(), heldLeaseId ?? null, this.settings.leaseSeconds);
      if (row) {
        const leaseId = row.lease_id!;
        // The cursor cannot move while this reader holds the lease: only its acknowledgement moves it.
        const page = await this.feed.read(participantId, encodeFeedCursor({ x: row.txid, p: row.position }), limit).catch(async (e: unknown) => {
          // A reader that never learnt its new lease must not be locked out until it runs out (best effort: the database may be gone).
          if (leaseId !== heldLeaseId) await this.store.release(participantId, name, leaseId).catch(() => undefined);
          throw e;
        });
        return { kind: 'page', page: { ...page, leaseId, leasedUntil: row.lease_until!.toISOString() } };
      }
      const leased = await this.leased(participantId, name);
      if (leased) return leased;
    }
    return this.busy();
  }

  async acknowledge(participantId: string, name: string, ack: { leaseId: string; cursor: string; release?: boolean }): Promise<ConsumerAcknowledgement> {
    const to = decodeFeedCursor(ack.cursor);
    const row = await this.store.acknowledge(participantId, name, ack.leaseId, to, { release: ack.release ?? false, seconds: this.settings.leaseSeconds });
    if (row) return { kind: 'acknowledged', consumer: toConsumer(row) };
    if (!(await this.store.lease(participantId, name))) throw this.notFound(name);
    return { kind: 'lease-not-held' };
  }

  /** Creates the consumer at `cursor` (absent: the beginning of the feed), or moves it there. */
  async place(participantId: string, name: string, cursor: string | undefined): Promise<ConsumerPlacement> {
    const at = cursor === undefined ? FEED_START : decodeFeedCursor(cursor);
    for (let round = 0; round < ROUNDS; round++) {
      const row = await this.store.place(participantId, name, at);
      if (row) return { kind: 'placed', consumer: toConsumer(row) };
      const leased = await this.leased(participantId, name);
      if (leased) return leased;
    }
    return this.busy();
  }

  async remove(participantId: string, name: string): Promise<ConsumerRemoval> {
    for (let round = 0; round < ROUNDS; round++) {
      if (await this.store.remove(participantId, name)) return { kind: 'removed' };
      const lease = await this.store.lease(participantId, name);
      if (!lease) throw this.notFound(name);
      if (lease.retry_after !== null) return { kind: 'leased', leasedUntil: lease.lease_until!.toISOString(), retryAfterSeconds: lease.retry_after };
    }
    return this.busy();
  }

  async get(participantId: string, name: string): Promise<FeedConsumer> {
    const row = await this.store.get(participantId, name);
    if (!row) throw this.notFound(name);
    return toConsumer(row);
  }

  async list(participantId: string): Promise<FeedConsumer[]> {
    return (await this.store.list(participantId)).map(toConsumer);
  }

  /** Who holds the lease now; undefined when it is free again (or the consumer is gone): try again. */
  private async leased(participantId: string, name: string): Promise<Leased | undefined> {
    const lease = await this.store.lease(participantId, name);
    if (lease?.retry_after == null) return undefined;
    return { kind: 'leased', leasedUntil: lease.lease_until!.toISOString(), retryAfterSeconds: lease.retry_after };
  }

  /** Readers took the lease in turn faster than this one could: as if held, for a second. */
  private busy(): Leased {
    return { kind: 'leased', leasedUntil: new Date(Date.now() + 1000).toISOString(), retryAfterSeconds: 1 };
  }

  private notFound(name: string): DomainError {
    return new DomainError('not-found', `you have no feed consumer named ${name}`);
  }
}
