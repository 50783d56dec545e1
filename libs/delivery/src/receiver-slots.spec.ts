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
});
