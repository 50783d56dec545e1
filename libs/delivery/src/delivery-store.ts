import { poolOf, runPrepared, type PreparedStatement } from '@drehscheibe/persistence';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { HealthSnapshot } from './receiver-circuit.js';
import type { SendResult } from './webhook-sender.js';

/** Everything one delivery attempt needs, read in one statement. */
export interface ClaimedDelivery {
  id: string;
  receiverId: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  ticketId: string | null;
  createdAt: Date;
  noticeId: string | null;
  deliveryUrl: string | null;
  /** An earlier event for the same ticket and receiver is still pending. */
  blocked: boolean;
  /** The receiver's circuit row; null when it has none yet. */
  health: HealthSnapshot | null;
  /** The ticket event with its snapshot; null for service notices. */
  event: { id: string; type: string; ticketId: string; ticketVersion: number; actorId: string; occurredAt: Date; data: unknown; snapshot: unknown } | null;
}

export interface AttemptRecord {
  deliveryId: string;
  attemptedAt: Date;
  result: SendResult;
  attempts: number;
  status: 'pending' | 'delivered' | 'dead';
  nextAttemptAt: Date;
}

const CLAIM: PreparedStatement = {
  name: 'delivery_claim_v1',
  text: `SELECT d.id, d.receiver_id, d.status, d.attempts, d.ticket_id, d.ticket_version, d.created_at, d.notice_id,
       p.delivery_url,
       h.circuit, h.paused, h.next_probe_at, h.consecutive_failures,
       e.id AS event_id, e.type AS event_type, e.actor_id, e.occurred_at, e.data, e.snapshot,
       (d.status = 'pending' AND d.ticket_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM deliveries x
           WHERE x.ticket_id = d.ticket_id AND x.receiver_id = d.receiver_id AND x.status = 'pending' AND x.ticket_version < d.ticket_version)) AS blocked
  FROM deliveries d
  JOIN participants p ON p.id = d.receiver_id
  LEFT JOIN receiver_health h ON h.receiver_id = d.receiver_id
  LEFT JOIN ticket_events e ON e.id = d.event_id
 WHERE d.id = $1`,
};

/**
 * The attempt, the delivery's new state and — once it is finished — the next
 * pending delivery for the same ticket and receiver, in one statement (one
 * implicit transaction). The successor query reads the snapshot before the
 * update, which is why it looks only at later versions.
 */
const RECORD: PreparedStatement = {
  name: 'delivery_record_v1',
  text: `WITH attempt AS (
    INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, error, response_excerpt)
    VALUES ($1, $2, $3, $4, $5, $6)
  ), updated AS (
    UPDATE deliveries SET attempts = $7, status = $8, delivered_at = CASE WHEN $8 = 'delivered' THEN $2::timestamptz END,
           last_error = $5, next_attempt_at = $9
     WHERE id = $1 AND status = 'pending'
    RETURNING ticket_id, receiver_id, ticket_version
  )
  SELECT u.ticket_id,
         (SELECT s.id FROM deliveries s
           WHERE $8 <> 'pending' AND s.ticket_id = u.ticket_id AND s.receiver_id = u.receiver_id
             AND s.status = 'pending' AND s.ticket_version > u.ticket_version
           ORDER BY s.ticket_version LIMIT 1) AS successor
    FROM updated u`,
};

const RECEIVER_OF: PreparedStatement = { name: 'delivery_receiver_v1', text: 'SELECT receiver_id FROM deliveries WHERE id = $1' };

interface ClaimRow {
  id: string;
  receiver_id: string;
  status: ClaimedDelivery['status'];
  attempts: number;
  ticket_id: string | null;
  ticket_version: number | null;
  created_at: Date;
  notice_id: string | null;
  delivery_url: string | null;
  circuit: HealthSnapshot['circuit'] | null;
  paused: boolean | null;
  next_probe_at: Date | null;
  consecutive_failures: number | null;
  event_id: string | null;
  event_type: string | null;
  actor_id: string | null;
  occurred_at: Date | null;
  data: unknown;
  snapshot: unknown;
  blocked: boolean;
}

/**
 * The worker's reads and writes on the outbox, as prepared SQL on the pg
 * pool: two statements per healthy delivery (claim, record), where the
 * entity manager needed ten.
 */
export class DeliveryStore {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  async claim(deliveryId: string): Promise<ClaimedDelivery | null> {
    const [row] = await runPrepared<ClaimRow>(this.pool, CLAIM, [deliveryId]);
    if (!row) return null;
    return {
      id: row.id,
      receiverId: row.receiver_id,
      status: row.status,
      attempts: row.attempts,
      ticketId: row.ticket_id,
      createdAt: row.created_at,
      noticeId: row.notice_id,
      deliveryUrl: row.delivery_url,
      blocked: row.blocked,
      health:
        row.circuit === null
          ? null
          : { circuit: row.circuit, paused: row.paused ?? false, nextProbeAt: row.next_probe_at, consecutiveFailures: row.consecutive_failures ?? 0 },
      event:
        row.event_id === null
          ? null
          : {
              id: row.event_id,
              type: row.event_type!,
              ticketId: row.ticket_id!,
              ticketVersion: row.ticket_version!,
              actorId: row.actor_id!,
              occurredAt: row.occurred_at!,
              data: row.data,
              snapshot: row.snapshot,
            },
    };
  }

  /** Returns the successor to release now, if the delivery finished and a later one waits. */
  async record(attempt: AttemptRecord): Promise<{ updated: boolean; successor: string | null }> {
    const { result } = attempt;
    const rows = await runPrepared<{ ticket_id: string | null; successor: string | null }>(this.pool, RECORD, [
      attempt.deliveryId,
      attempt.attemptedAt,
      result.statusCode,
      result.latencyMs,
      result.error,
      result.responseExcerpt,
      attempt.attempts,
      attempt.status,
      attempt.nextAttemptAt,
    ]);
    return { updated: rows.length > 0, successor: rows[0]?.successor ?? null };
  }

  async receiverOf(deliveryId: string): Promise<string | null> {
    const [row] = await runPrepared<{ receiver_id: string }>(this.pool, RECEIVER_OF, [deliveryId]);
    return row?.receiver_id ?? null;
  }
}
