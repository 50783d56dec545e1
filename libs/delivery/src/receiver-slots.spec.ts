import { ReceiverSlots } from './receiver-slots.js';

describe('ReceiverSlots', () => {
  it('caps deliveries in flight per receiver, independently for each receiver', () => {
    const slots = new ReceiverSlots(2);
    expect(slots.tryAcquire('slow')).toBe(true);
    expect(slots.tryAcquire('slow')).toBe(true);
    expect(slots.tryAcquire('slow')).toBe(false);
    expect(slots.tryAcquire('fast')).toBe(true);
    slots.release('slow');
    expect(slots.busy('slow')).toBe(1);
    expect(slots.tryAcquire('slow')).toBe(true);
  });

  it('forgets receivers with nothing in flight', () => {
    const slots = new ReceiverSlots(1);
    slots.tryAcquire('a');
    slots.release('a');
    slots.release('a');
    expect(slots.busy('a')).toBe(0);
    expect(slots.tryAcquire('a')).toBe(true);
  });

  it('hands a released slot straight to the first waiter', async () => {
    const slots = new ReceiverSlots(1);
    expect(await slots.acquire('a', 0)).toBe(true);
    const waiting = slots.acquire('a', 5_000);
    expect(slots.waiters('a')).toBe(1);
    slots.release('a');
    expect(await waiting).toBe(true);
    expect(slots.busy('a')).toBe(1);
    expect(slots.waiters('a')).toBe(0);
    slots.release('a');
    expect(slots.busy('a')).toBe(0);
  });

  it('gives up after the wait and does not count the waiter any more', async () => {
    const slots = new ReceiverSlots(1);
    slots.tryAcquire('a');
    expect(await slots.acquire('a', 20)).toBe(false);
    expect(slots.waiters('a')).toBe(0);
    slots.release('a');
    expect(slots.busy('a')).toBe(0);
  });

  it('lets only maxWaiters wait per receiver; the rest are refused at once', async () => {
    const slots = new ReceiverSlots(1, { maxWaiters: 2 });
    slots.tryAcquire('slow');
    const first = slots.acquire('slow', 5_000);
    const second = slots.acquire('slow', 5_000);
    expect(await slots.acquire('slow', 5_000)).toBe(false);
    expect(await slots.acquire('fast', 5_000)).toBe(true);
    slots.release('slow');
    slots.release('slow');
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(slots.busy('slow')).toBe(1);
  });

  it('lets more wait, briefly, only while the receiver is finishing deliveries', async () => {
    const slots = new ReceiverSlots(2, { maxWaiters: 0, burstWaiters: 2, responsiveMs: 10_000, burstWaitMs: 30 });
    slots.tryAcquire('r');
    slots.tryAcquire('r');
    // No delivery finished yet: the receiver may be stuck, nobody waits.
    expect(await slots.acquire('r', 5_000)).toBe(false);
    slots.release('r');
    slots.tryAcquire('r');
    const burst = [slots.acquire('r', 5_000), slots.acquire('r', 5_000)];
    expect(await slots.acquire('r', 5_000)).toBe(false);
    slots.release('r');
    expect(await burst[0]).toBe(true);
    const started = Date.now();
    expect(await burst[1]).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
