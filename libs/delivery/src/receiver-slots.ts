type Waiter = (granted: boolean) => void;

export interface SlotWaitPolicy {
  /** Jobs that may always wait for a slot of one receiver. */
  maxWaiters: number;
  /**
   * Further waiters while the receiver is responsive (it finished a delivery
   * within `responsiveMs`): a backlog for one fast receiver then waits here
   * instead of cycling through Redis. They wait at most `burstWaitMs`.
   */
  burstWaiters: number;
  responsiveMs: number;
  burstWaitMs: number;
}

/**
 * At most `limit` deliveries in flight per receiver in this worker, so a
 * slow receiver (10 s timeouts) can never occupy every worker slot.
 *
 * A job that finds the receiver's slots taken may wait briefly in-process
 * for one — a fast receiver frees a slot within milliseconds, and putting
 * the job back into Redis and fetching it again costs far more. At most
 * `maxWaiters` jobs wait per receiver, more only briefly and only while the
 * receiver answers; the rest are put back at once. A receiver that stops
 * answering thus holds at most `limit + maxWaiters` worker slots.
 */
export class ReceiverSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly lastRelease = new Map<string, number>();
  private readonly policy: SlotWaitPolicy;

  constructor(
    private readonly limit: number,
    policy: Partial<SlotWaitPolicy> = {},
  ) {
    this.policy = { maxWaiters: limit, burstWaiters: 0, responsiveMs: 100, burstWaitMs: 200, ...policy };
  }

  tryAcquire(receiverId: string): boolean {
    const current = this.inFlight.get(receiverId) ?? 0;
    if (current >= this.limit) return false;
    this.inFlight.set(receiverId, current + 1);
    return true;
  }

  /** Resolves true with a slot, or false after `maxWaitMs` or when too many already wait. */
  acquire(receiverId: string, maxWaitMs: number): Promise<boolean> {
    if (this.tryAcquire(receiverId)) return Promise.resolve(true);
    const queue = this.waiting.get(receiverId) ?? [];
    const { maxWaiters, burstWaiters, responsiveMs, burstWaitMs } = this.policy;
    if (maxWaitMs <= 0) return Promise.resolve(false);
    if (queue.length >= maxWaiters) {
      const responsive = Date.now() - (this.lastRelease.get(receiverId) ?? 0) < responsiveMs;
      if (!responsive || queue.length >= maxWaiters + burstWaiters) return Promise.resolve(false);
      maxWaitMs = Math.min(maxWaitMs, burstWaitMs);
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = (granted) => {
        clearTimeout(timer);
        resolve(granted);
      };
      const timer = setTimeout(() => {
        const current = this.waiting.get(receiverId);
        const at = current?.indexOf(waiter) ?? -1;
        if (at >= 0) current!.splice(at, 1);
        if (current?.length === 0) this.waiting.delete(receiverId);
        resolve(false);
      }, maxWaitMs);
      queue.push(waiter);
      this.waiting.set(receiverId, queue);
    });
  }

  release(receiverId: string): void {
    this.lastRelease.set(receiverId, Date.now());
    const queue = this.waiting.get(receiverId);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(receiverId);
    // The slot passes straight to the first waiter: the in-flight count stays.
    if (next) return next(true);
    const current = this.inFlight.get(receiverId) ?? 0;
    if (current <= 1) this.inFlight.delete(receiverId);
    else this.inFlight.set(receiverId, current - 1);
  }

  busy(receiverId: string): number {
    return this.inFlight.get(receiverId) ?? 0;
  }

  waiters(receiverId: string): number {
    return this.waiting.get(receiverId)?.length ?? 0;
  }
}
