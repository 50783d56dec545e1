import { decodeIdCursor, encodeIdCursor, omitAbsent, type components } from '@drehscheibe/contracts';
import { DomainError, formatInstant } from '@drehscheibe/domain';
import type { DeliveryEntity, DeliveryStatus, ReceiverHealthEntity } from '@drehscheibe/persistence';
import { releasePending, type DeliveryQueue } from './delivery-queue.js';
import type { DeliveryStore } from './delivery-store.js';
import type { ReceiverHealthStore } from './receiver-health-store.js';

type Schemas = components['schemas'];
export type DeliveryRecord = Schemas['DeliveryRecord'];
export type ReceiverState = Schemas['ReceiverState'];
type EndpointState = Schemas['EndpointState'];
export type DeliveryDetail = Schemas['DeliveryDetail'];

export interface DeliveryFilter {
  receiverId?: string;
  status?: DeliveryStatus;
  ticketId?: string;
  limit: number;
  cursor?: string;
}

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
    nextAttemptAt: formatInstant(d.nextAttemptAt),
    lastError: d.lastError ?? undefined,
    deliveredAt: formatInstant(d.deliveredAt),
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
    private readonly deliveries: DeliveryStore,
    private readonly health: ReceiverHealthStore,
    private readonly queue: DeliveryQueue,
  ) {}

  async list(filter: DeliveryFilter): Promise<{ items: DeliveryRecord[]; nextCursor?: string }> {
    const { cursor, limit, ...where } = filter;
    const rows = await this.deliveries.list({ ...where, limit: limit + 1, beforeId: cursor ? decodeIdCursor(cursor) : undefined });
    const page = rows.slice(0, filter.limit);
    const items = page.map(toRecord);
    return rows.length > filter.limit ? { items, nextCursor: encodeIdCursor(page[page.length - 1].id) } : { items };
  }

  async get(id: string): Promise<DeliveryDetail> {
    const delivery = await this.find(id);
    const [attempts, message] = await Promise.all([this.deliveries.attempts(id), this.deliveries.message(id)]);
    return {
      ...toRecord(delivery),
      ...(message
        ? {
            message: omitAbsent({
              payload: message.payload,
              profileId: message.profileId ?? undefined,
              request: message.request ?? undefined,
            }) as DeliveryDetail['message'],
          }
        : {}),
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
    await this.deliveries.reschedule(delivery);
    await this.queue.ensure({ id, receiverId: delivery.receiverId }, true);
    return toRecord(await this.find(id));
  }

  /** Every dead letter of a receiver back to pending, oldest first (order per ticket holds). Needs Redis, like retry. */
  async replayDead(receiverId: string): Promise<number> {
    await this.receiver(receiverId);
    await this.queue.assertReachable();
    const ids = await this.deliveries.replayDead(receiverId);
    // Redis answered just now; should it fail midway, the reconciler enqueues the rest (they are pending and due).
    for (const id of ids) await this.queue.ensure({ id, receiverId }, true).catch(() => undefined);
    return ids.length;
  }

  async state(receiverId: string): Promise<ReceiverState> {
    const url = await this.receiver(receiverId);
    const [health, counts, latest] = await Promise.all([
      this.health.find(receiverId),
      this.deliveries.openCounts(receiverId),
      this.deliveries.latestSuccess(receiverId),
    ]);
    const count = (status: string) => counts.find((c) => c.status === status)?.count ?? 0;
    const lastSuccess = [health?.lastSuccessAt ?? null, latest].reduce<Date | null>((a, b) => (!a || (b && b > a) ? b : a), null);
    return omitAbsent({
      receiverId,
      circuit: health?.circuit ?? 'closed',
      paused: health?.paused ?? false,
      consecutiveFailures: health?.consecutiveFailures ?? 0,
      nextProbeAt: formatInstant(health?.nextProbeAt ?? null),
      lastSuccessAt: formatInstant(lastSuccess),
      lastFailureAt: formatInstant(health?.lastFailureAt ?? null),
      pending: count('pending'),
      dead: count('dead'),
      endpoint: url ? endpointState(url, health) : undefined,
    });
  }

  /**
   * A new handshake with the receiver's endpoint, run by the worker; the
   * answer shows it pending. Needs Redis, like retry: refused (503) while it
   * is down rather than left to the reconciler unseen.
   */
  async verifyEndpoint(receiverId: string): Promise<ReceiverState> {
    const url = await this.receiver(receiverId);
    if (!url) {
      throw new DomainError('endpoint-not-allowed', `participant ${receiverId} has no delivery endpoint to verify (it polls the feed)`);
    }
    await this.queue.assertReachable();
    const health = await this.health.find(receiverId);
    // A URL changed outside the API: the same fresh start as a change through it.
    if (health?.endpointUrl !== url) {
      await this.health.endpointChanged(receiverId, url);
      await this.deliveries.restartPending(receiverId);
    } else {
      await this.health.verifyAgain(receiverId);
    }
    await this.queue.requestVerification(receiverId);
    return this.state(receiverId);
  }

  async setPaused(receiverId: string, paused: boolean): Promise<ReceiverState> {
    await this.receiver(receiverId);
    await this.health.setPaused(receiverId, paused);
    if (!paused) await releasePending(this.deliveries, this.queue, receiverId);
    return this.state(receiverId);
  }

  private async find(id: string): Promise<DeliveryEntity> {
    const delivery = await this.deliveries.find(id);
    if (!delivery) throw new DomainError('not-found', `delivery ${id} does not exist`);
    return delivery;
  }

  /** The receiver's delivery URL (null: it has none); not-found when it is not registered. */
  private async receiver(id: string): Promise<string | null> {
    const url = await this.deliveries.receiverUrl(id);
    if (url === undefined) throw new DomainError('not-found', `participant ${id} is not registered`);
    return url;
  }
}

/** The endpoint as deliveries see it: a row about another URL (or none) means its handshake is still to come. */
function endpointState(url: string, health: ReceiverHealthEntity | null): EndpointState {
  if (health?.endpointUrl !== url || !health.verification) return { url, verification: 'pending' };
  return omitAbsent({
    url,
    verification: health.verification,
    checkedAt: formatInstant(health.verificationCheckedAt),
    error: health.verificationError ?? undefined,
  });
}
