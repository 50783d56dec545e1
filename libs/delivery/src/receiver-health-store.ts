import { ReceiverHealthEntity, rowsOf, type CircuitState } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';

/** A receiver's row in `receiver_health`, as the worker reads it with the delivery. */
export interface HealthSnapshot {
  circuit: CircuitState;
  paused: boolean;
  nextProbeAt: Date | null;
  consecutiveFailures: number;
}

/** The columns of `receiver_health` the worker needs, as SQL returns them. */
export interface HealthColumns {
  circuit: CircuitState;
  paused: boolean | null;
  next_probe_at: Date | null;
  consecutive_failures: number | null;
}

export function toHealthSnapshot(row: HealthColumns): HealthSnapshot {
  return { circuit: row.circuit, paused: row.paused ?? false, nextProbeAt: row.next_probe_at, consecutiveFailures: row.consecutive_failures ?? 0 };
}

/**
 * The one way to `receiver_health`: each receiver's circuit and pause flag,
 * shared by all worker replicas. The worker reads it along with the delivery
 * (DeliveryStore.claim); the writes are here.
 */
export class ReceiverHealthStore {
  constructor(private readonly dataSource: DataSource) {}

  async snapshot(receiverId: string): Promise<HealthSnapshot | null> {
    const rows: HealthColumns[] = await this.dataSource.query(
      'SELECT circuit, paused, next_probe_at, consecutive_failures FROM receiver_health WHERE receiver_id = $1',
      [receiverId],
    );
    return rows[0] ? toHealthSnapshot(rows[0]) : null;
  }

  /** The whole row, for operators. */
  find(receiverId: string): Promise<ReceiverHealthEntity | null> {
    return this.dataSource.manager.findOneBy(ReceiverHealthEntity, { receiverId });
  }

  /** Every receiver's circuit, for the metrics scrape. */
  all(): Promise<ReceiverHealthEntity[]> {
    return this.dataSource.manager.find(ReceiverHealthEntity);
  }

  /** Claims the probe of an open circuit once it is due: true for exactly one caller. */
  async claimProbe(receiverId: string, probeIntervalMs: number): Promise<boolean> {
    const claimed = rowsOf(
      await this.dataSource.query(
        `UPDATE receiver_health SET circuit = 'half_open', next_probe_at = now() + $2 * interval '1 millisecond', updated_at = now()
        WHERE receiver_id = $1 AND next_probe_at <= now() RETURNING receiver_id`,
        [receiverId, probeIntervalMs],
      ),
    );
    return claimed.length > 0;
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

  /** Counts a failure; returns the circuit and the consecutive failures after it. */
  async failed(receiverId: string): Promise<{ circuit: CircuitState; failures: number }> {
    const rows = rowsOf<{ circuit: CircuitState; consecutive_failures: number }>(
      await this.dataSource.query(
        `INSERT INTO receiver_health (receiver_id, consecutive_failures, last_failure_at, updated_at)
       VALUES ($1, 1, now(), now())
       ON CONFLICT (receiver_id) DO UPDATE SET consecutive_failures = receiver_health.consecutive_failures + 1,
         last_failure_at = now(), updated_at = now()
       RETURNING circuit, consecutive_failures`,
        [receiverId],
      ),
    );
    return { circuit: rows[0].circuit, failures: rows[0].consecutive_failures };
  }

  async open(receiverId: string, probeIntervalMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE receiver_health SET circuit = 'open', opened_at = COALESCE(opened_at, now()),
         next_probe_at = now() + $2 * interval '1 millisecond', updated_at = now() WHERE receiver_id = $1`,
      [receiverId, probeIntervalMs],
    );
  }

  async setPaused(receiverId: string, paused: boolean): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO receiver_health (receiver_id, paused, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (receiver_id) DO UPDATE SET paused = $2, updated_at = now()`,
      [receiverId, paused],
    );
  }
}
