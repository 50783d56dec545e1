import { ReceiverHealthEntity, rowsOf, type CircuitState, type EndpointVerification } from '@drehscheibe/persistence';
import type { DataSource, EntityManager } from 'typeorm';

/** A receiver's row in `receiver_health`, as the worker reads it with the delivery. */
export interface HealthSnapshot {
  circuit: CircuitState;
  paused: boolean;
  nextProbeAt: Date | null;
  consecutiveFailures: number;
  /** The URL `verification` is about. */
  endpointUrl: string | null;
  verification: EndpointVerification | null;
  nextVerificationAt: Date | null;
}

/** The columns of `receiver_health` the worker needs, as SQL returns them. */
export interface HealthColumns {
  circuit: CircuitState;
  paused: boolean | null;
  next_probe_at: Date | null;
  consecutive_failures: number | null;
  endpoint_url: string | null;
  verification: EndpointVerification | null;
  next_verification_at: Date | null;
}

/** The columns `HealthColumns` names, for a SELECT list (`h` is the alias of receiver_health). */
export const HEALTH_COLUMNS_SQL = 'h.circuit, h.paused, h.next_probe_at, h.consecutive_failures, h.endpoint_url, h.verification, h.next_verification_at';

export function toHealthSnapshot(row: HealthColumns): HealthSnapshot {
  return {
    circuit: row.circuit,
    paused: row.paused ?? false,
    nextProbeAt: row.next_probe_at,
    consecutiveFailures: row.consecutive_failures ?? 0,
    endpointUrl: row.endpoint_url,
    verification: row.verification,
    nextVerificationAt: row.next_verification_at,
  };
}

/** A data source or the entity manager of a running transaction. */
type Queryable = Pick<EntityManager, 'query'>;

/**
 * The one way to `receiver_health`: each receiver's circuit and pause flag,
 * shared by all worker replicas. The worker reads it along with the delivery
 * (DeliveryStore.claim); the writes are here.
 */
export class ReceiverHealthStore {
  constructor(private readonly dataSource: DataSource) {}

  async snapshot(receiverId: string): Promise<HealthSnapshot | null> {
    const rows: HealthColumns[] = await this.dataSource.query(`SELECT ${HEALTH_COLUMNS_SQL} FROM receiver_health h WHERE h.receiver_id = $1`, [receiverId]);
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

  /**
   * The receiver's endpoint is (now) `url`: the circuit closes and its
   * failures are forgotten (they were the old endpoint's), and the new one
   * waits for its handshake (`pending`, due now). `onlyIfOther`: do nothing
   * when the row is about `url` already (the worker noticing a change made
   * outside the API); returns whether the row changed.
   */
  async endpointChanged(receiverId: string, url: string | null, options: { runner?: Queryable; onlyIfOther?: boolean } = {}): Promise<boolean> {
    const rows = rowsOf(
      await (options.runner ?? this.dataSource).query(
        `INSERT INTO receiver_health (receiver_id, endpoint_url, verification, next_verification_at, updated_at)
         VALUES ($1, $2, CASE WHEN $2::text IS NULL THEN NULL ELSE 'pending' END, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, now())
         ON CONFLICT (receiver_id) DO UPDATE SET circuit = 'closed', consecutive_failures = 0, opened_at = NULL, next_probe_at = NULL,
           endpoint_url = EXCLUDED.endpoint_url, verification = EXCLUDED.verification, verification_error = NULL,
           verification_checked_at = NULL, verification_failures = 0, next_verification_at = EXCLUDED.next_verification_at, updated_at = now()
         WHERE NOT $3::boolean OR receiver_health.endpoint_url IS DISTINCT FROM EXCLUDED.endpoint_url
         RETURNING receiver_id`,
        [receiverId, url, options.onlyIfOther ?? false],
      ),
    );
    return rows.length > 0;
  }

  /** Asks for a new handshake with the endpoint the row is about (an operator's re-verification). */
  async verifyAgain(receiverId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE receiver_health SET verification = 'pending', verification_error = NULL, verification_failures = 0, next_verification_at = now(),
         updated_at = now() WHERE receiver_id = $1`,
      [receiverId],
    );
  }

  /**
   * Claims the due handshake of a receiver whose endpoint is not verified:
   * the URL (and the failed handshakes so far) for exactly one caller, until
   * `leaseMs` has passed; else null. Only while the row is about the
   * participant's current URL.
   */
  async claimVerification(receiverId: string, leaseMs: number): Promise<{ url: string; failures: number } | null> {
    const rows = rowsOf<{ endpoint_url: string; verification_failures: number }>(
      await this.dataSource.query(
        `UPDATE receiver_health h SET next_verification_at = now() + $2 * interval '1 millisecond', updated_at = now()
           FROM participants p
          WHERE h.receiver_id = $1 AND p.id = h.receiver_id AND h.endpoint_url = p.delivery_url
            AND h.verification IN ('pending','failed') AND h.next_verification_at <= now()
         RETURNING h.endpoint_url, h.verification_failures`,
        [receiverId, leaseMs],
      ),
    );
    return rows[0] ? { url: rows[0].endpoint_url, failures: rows[0].verification_failures } : null;
  }

  /**
   * The handshake's outcome for `url`; after a failure the next is due in
   * `retryMs`. False when the endpoint changed meanwhile (the outcome is
   * about an old URL and is dropped).
   */
  async verificationDone(receiverId: string, url: string, error: string | null, retryMs: number): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE receiver_health SET verification = CASE WHEN $3::text IS NULL THEN 'verified' ELSE 'failed' END, verification_error = $3,
           verification_checked_at = now(), next_verification_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() + $4 * interval '1 millisecond' END,
           verification_failures = CASE WHEN $3::text IS NULL THEN 0 ELSE verification_failures + 1 END, updated_at = now()
          WHERE receiver_id = $1 AND endpoint_url = $2 RETURNING receiver_id`,
        [receiverId, url, error, retryMs],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Receivers whose endpoint needs a handshake now: a due pending or failed
   * one, or a delivery URL the row is not about (changed outside the API,
   * e.g. by the demo seed, or never seen).
   */
  async verificationsDue(limit: number): Promise<Array<{ receiverId: string; url: string; known: boolean }>> {
    const rows: Array<{ id: string; delivery_url: string; known: boolean }> = await this.dataSource.query(
      `SELECT p.id, p.delivery_url, h.endpoint_url IS NOT DISTINCT FROM p.delivery_url AS known
         FROM participants p LEFT JOIN receiver_health h ON h.receiver_id = p.id
        WHERE p.delivery_url IS NOT NULL
          AND (h.endpoint_url IS DISTINCT FROM p.delivery_url OR (h.verification IN ('pending','failed') AND h.next_verification_at <= now()))
        ORDER BY p.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ receiverId: r.id, url: r.delivery_url, known: r.known }));
  }
}
