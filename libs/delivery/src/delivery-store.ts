import {
  DeliveryAttemptEntity,
  DeliveryEntity,
  OutboxMessageEntity,
  ParticipantEntity,
  poolOf,
  type NativeRequestRecord,
  rowsOf,
  runPrepared,
  type DeliveryStatus,
  type PreparedStatement,
} from '@drehscheibe/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { HEALTH_COLUMNS_SQL, toHealthSnapshot, type HealthColumns, type HealthSnapshot } from './receiver-health-store.js';
import type { SendResult } from './webhook-sender.js';
import { RECEIVER_SECRET_COLUMNS_SQL, toReceiverSecret, type ReceiverSecret, type ReceiverSecretColumns } from './delivery-signing.js';

/** Everything one delivery attempt needs, read in one statement. */
export interface ClaimedDelivery {
  id: string;
  receiverId: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: Date;
  deliveryUrl: string | null;
  ticketId: string | null;
  /** The exact body to send, rendered when the change committed. */
  payload: string;
  /** For a receiver with a mapping profile: the native request (or its mapping error) and the profile version. */
  native: { request: NativeRequestRecord; profileId: string; receiverExternalId: string | null } | null;
  /** An earlier event for the same ticket and receiver is still pending. */
  blocked: boolean;
  /** The receiver's circuit row; null when it has none yet. */
  health: HealthSnapshot | null;
  /** The receiver's delivery secret (encrypted); null when deliveries to it are signed with the hub's key. */
  secret: ReceiverSecret | null;
}

export interface AttemptRecord {
  deliveryId: string;
  attemptedAt: Date;
  result: SendResult;
  attempts: number;
  status: DeliveryStatus;
  nextAttemptAt: Date;
}

const CLAIM: PreparedStatement = {
  name: 'delivery_claim_v6',
  text: `SELECT d.id, d.receiver_id, d.ticket_id, d.status, d.attempts, d.created_at, m.payload, m.request, m.profile_id,
       CASE WHEN m.request IS NOT NULL THEN (
         SELECT tp.external_id FROM ticket_parties tp WHERE tp.ticket_id = d.ticket_id AND tp.participant_id = d.receiver_id) END AS receiver_external_id,
       p.delivery_url,
       ${HEALTH_COLUMNS_SQL},
       ${RECEIVER_SECRET_COLUMNS_SQL},
       (d.status = 'pending' AND d.ticket_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM deliveries x
           WHERE x.ticket_id = d.ticket_id AND x.receiver_id = d.receiver_id AND x.status = 'pending' AND x.ticket_version < d.ticket_version)) AS blocked
  FROM deliveries d
  JOIN participants p ON p.id = d.receiver_id
  JOIN outbox_messages m ON m.id = d.message_id
  LEFT JOIN receiver_health h ON h.receiver_id = d.receiver_id
  LEFT JOIN delivery_secrets s ON s.participant_id = d.receiver_id
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

const RECEIVER_SECRET: PreparedStatement = {
  name: 'delivery_receiver_secret_v1',
  text: `SELECT ${RECEIVER_SECRET_COLUMNS_SQL} FROM delivery_secrets s WHERE s.participant_id = $1`,
};

const RECEIVER_OF: PreparedStatement = { name: 'delivery_receiver_v1', text: 'SELECT receiver_id FROM deliveries WHERE id = $1' };

interface ClaimRow extends Omit<HealthColumns, 'circuit'>, ReceiverSecretColumns {
  /** Null when the receiver has no health row yet. */
  circuit: HealthColumns['circuit'] | null;
  id: string;
  receiver_id: string;
  ticket_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  created_at: Date;
  payload: string;
  request: NativeRequestRecord | null;
  profile_id: string | null;
  receiver_external_id: string | null;
  delivery_url: string | null;
  blocked: boolean;
}

export interface DeliveryFilter {
  receiverId?: string;
  status?: DeliveryStatus;
  ticketId?: string;
  limit: number;
  /** Only deliveries with a smaller id (newest first). */
  beforeId?: string;
}

/** How many of a receiver's newest delivered deliveries `latestSuccess` looks at (a late retry of an old one may be the latest). */
const LATEST_DELIVERED_SCAN = 100;

/**
 * The one way to the deliveries and their attempts, after the outbox wrote
 * them: the worker's two statements per healthy delivery (claim, record) as
 * prepared SQL on the pg pool, and the operators' and reconciler's reads.
 */
export class DeliveryStore {
  constructor(private readonly dataSource: DataSource) {}

  async claim(deliveryId: string): Promise<ClaimedDelivery | null> {
    const [row] = await runPrepared<ClaimRow>(poolOf(this.dataSource), CLAIM, [deliveryId]);
    if (!row) return null;
    return {
      id: row.id,
      receiverId: row.receiver_id,
      status: row.status,
      attempts: row.attempts,
      createdAt: row.created_at,
      ticketId: row.ticket_id,
      payload: row.payload,
      native: row.request && row.profile_id ? { request: row.request, profileId: row.profile_id, receiverExternalId: row.receiver_external_id } : null,
      deliveryUrl: row.delivery_url,
      blocked: row.blocked,
      health: row.circuit === null ? null : toHealthSnapshot(row as HealthColumns),
      secret: toReceiverSecret(row),
    };
  }

  /** The receiver's delivery secret, for what is signed outside a delivery (the endpoint handshake). */
  async receiverSecret(receiverId: string): Promise<ReceiverSecret | null> {
    const [row] = await runPrepared<ReceiverSecretColumns>(poolOf(this.dataSource), RECEIVER_SECRET, [receiverId]);
    return row ? toReceiverSecret(row) : null;
  }

  /** Returns the successor to release now, if the delivery finished and a later one waits. */
  async record(attempt: AttemptRecord): Promise<{ updated: boolean; successor: string | null }> {
    const { result } = attempt;
    const rows = await runPrepared<{ ticket_id: string | null; successor: string | null }>(poolOf(this.dataSource), RECORD, [
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
    const [row] = await runPrepared<{ receiver_id: string }>(poolOf(this.dataSource), RECEIVER_OF, [deliveryId]);
    return row?.receiver_id ?? null;
  }

  find(id: string): Promise<DeliveryEntity | null> {
    return this.dataSource.manager.findOneBy(DeliveryEntity, { id });
  }

  /** Newest first; one more than `limit` tells the caller there is a next page. */
  list(filter: DeliveryFilter): Promise<DeliveryEntity[]> {
    const qb = this.dataSource.manager.createQueryBuilder(DeliveryEntity, 'd').orderBy('d.id', 'DESC').take(filter.limit);
    if (filter.receiverId) qb.andWhere('d.receiver_id = :receiverId', { receiverId: filter.receiverId });
    if (filter.status) qb.andWhere('d.status = :status', { status: filter.status });
    if (filter.ticketId) qb.andWhere('d.ticket_id = :ticketId', { ticketId: filter.ticketId });
    if (filter.beforeId) qb.andWhere('d.id < :before', { before: filter.beforeId });
    return qb.getMany();
  }

  /** The message a delivery sends: its body and, when a mapping profile rendered it, the profile version and native request. */
  async message(deliveryId: string): Promise<Pick<OutboxMessageEntity, 'payload' | 'profileId' | 'request'> | null> {
    const [row] = rowsOf<{ payload: string; profile_id: string | null; request: NativeRequestRecord | null }>(
      await this.dataSource.query('SELECT m.payload, m.profile_id, m.request FROM deliveries d JOIN outbox_messages m ON m.id = d.message_id WHERE d.id = $1', [
        deliveryId,
      ]),
    );
    return row ? { payload: row.payload, profileId: row.profile_id, request: row.request } : null;
  }

  attempts(deliveryId: string): Promise<DeliveryAttemptEntity[]> {
    return this.dataSource.manager.find(DeliveryAttemptEntity, { where: { deliveryId }, order: { attemptedAt: 'ASC', id: 'ASC' } });
  }

  /** Pending again, due now; a dead letter starts with fresh attempts. */
  async reschedule(delivery: DeliveryEntity): Promise<void> {
    await this.dataSource.manager.update(
      DeliveryEntity,
      { id: delivery.id },
      { status: 'pending', attempts: delivery.status === 'dead' ? 0 : delivery.attempts, nextAttemptAt: new Date() },
    );
  }

  /**
   * A receiver's pending deliveries start afresh, due now with no attempts
   * counted: their backoff grew against an endpoint that is gone. The
   * attempts stay in their history. In the caller's transaction.
   */
  async restartPending(receiverId: string, runner: Pick<EntityManager, 'query'> = this.dataSource): Promise<void> {
    await runner.query(`UPDATE deliveries SET attempts = 0, next_attempt_at = now() WHERE receiver_id = $1 AND status = 'pending'`, [receiverId]);
  }

  /** The participant's delivery URL; undefined when it is not registered. */
  async receiverUrl(id: string): Promise<string | null | undefined> {
    const participant = await this.dataSource.manager.findOne(ParticipantEntity, { select: { id: true, deliveryUrl: true }, where: { id } });
    return participant ? participant.deliveryUrl : undefined;
  }

  /** Every dead letter of a receiver back to pending; returns their ids. */
  async replayDead(receiverId: string): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(
        `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()
          WHERE receiver_id = $1 AND status = 'dead' RETURNING id`,
        [receiverId],
      ),
    );
    return rows.map((r) => r.id);
  }

  /** Pending and dead deliveries per receiver and status; one receiver's, or everyone's. */
  async openCounts(receiverId?: string): Promise<Array<{ receiverId: string; status: 'pending' | 'dead'; count: number }>> {
    const rows: Array<{ receiver_id: string; status: 'pending' | 'dead'; n: number }> = await this.dataSource.query(
      `SELECT receiver_id, status, count(*)::int AS n FROM deliveries
        WHERE status IN ('pending','dead') AND ($1::text IS NULL OR receiver_id = $1) GROUP BY receiver_id, status`,
      [receiverId ?? null],
    );
    return rows.map((r) => ({ receiverId: r.receiver_id, status: r.status, count: r.n }));
  }

  /**
   * The latest success of a receiver as its deliveries show it: the worker
   * writes no health row per healthy delivery (throughput), so it is read
   * from the newest delivered ones, along the receiver index.
   */
  async latestSuccess(receiverId: string): Promise<Date | null> {
    const [latest] = await this.dataSource.query<Array<{ at: Date | null }>>(
      `SELECT max(delivered_at) AS at FROM (SELECT delivered_at FROM deliveries WHERE receiver_id = $1 AND status = 'delivered'
          ORDER BY created_at DESC LIMIT ${LATEST_DELIVERED_SCAN}) newest`,
      [receiverId],
    );
    return latest?.at ?? null;
  }

  async pendingOf(receiverId: string, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM deliveries WHERE receiver_id = $1 AND status = 'pending' LIMIT $2`, [
      receiverId,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  /** Pending deliveries due before `before`, oldest first: what the reconciler checks for a live job. */
  due(before: Date, limit: number): Promise<Array<{ id: string; receiverId: string }>> {
    return this.dataSource.manager
      .createQueryBuilder(DeliveryEntity, 'd')
      .select(['d.id', 'd.receiverId'])
      .where("d.status = 'pending' AND d.next_attempt_at < :before", { before })
      .orderBy('d.next_attempt_at', 'ASC')
      .take(limit)
      .getMany();
  }
}

/**
 * What a receiver answered may quote the ticket it was sent, with its
 * requester (an origin's system echoing its ticket): the requester purge
 * removes those excerpts of a ticket's deliveries (the tickets' port
 * `RequesterCopies`, wired in the worker).
 */
export const deliveryRequesterCopies = {
  name: 'delivery attempt answers',
  async forget(em: EntityManager, ticketIds: string[]): Promise<void> {
    await em.query(
      `UPDATE delivery_attempts SET response_excerpt = NULL
        WHERE response_excerpt IS NOT NULL AND delivery_id IN (SELECT id FROM deliveries WHERE ticket_id = ANY($1::uuid[]))`,
      [ticketIds],
    );
  },
};
