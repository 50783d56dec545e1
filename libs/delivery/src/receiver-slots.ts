/**
 * At most `limit` deliveries in flight per receiver in this worker, so a
 * slow receiver (10 s timeouts) can never occupy every worker slot. A job
 * that finds no free slot is put back briefly instead of waiting in a slot.
 */
export class ReceiverSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limit: number) {}

  tryAcquire(receiverId: string): boolean {
    const current = this.inFlight.get(receiverId) ?? 0;
    if (current >= this.limit) return false;
    this.inFlight.set(receiverId, current + 1);
    return true;
  }

  release(receiverId: string): void {
    const current = this.inFlight.get(receiverId) ?? 0;
    if (current <= 1) this.inFlight.delete(receiverId);
    else this.inFlight.set(receiverId, current - 1);
  }

  busy(receiverId: string): number {
    return this.inFlight.get(receiverId) ?? 0;
  }
}
