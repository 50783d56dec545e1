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
/** A healthy receiver's last success is written at most this often per receiver and worker. */
const SUCCESS_WRITE_INTERVAL_MS = 1_000;

interface SuccessClock {
  writtenAt: number;
  /** The latest success not written yet. */
  pending: Date | null;
  timer?: NodeJS.Timeout;
}

/**
 * A circuit breaker per receiver, kept in PostgreSQL so all worker replicas
 * agree: after N consecutive failures deliveries to that receiver wait, and
 * one probe per interval finds out whether it is back. Waiting deliveries do
 * not use up attempts and do not hold worker slots.
 */
export class ReceiverCircuit {
  private readonly successes = new Map<string, SuccessClock>();
  private readonly writes = new Set<Promise<void>>();

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

  /** A success that changes the circuit (closes it, resets failures, or creates the row). */
  async succeeded(receiverId: string, at = new Date()): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO receiver_health (receiver_id, circuit, consecutive_failures, last_success_at, updated_at)
       VALUES ($1, 'closed', 0, $2, now())
       ON CONFLICT (receiver_id) DO UPDATE SET circuit = 'closed', consecutive_failures = 0, opened_at = NULL,
         next_probe_at = NULL, last_success_at = GREATEST(receiver_health.last_success_at, $2), updated_at = now()`,
      [receiverId, at],
    );
  }

  /**
   * A success at a healthy receiver: nothing in the circuit changes, so it
   * costs no write of its own — only `last_success_at` moves, written at most
   * once per second per receiver (the first at once, the latest of the rest
   * when the second is over), never backwards when replicas race (GREATEST).
   */
  noteHealthySuccess(receiverId: string, at = new Date()): void {
    let clock = this.successes.get(receiverId);
    if (!clock) this.successes.set(receiverId, (clock = { writtenAt: 0, pending: null }));
    const now = Date.now();
    if (!clock.timer && now - clock.writtenAt >= SUCCESS_WRITE_INTERVAL_MS) {
      clock.writtenAt = now;
      this.writeSuccess(receiverId, at);
      return;
    }
    clock.pending = at;
    clock.timer ??= setTimeout(() => this.flushSuccess(receiverId), clock.writtenAt + SUCCESS_WRITE_INTERVAL_MS - now).unref();
  }

  /** Writes every success still held back and waits for the writes in flight (worker shutdown). */
  async flushSuccesses(): Promise<void> {
    for (const receiverId of this.successes.keys()) this.flushSuccess(receiverId);
    await Promise.all([...this.writes]);
  }

  private flushSuccess(receiverId: string): void {
    const clock = this.successes.get(receiverId);
    if (!clock) return;
    clearTimeout(clock.timer);
    clock.timer = undefined;
    if (!clock.pending) return;
    clock.writtenAt = Date.now();
    this.writeSuccess(receiverId, clock.pending);
    clock.pending = null;
  }

  /** Best effort: a lost write is made good by the next success. */
  private writeSuccess(receiverId: string, at: Date): void {
    const write = this.dataSource
      .query(`UPDATE receiver_health SET last_success_at = GREATEST(last_success_at, $2) WHERE receiver_id = $1`, [receiverId, at])
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
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
