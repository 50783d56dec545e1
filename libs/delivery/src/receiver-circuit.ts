import type { HealthSnapshot, ReceiverHealthStore } from './receiver-health-store.js';

export interface CircuitSettings {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit waits before one probe delivery. */
  probeIntervalMs: number;
}

export type Admission =
  /** `healthy`: closed with no failures counted, so a success changes nothing. */
  | { kind: 'send'; probe: boolean; healthy: boolean }
  /** Not now: paused by an operator, or open until the next probe. */
  | { kind: 'wait'; until: Date; reason: 'paused' | 'circuit-open' };

const PAUSED_RECHECK_MS = 5_000;

/**
 * A circuit breaker per receiver, kept in PostgreSQL so all worker replicas
 * agree: after N consecutive failures deliveries to that receiver wait, and
 * one probe per interval finds out whether it is back. Waiting deliveries do
 * not use up attempts and do not hold worker slots.
 */
export class ReceiverCircuit {
  constructor(
    private readonly health: ReceiverHealthStore,
    private readonly settings: CircuitSettings,
  ) {}

  /** `known`: the row as already read with the delivery (null: none), so the common case costs no query. */
  async admit(receiverId: string, known?: HealthSnapshot | null): Promise<Admission> {
    const health = known === undefined ? await this.health.snapshot(receiverId) : known;
    // No row yet: the first success writes one, so its last success is known.
    if (!health) return { kind: 'send', probe: false, healthy: false };
    if (health.paused) return { kind: 'wait', until: new Date(Date.now() + PAUSED_RECHECK_MS), reason: 'paused' };
    if (health.circuit === 'closed') return { kind: 'send', probe: false, healthy: health.consecutiveFailures === 0 };
    // Open (or a probe in flight): exactly one worker may claim the probe once it is due.
    const claimed = await this.health.claimProbe(receiverId, this.settings.probeIntervalMs);
    if (claimed) return { kind: 'send', probe: true, healthy: false };
    const until = health.nextProbeAt && health.nextProbeAt.getTime() > Date.now() ? health.nextProbeAt : new Date(Date.now() + this.settings.probeIntervalMs);
    return { kind: 'wait', until, reason: 'circuit-open' };
  }

  async succeeded(receiverId: string): Promise<void> {
    await this.health.succeeded(receiverId);
  }

  /** Returns true when this failure opened (or kept open) the circuit. */
  async failed(receiverId: string): Promise<boolean> {
    const { circuit, failures } = await this.health.failed(receiverId);
    if (circuit === 'half_open' || failures >= this.settings.failureThreshold) {
      await this.health.open(receiverId, this.settings.probeIntervalMs);
      return true;
    }
    return false;
  }
}
