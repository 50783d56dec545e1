import { rowsOf } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';

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

/** A receiver's row in `receiver_health`, as the worker reads it with the delivery. */
export interface HealthSnapshot {
  circuit: 'closed' | 'open' | 'half_open';
  paused: boolean;
  nextProbeAt: Date | null;
  consecutiveFailures: number;
}

const PAUSED_RECHECK_MS = 5_000;

/**
 * A circuit breaker per receiver, kept in PostgreSQL so all worker replicas
 * agree: after N consecutive failures deliveries to that receiver wait, and
 * one probe per interval finds out whether it is back. Waiting deliveries do
 * not use up attempts and do not hold worker slots.
 */
export class ReceiverCircuit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: CircuitSettings,
  ) {}

  /** `known`: the row as already read with the delivery (null: none), so the common case costs no query. */
  async admit(receiverId: string, known?: HealthSnapshot | null): Promise<Admission> {
    const health = known === undefined ? await this.read(receiverId) : known;
    // No row yet: the first success writes one, so its last success is known.
    if (!health) return { kind: 'send', probe: false, healthy: false };
    if (health.paused) return { kind: 'wait', until: new Date(Date.now() + PAUSED_RECHECK_MS), reason: 'paused' };
    if (health.circuit === 'closed') return { kind: 'send', probe: false, healthy: health.consecutiveFailures === 0 };
    // Open (or a probe in flight): exactly one worker may claim the probe once it is due.
    const claimed = rowsOf(
      await this.dataSource.query(
        `UPDATE receiver_health SET circuit = 'half_open', next_probe_at = now() + $2 * interval '1 millisecond', updated_at = now()
        WHERE receiver_id = $1 AND next_probe_at <= now() RETURNING receiver_id`,
        [receiverId, this.settings.probeIntervalMs],
      ),
    );
    if (claimed.length > 0) return { kind: 'send', probe: true, healthy: false };
    const until = health.nextProbeAt && health.nextProbeAt.getTime() > Date.now() ? health.nextProbeAt : new Date(Date.now() + this.settings.probeIntervalMs);
    return { kind: 'wait', until, reason: 'circuit-open' };
  }

  private async read(receiverId: string): Promise<HealthSnapshot | null> {
    const rows: Array<{ circuit: HealthSnapshot['circuit']; paused: boolean; next_probe_at: Date | null; consecutive_failures: number }> =
      await this.dataSource.query('SELECT circuit, paused, next_probe_at, consecutive_failures FROM receiver_health WHERE receiver_id = $1', [receiverId]);
    const row = rows[0];
    return row ? { circuit: row.circuit, paused: row.paused, nextProbeAt: row.next_probe_at, consecutiveFailures: row.consecutive_failures } : null;
  }

  async succeeded(receiverId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO receiver_health (receiver_id, circuit, consecutive_failures, last_success_at, updated_at)
       VALUES ($1, 'closed', 0, now(), now())
       ON CONFLICT (receiver_id) DO UPDATE SET circuit = 'closed', consecutive_failures = 0, opened_at = NULL,
         next_probe_at = NULL, last_success_at = now(), updated_at = now()`,
      [receiverId],
    );
  }

  /** Returns true when this failure opened (or kept open) the circuit. */
  async failed(receiverId: string): Promise<boolean> {
    const rows = rowsOf<{ circuit: string; consecutive_failures: number }>(
      await this.dataSource.query(
        `INSERT INTO receiver_health (receiver_id, consecutive_failures, last_failure_at, updated_at)
       VALUES ($1, 1, now(), now())
       ON CONFLICT (receiver_id) DO UPDATE SET consecutive_failures = receiver_health.consecutive_failures + 1,
         last_failure_at = now(), updated_at = now()
       RETURNING circuit, consecutive_failures`,
        [receiverId],
      ),
    );
    const { circuit, consecutive_failures: failures } = rows[0];
    if (circuit === 'half_open' || failures >= this.settings.failureThreshold) {
      await this.dataSource.query(
        `UPDATE receiver_health SET circuit = 'open', opened_at = COALESCE(opened_at, now()),
           next_probe_at = now() + $2 * interval '1 millisecond', updated_at = now() WHERE receiver_id = $1`,
        [receiverId, this.settings.probeIntervalMs],
      );
      return true;
    }
    return false;
  }
}
