import { omitAbsent, type components } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import { DeliveryAttemptEntity, DeliveryEntity, ParticipantEntity, ReceiverHealthEntity, rowsOf } from '@drehscheibe/persistence';
import { decodeIdCursor, encodeIdCursor } from '@drehscheibe/tickets';
import type { DataSource } from 'typeorm';
import type { DeliveryQueue } from './delivery-queue.js';

type Schemas = components['schemas'];
export type DeliveryRecord = Schemas['DeliveryRecord'];
export type ReceiverState = Schemas['ReceiverState'];
export type DeliveryDetail = Schemas['DeliveryDetail'];

export interface DeliveryFilter {
  receiverId?: string;
  status?: 'pending' | 'delivered' | 'dead';
  ticketId?: string;
  limit: number;
  cursor?: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
/** How many of a receiver's newest delivered deliveries `lastSuccessAt` looks at (a late retry of an old one may be the latest). */
const LATEST_DELIVERED_SCAN = 100;

function toRecord(d: DeliveryEntity): DeliveryRecord {
  return omitAbsent({
    id: d.id,
    eventId: d.eventId ?? undefined,
    noticeId: d.noticeId ?? undefined,
    ticketId: d.ticketId ?? undefined,
    ticketVersion: d.ticketVersion ?? undefined,
    receiverId: d.receiverId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastError: d.lastError ?? undefined,
    deliveredAt: iso(d.deliveredAt),
    createdAt: d.createdAt.toISOString(),
  });
}

/**
 * The operators' view of the outbox (message trace): find a delivery, see
 * every attempt, retry one, replay a receiver's dead letters, pause and
 * resume a receiver.
 */
export class DeliveryAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: DeliveryQueue,
  ) {}

  async list(filter: DeliveryFilter): Promise<{ items: DeliveryRecord[]; nextCursor?: string }> {
    const qb = this.dataSource.manager
      .createQueryBuilder(DeliveryEntity, 'd')
      .orderBy('d.id', 'DESC')
      .take(filter.limit + 1);
    if (filter.receiverId) qb.andWhere('d.receiver_id = :receiverId', { receiverId: filter.receiverId });
    if (filter.status) qb.andWhere('d.status = :status', { status: filter.status });
    if (filter.ticketId) qb.andWhere('d.ticket_id = :ticketId', { ticketId: filter.ticketId });
    if (filter.cursor) qb.andWhere('d.id < :before', { before: decodeIdCursor(filter.cursor) });
    const rows = await qb.getMany();
    const page = rows.slice(0, filter.limit);
    const items = page.map(toRecord);
    return rows.length > filter.limit ? { items, nextCursor: encodeIdCursor(page[page.length - 1].id) } : { items };
  }

  async get(id: string): Promise<DeliveryDetail> {
    const delivery = await this.find(id);
    const attempts = await this.dataSource.manager.find(DeliveryAttemptEntity, { where: { deliveryId: id }, order: { attemptedAt: 'ASC', id: 'ASC' } });
    return {
      ...toRecord(delivery),
      history: attempts.map((a) =>
        omitAbsent({
          attemptedAt: a.attemptedAt.toISOString(),
          statusCode: a.statusCode ?? undefined,
          latencyMs: a.latencyMs,
          error: a.error ?? undefined,
          responseExcerpt: a.responseExcerpt ?? undefined,
        }),
      ),
    };
  }

  /** Sends a pending delivery now, or gives a dead letter a fresh schedule. Needs Redis: refused (503) while it is down. */
  async retry(id: string): Promise<DeliveryRecord> {
    const delivery = await this.find(id);
    if (delivery.status === 'delivered') throw new DomainError('illegal-transition', 'the delivery was delivered already', { allowed: [] });
    await this.queue.assertReachable();
    await this.dataSource.manager.update(
      DeliveryEntity,
      { id },
      { status: 'pending', attempts: delivery.status === 'dead' ? 0 : delivery.attempts, nextAttemptAt: new Date() },
    );
    await this.queue.ensure({ id, receiverId: delivery.receiverId }, true);
    return toRecord(await this.find(id));
  }

  /** Every dead letter of a receiver back to pending, oldest first (order per ticket holds). Needs Redis, like retry. */
  async replayDead(receiverId: string): Promise<number> {
    await this.receiver(receiverId);
    await this.queue.assertReachable();
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(
        `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()
          WHERE receiver_id = $1 AND status = 'dead' RETURNING id`,
        [receiverId],
      ),
    );
    // Redis answered just now; should it fail midway, the reconciler enqueues the rest (they are pending and due).
    for (const { id } of rows) await this.queue.ensure({ id, receiverId }, true).catch(() => undefined);
    return rows.length;
  }

  async state(receiverId: string): Promise<ReceiverState> {
    await this.receiver(receiverId);
    const health = await this.dataSource.manager.findOneBy(ReceiverHealthEntity, { receiverId });
    const counts: Array<{ status: string; n: number }> = await this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM deliveries WHERE receiver_id = $1 AND status IN ('pending','dead') GROUP BY status`,
      [receiverId],
    );
    const count = (status: string) => counts.find((c) => c.status === status)?.n ?? 0;
    // The worker writes no health row per healthy delivery (throughput), so the latest success is
    // read from the deliveries themselves: the newest delivered ones, along the receiver index.
    const [latest] = await this.dataSource.query<Array<{ at: Date | null }>>(
      `SELECT max(delivered_at) AS at FROM (SELECT delivered_at FROM deliveries WHERE receiver_id = $1 AND status = 'delivered'
          ORDER BY created_at DESC LIMIT ${LATEST_DELIVERED_SCAN}) newest`,
      [receiverId],
    );
    const lastSuccess = [health?.lastSuccessAt ?? null, latest?.at ?? null].reduce<Date | null>((a, b) => (!a || (b && b > a) ? b : a), null);
    return omitAbsent({
      receiverId,
      circuit: health?.circuit ?? 'closed',
      paused: health?.paused ?? false,
      consecutiveFailures: health?.consecutiveFailures ?? 0,
      nextProbeAt: iso(health?.nextProbeAt ?? null),
      lastSuccessAt: iso(lastSuccess),
      lastFailureAt: iso(health?.lastFailureAt ?? null),
      pending: count('pending'),
      dead: count('dead'),
    });
  }

  async setPaused(receiverId: string, paused: boolean): Promise<ReceiverState> {
    await this.receiver(receiverId);
    await this.dataSource.query(
      `INSERT INTO receiver_health (receiver_id, paused, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (receiver_id) DO UPDATE SET paused = $2, updated_at = now()`,
      [receiverId, paused],
    );
    if (!paused) {
      // Resume at once rather than at each waiting job's next look.
      const pending: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM deliveries WHERE receiver_id = $1 AND status = 'pending' LIMIT 1000`, [
        receiverId,
      ]);
      for (const { id } of pending) await this.queue.ensure({ id, receiverId }, true).catch(() => undefined);
    }
    return this.state(receiverId);
  }

  private async find(id: string): Promise<DeliveryEntity> {
    const delivery = await this.dataSource.manager.findOneBy(DeliveryEntity, { id });
    if (!delivery) throw new DomainError('not-found', `delivery ${id} does not exist`);
    return delivery;
  }

  private async receiver(id: string): Promise<void> {
    if (!(await this.dataSource.manager.existsBy(ParticipantEntity, { id }))) throw new DomainError('not-found', `participant ${id} is not registered`);
  }
}
