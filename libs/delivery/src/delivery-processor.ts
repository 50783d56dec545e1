import { DeliveryAttemptEntity, DeliveryEntity, ParticipantEntity, ServiceNoticeEntity, TicketEventEntity } from '@drehscheibe/persistence';
import { toNoticeDelivery } from '@drehscheibe/notices';
import { toEventView } from '@drehscheibe/tickets';
import { signWebhook, type WebhookSigner } from '@drehscheibe/webhooks';
import type { HubMetrics } from '@drehscheibe/observability';
import type { Logger } from 'pino';
import { DataSource, LessThan } from 'typeorm';
import { retryDelayMs } from './backoff.js';
import { assertEndpointAllowed } from './endpoint-policy.js';
import type { ReceiverCircuit } from './receiver-circuit.js';
import type { ReceiverSlots } from './receiver-slots.js';

/** How soon a delivery that found its receiver's slots full looks again. */
const BUSY_RECHECK_MS = 200;
import { postWebhook, type SendResult } from './webhook-sender.js';

export interface DeliverySettings {
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  allowPrivateEndpoints: boolean;
}

/** Thrown for a failed attempt that will be retried; BullMQ waits until `retryAt`. */
export class DeliveryAttemptFailed extends Error {
  constructor(
    readonly retryAt: Date,
    reason: string,
  ) {
    super(reason);
    this.name = 'DeliveryAttemptFailed';
  }
}

export type ProcessOutcome =
  /** Not sent and no attempt used: try again at `until` (circuit open, paused, or no free slot). */
  | { kind: 'deferred'; until: Date; reason: 'paused' | 'circuit-open' | 'receiver-busy' }
  /** `ticketId` is null for service notices, which have no order to keep. */
  | { kind: 'delivered'; ticketId: string | null; receiverId: string }
  | { kind: 'dead'; ticketId: string | null; receiverId: string }
  /** An earlier event for the same ticket and receiver is still pending. */
  | { kind: 'blocked' }
  /** Already delivered, dead-lettered or unknown: a duplicate job. */
  | { kind: 'skipped' };

/**
 * Sends one delivery. PostgreSQL is the record: every attempt is stored, the
 * delivery row says what is pending, and the retry time comes from here.
 */
export class DeliveryProcessor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly signer: WebhookSigner,
    private readonly settings: DeliverySettings,
    private readonly logger: Logger,
    private readonly circuit: ReceiverCircuit,
    private readonly slots: ReceiverSlots,
    private readonly metrics?: HubMetrics,
  ) {}

  async process(deliveryId: string): Promise<ProcessOutcome> {
    const em = this.dataSource.manager;
    const delivery = await em.findOneBy(DeliveryEntity, { id: deliveryId });
    if (!delivery || delivery.status !== 'pending') return { kind: 'skipped' };
    // The slot first: a delivery that must wait anyway should cost no further queries.
    if (!this.slots.tryAcquire(delivery.receiverId)) {
      return { kind: 'deferred', until: new Date(Date.now() + BUSY_RECHECK_MS), reason: 'receiver-busy' };
    }
    try {
      if (delivery.ticketId !== null && delivery.ticketVersion !== null) {
        const earlier = await em.exists(DeliveryEntity, {
          where: { ticketId: delivery.ticketId, receiverId: delivery.receiverId, status: 'pending', ticketVersion: LessThan(delivery.ticketVersion) },
        });
        if (earlier) return { kind: 'blocked' };
      }
      const admission = await this.circuit.admit(delivery.receiverId);
      if (admission.kind === 'wait') return { kind: 'deferred', until: admission.until, reason: admission.reason };
      const [body, receiver] = await Promise.all([this.body(delivery), em.findOneByOrFail(ParticipantEntity, { id: delivery.receiverId })]);
      const result = await this.send(delivery, body, receiver);
      if (result.ok) {
        // Nothing to record when the circuit was closed without failures: spares a write per delivery.
        if (admission.probe || !admission.healthy) await this.circuit.succeeded(delivery.receiverId);
      }
      else if (await this.circuit.failed(delivery.receiverId)) {
        this.logger.warn({ receiverId: delivery.receiverId, probe: admission.probe }, 'receiver circuit open: deliveries wait for the next probe');
      }
      return await this.record(delivery, result);
    } finally {
      this.slots.release(delivery.receiverId);
    }
  }

  /** The delivered JSON: a ticket event with the ticket as of that event, or a service notice. */
  private async body(delivery: DeliveryEntity): Promise<string> {
    const em = this.dataSource.manager;
    if (delivery.eventId) {
      const event = await em.findOneByOrFail(TicketEventEntity, { id: delivery.eventId });
      return JSON.stringify({ ...toEventView(event), ticket: event.snapshot });
    }
    return JSON.stringify(toNoticeDelivery(await em.findOneByOrFail(ServiceNoticeEntity, { id: delivery.noticeId! })));
  }

  private async send(delivery: DeliveryEntity, body: string, receiver: ParticipantEntity): Promise<SendResult> {
    if (!receiver.deliveryUrl) {
      return { ok: false, statusCode: null, latencyMs: 0, error: 'the receiver has no delivery endpoint', responseExcerpt: null };
    }
    try {
      await assertEndpointAllowed(receiver.deliveryUrl, this.settings.allowPrivateEndpoints);
    } catch (e) {
      return { ok: false, statusCode: null, latencyMs: 0, error: (e as Error).message, responseExcerpt: null };
    }
    const headers = {
      ...signWebhook({ id: delivery.id, timestamp: Math.floor(Date.now() / 1000), body, signers: [this.signer] }),
      'content-type': 'application/json',
      'user-agent': 'Drehscheibe-Hub/1',
    };
    return postWebhook(receiver.deliveryUrl, body, headers, this.settings.timeoutMs);
  }

  private async record(delivery: DeliveryEntity, result: SendResult): Promise<ProcessOutcome> {
    const now = new Date();
    const attempts = delivery.attempts + 1;
    const dead = !result.ok && attempts >= this.settings.maxAttempts;
    const retryAt = new Date(now.getTime() + retryDelayMs(attempts, this.settings.backoffBaseMs, this.settings.backoffMaxMs));
    await this.dataSource.transaction(async (em) => {
      await em.insert(DeliveryAttemptEntity, {
        deliveryId: delivery.id,
        attemptedAt: now,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error,
        responseExcerpt: result.responseExcerpt,
      });
      await em.update(
        DeliveryEntity,
        { id: delivery.id, status: 'pending' },
        {
          attempts,
          status: result.ok ? 'delivered' : dead ? 'dead' : 'pending',
          deliveredAt: result.ok ? now : null,
          lastError: result.error,
          nextAttemptAt: result.ok || dead ? now : retryAt,
        },
      );
    });
    const context = { deliveryId: delivery.id, receiverId: delivery.receiverId, attempts, statusCode: result.statusCode, latencyMs: result.latencyMs };
    this.metrics?.deliveryAttempts.inc({ receiver: delivery.receiverId, outcome: result.ok ? 'delivered' : dead ? 'dead' : 'failed' });
    if (result.statusCode !== null) this.metrics?.deliveryLatency.observe({ receiver: delivery.receiverId }, result.latencyMs / 1000);
    if (result.ok) this.metrics?.deliveryAge.observe((now.getTime() - delivery.createdAt.getTime()) / 1000);
    if (result.ok) return { kind: 'delivered', ticketId: delivery.ticketId, receiverId: delivery.receiverId };
    if (dead) {
      this.logger.warn({ ...context, error: result.error }, 'delivery dead-lettered');
      return { kind: 'dead', ticketId: delivery.ticketId, receiverId: delivery.receiverId };
    }
    this.logger.info({ ...context, error: result.error, retryAt }, 'delivery attempt failed');
    throw new DeliveryAttemptFailed(retryAt, result.error ?? 'delivery failed');
  }

  /** The next pending delivery for the same ticket and receiver, to release it at once. */
  async successor(ticketId: string | null, receiverId: string): Promise<string | null> {
    if (ticketId === null) return null;
    const next = await this.dataSource.manager.findOne(DeliveryEntity, {
      select: { id: true },
      where: { ticketId, receiverId, status: 'pending' },
      order: { ticketVersion: 'ASC' },
    });
    return next?.id ?? null;
  }
}
