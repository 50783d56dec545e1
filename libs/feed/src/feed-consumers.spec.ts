import { FeedConsumers } from './feed-consumers.js';
import type { EventFeed } from './event-feed.js';
import type { ConsumerRow, FeedConsumerStore } from './feed-consumer-store.js';

const row = (leaseId: string): ConsumerRow => ({
  name: 'bridge',
  txid: '0',
  position: '0',
  lease_id: leaseId,
  lease_until: new Date(Date.now() + 30_000),
  acknowledged_at: null,
  created_at: new Date(),
});

/** A store that grants every lease as asked and records releases; a feed whose query fails. */
function failingRead() {
  const released: string[] = [];
  const store = {
    takeLease: (_p: string, _n: string, newLeaseId: string, held: string | null) => Promise.resolve(row(held ?? newLeaseId)),
    release: (_p: string, _n: string, leaseId: string) => (released.push(leaseId), Promise.resolve()),
  } as unknown as FeedConsumerStore;
  const feed = { read: () => Promise.reject(new Error('connection terminated')) } as unknown as EventFeed;
  return { consumers: new FeedConsumers(store, feed, { leaseSeconds: 30 }), released };
}

describe('FeedConsumers.read when the feed query fails', () => {
  it('gives back a lease the reader never learnt, so it is not locked out until it runs out', async () => {
    const { consumers, released } = failingRead();
    await expect(consumers.read('demo-bela', 'bridge', undefined, 10)).rejects.toThrow('connection terminated');
    expect(released).toHaveLength(1);
  });

  it('keeps a lease the reader already holds', async () => {
    const { consumers, released } = failingRead();
    await expect(consumers.read('demo-bela', 'bridge', '0193a7e2-5b1c-7cc1-9d0e-3f2a1b4c5d6e', 10)).rejects.toThrow('connection terminated');
    expect(released).toEqual([]);
  });
});
