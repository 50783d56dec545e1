import { retryDelayMs } from '@drehscheibe/availability';
import type { HubMetrics } from '@drehscheibe/observability';
import { EndpointPolicy } from '@drehscheibe/security';
import type { Logger } from 'pino';
import type { ClaimedDelivery, DeliveryStore } from './delivery-store.js';
import type { DeliverySigning } from './delivery-signing.js';
import { endpointAdmission, EndpointVerifier, type ReceiverEndpoints } from './endpoint-verification.js';
import type { ReceiverCircuit } from './receiver-circuit.js';
import type { ReceiverHealthStore } from './receiver-health-store.js';
import type { ReceiverSlots } from './receiver-slots.js';
import { WebhookSender, type SendResult } from './webhook-sender.js';

/** How long a job waits in-process for a slot of its receiver before it is put back. */
const SLOT_WAIT_MS = 1_000;
/** How soon a delivery that found its receiver's slots full looks again. */
const BUSY_RECHECK_MS = 500;

export interface DeliverySettings {
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  allowPrivateEndpoints: boolean;
}

/**
 * What a participant's system answered to a native request (rendered by its
 * mapping profile): the port through which the profile reads it, e.g. the
 * system's own ticket number. The worker wires it; it throws when the
 * answer cannot be applied (the request was sent all the same).
 */
export interface NativeAnswers {
  received(answer: {
    deliveryId: string;
    receiverId: string;
    ticketId: string | null;
    profileId: string;
    requestName: string;
    body: string | undefined;
  }): Promise<void>;
}

/** The token a native request's path carries for the receiver's own ticket number, filled when sending. */
const EXTERNAL_ID_TOKEN = '{externalId}';

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
  /**
   * Not sent and no attempt used: try again at `until` (circuit open, paused,
   * no free slot, or the endpoint not verified yet). `verify`: the receiver
   * whose endpoint is new to the worker; ask for its handshake.
   */
  | { kind: 'deferred'; until: Date; reason: 'paused' | 'circuit-open' | 'receiver-busy' | 'endpoint-unverified'; verify?: string }
  /** Finished; `successor` is the next pending delivery for the same ticket and receiver, to release now. */
  | { kind: 'delivered' | 'dead'; receiverId: string; successor: { id: string; receiverId: string } | null }
  /** An earlier event for the same ticket and receiver is still pending. */
  | { kind: 'blocked' }
  /** Already delivered, dead-lettered or unknown: a duplicate job. */
  | { kind: 'skipped' };

/**
 * Sends one delivery. PostgreSQL is the record: every attempt is stored, the
 * delivery row says what is pending, and the retry time comes from here.
 * A healthy delivery costs two statements: one read (delivery, event,
 * endpoint, circuit and ordering check) and one write (attempt and state).
 */
export class DeliveryProcessor {
  private readonly sender: WebhookSender;

  constructor(
    private readonly store: DeliveryStore,
    /** Signs each attempt as its receiver verifies (the hub's key, or the receiver's secret). */
    private readonly signing: DeliverySigning,
    private readonly settings: DeliverySettings,
    private readonly logger: Logger,
    private readonly circuit: ReceiverCircuit,
    private readonly slots: ReceiverSlots,
    private readonly endpoints: ReceiverEndpoints,
    private readonly metrics?: HubMetrics,
    private readonly answers?: NativeAnswers,
  ) {
    this.sender = new WebhookSender(new EndpointPolicy(settings.allowPrivateEndpoints), settings.timeoutMs);
  }

  /** Closes the kept-alive connections to receivers. */
  close(): Promise<void> {
    return this.sender.close();
  }

  /** The handshake with new endpoints, over the same connections and signing as deliveries. */
  verifier(health: ReceiverHealthStore, retryMs: number): EndpointVerifier {
    return new EndpointVerifier(health, this.sender, this.signing, this.store, { timeoutMs: this.settings.timeoutMs, retryMs }, this.logger);
  }

  /** `receiverId` comes with the job; jobs queued before it did cost one lookup. */
  async process(deliveryId: string, receiverId?: string): Promise<ProcessOutcome> {
    const receiver = receiverId ?? (await this.store.receiverOf(deliveryId));
    if (receiver === null) return { kind: 'skipped' };
    // The slot first: a delivery that must wait anyway should cost no query.
    if (!(await this.slots.acquire(receiver, SLOT_WAIT_MS))) {
      this.metrics?.deliveryDeferrals.inc({ receiver, reason: 'receiver-busy' });
      return { kind: 'deferred', until: new Date(Date.now() + BUSY_RECHECK_MS), reason: 'receiver-busy' };
    }
    try {
      const delivery = await this.store.claim(deliveryId);
      if (!delivery || delivery.status !== 'pending') return { kind: 'skipped' };
      if (delivery.blocked) return { kind: 'blocked' };
      const request = delivery.native?.request;
      if (request && 'error' in request) {
        // The profile could not render the event: nothing to send, and retrying renders nothing new.
        const error = `mapping failed (${request.error.code} at ${request.error.pointer}): ${request.error.message}`;
        return await this.record(delivery, { ok: false, statusCode: null, latencyMs: 0, error, responseExcerpt: null }, true);
      }
      // Not to an endpoint that has not answered its challenge (a pause is the circuit's to report). A system
      // spoken to through a mapping profile cannot answer one; the administrator who activated the profile vouched for it.
      const endpoint = delivery.health?.paused || request ? { kind: 'open' as const } : endpointAdmission(delivery.deliveryUrl, delivery.health);
      if (endpoint.kind === 'wait') {
        const fresh = endpoint.unknown && (await this.endpoints.noticed(delivery.receiverId, delivery.deliveryUrl!));
        this.metrics?.deliveryDeferrals.inc({ receiver: delivery.receiverId, reason: 'endpoint-unverified' });
        return { kind: 'deferred', until: endpoint.until, reason: 'endpoint-unverified', verify: fresh ? delivery.receiverId : undefined };
      }
      const admission = await this.circuit.admit(delivery.receiverId, delivery.health);
      if (admission.kind === 'wait') {
        this.metrics?.deliveryDeferrals.inc({ receiver: delivery.receiverId, reason: admission.reason });
        return { kind: 'deferred', until: admission.until, reason: admission.reason };
      }
      const result = await this.send(delivery, delivery.payload);
      if (result.ok) {
        // Nothing to record when the circuit was closed without failures: spares a write per delivery
        // (the receiver's last success is read from its deliveries, see DeliveryAdmin.state).
        if (admission.probe || !admission.healthy) await this.circuit.succeeded(delivery.receiverId);
      } else if (await this.circuit.failed(delivery.receiverId)) {
        this.logger.warn({ receiverId: delivery.receiverId, probe: admission.probe }, 'receiver circuit open: deliveries wait for the next probe');
      }
      return await this.record(delivery, result);
    } finally {
      this.slots.release(receiver);
    }
  }

  private async send(delivery: ClaimedDelivery, body: string): Promise<SendResult> {
    const failed = (error: string): SendResult => ({ ok: false, statusCode: null, latencyMs: 0, error, responseExcerpt: null });
    if (!delivery.deliveryUrl) return failed('the receiver has no delivery endpoint');
    // Signed now, at each attempt: the timestamp is the send time, so a retry is signed anew.
    const headers = {
      ...this.signing.headers(delivery.secret, { id: delivery.id, body }),
      'content-type': 'application/json',
      'user-agent': 'Drehscheibe-Hub/1',
    };
    const native = delivery.native;
    if (!native || 'error' in native.request) return this.sender.post(delivery.deliveryUrl, body, headers);
    const { request } = native;
    let path = request.path;
    if (path.includes(EXTERNAL_ID_TOKEN)) {
      // Known once the system answered an earlier request (ordered per ticket and receiver); until then, retry.
      if (!native.receiverExternalId) return failed(`the receiver's own ticket number is not known yet (path ${request.path})`);
      path = path.replaceAll(EXTERNAL_ID_TOKEN, encodeURIComponent(native.receiverExternalId));
    }
    const url = delivery.deliveryUrl.replace(/\/+$/, '') + path;
    const result = await this.sender.send({
      method: request.method,
      url,
      body,
      headers: { ...request.headers, ...headers },
      keepBody: this.answers !== undefined,
    });
    if (result.ok && this.answers) {
      try {
        await this.answers.received({
          deliveryId: delivery.id,
          receiverId: delivery.receiverId,
          ticketId: delivery.ticketId,
          profileId: native.profileId,
          requestName: request.name,
          body: result.body,
        });
      } catch (e) {
        // Sent is sent: retrying would repeat the write in the system. The attempt keeps why the answer was not applied.
        const reason = e instanceof Error ? e.message : String(e);
        this.logger.warn({ deliveryId: delivery.id, receiverId: delivery.receiverId, error: reason }, 'native answer not applied');
        return { ...result, error: `answer not applied: ${reason}`.slice(0, 1000) };
      }
    }
    return result;
  }

  private async record(delivery: ClaimedDelivery, result: SendResult, final = false): Promise<ProcessOutcome> {
    const now = new Date();
    const attempts = delivery.attempts + 1;
    const dead = !result.ok && (final || attempts >= this.settings.maxAttempts);
    const retryAt = new Date(now.getTime() + retryDelayMs(attempts, this.settings.backoffBaseMs, this.settings.backoffMaxMs));
    const status = result.ok ? 'delivered' : dead ? 'dead' : 'pending';
    const { successor } = await this.store.record({
      deliveryId: delivery.id,
      attemptedAt: now,
      result,
      attempts,
      status,
      nextAttemptAt: status === 'pending' ? retryAt : now,
    });
    const { receiverId } = delivery;
    const context = { deliveryId: delivery.id, receiverId, attempts, statusCode: result.statusCode, latencyMs: result.latencyMs };
    this.metrics?.deliveryAttempts.inc({ receiver: receiverId, outcome: status === 'pending' ? 'failed' : status });
    if (result.statusCode !== null) this.metrics?.deliveryLatency.observe({ receiver: receiverId }, result.latencyMs / 1000);
    if (result.ok) this.metrics?.deliveryAge.observe((now.getTime() - delivery.createdAt.getTime()) / 1000);
    const next = successor ? { id: successor, receiverId } : null;
    if (result.ok) return { kind: 'delivered', receiverId, successor: next };
    if (dead) {
      this.logger.warn({ ...context, error: result.error }, 'delivery dead-lettered');
      return { kind: 'dead', receiverId, successor: next };
    }
    this.logger.info({ ...context, error: result.error, retryAt }, 'delivery attempt failed');
    throw new DeliveryAttemptFailed(retryAt, result.error ?? 'delivery failed');
  }
}
