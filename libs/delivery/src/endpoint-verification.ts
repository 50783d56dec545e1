import { retryDelayMs } from '@drehscheibe/availability';
import type { EndpointChanges } from '@drehscheibe/registry';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { DeliveryQueue } from './delivery-queue.js';
import type { DeliveryStore } from './delivery-store.js';
import type { DeliverySigning } from './delivery-signing.js';
import type { HealthSnapshot, ReceiverHealthStore } from './receiver-health-store.js';
import type { WebhookSender } from './webhook-sender.js';

/** The `type` of the challenge body. */
export const ENDPOINT_VERIFICATION_TYPE = 'endpoint.verification';

/** How soon a delivery looks again while its endpoint's handshake is pending (a success releases it at once anyway). */
const PENDING_RECHECK_MS = 1_000;

export type EndpointAdmission =
  /** Deliveries may go: the endpoint is verified (or there is none; the attempt then fails as before). */
  | { kind: 'open' }
  /** Not before the handshake: `unknown` when the receiver's row is not about this URL yet (changed outside the API, or never seen). */
  | { kind: 'wait'; until: Date; unknown: boolean };

/** Whether a delivery to `url` may be sent, judged from the receiver's row as the claim read it. */
export function endpointAdmission(url: string | null, health: HealthSnapshot | null, now = Date.now()): EndpointAdmission {
  if (!url) return { kind: 'open' };
  if (!health || health.endpointUrl !== url) return { kind: 'wait', until: new Date(now + PENDING_RECHECK_MS), unknown: true };
  if (health.verification === 'verified') return { kind: 'open' };
  const retryAt = health.nextVerificationAt?.getTime() ?? 0;
  const until = health.verification === 'failed' && retryAt > now ? retryAt : now + PENDING_RECHECK_MS;
  return { kind: 'wait', until: new Date(until), unknown: false };
}

/**
 * What a new or changed delivery URL sets off: the receiver's circuit and
 * its deliveries' backoff start afresh, and the new endpoint must pass a
 * handshake before deliveries flow. The registry calls it (its
 * `EndpointChanges` port) in the transaction that writes the URL; the
 * worker calls `noticed` for URLs changed by other means (the demo seed,
 * SQL).
 */
export class ReceiverEndpoints implements EndpointChanges {
  constructor(
    private readonly health: ReceiverHealthStore,
    private readonly deliveries: DeliveryStore,
    /** Absent where nothing is queued (the worker's processor): the reconciler or the caller asks for the handshake. */
    private readonly queue?: DeliveryQueue,
    private readonly logger?: Logger,
  ) {}

  async changed(em: EntityManager, participantId: string, url: string | null): Promise<void> {
    await this.health.endpointChanged(participantId, url, { runner: em });
    await this.deliveries.restartPending(participantId, em);
  }

  async committed(participantId: string, url: string | null): Promise<void> {
    if (!url || !this.queue) return;
    // Best effort: the row says `pending`, due now; the reconciler asks for the handshake should Redis miss this.
    await this.queue.requestVerification(participantId).catch((e: unknown) => {
      this.logger?.warn({ receiverId: participantId, err: (e as Error).message }, 'could not queue the endpoint handshake; the reconciler will');
    });
  }

  /** The participant's URL is not the one the receiver's row is about: the same fresh start. True when this call made it. */
  async noticed(participantId: string, url: string): Promise<boolean> {
    const changed = await this.health.endpointChanged(participantId, url, { onlyIfOther: true });
    if (changed) await this.deliveries.restartPending(participantId);
    return changed;
  }
}

export interface VerificationSettings {
  timeoutMs: number;
  /** The longest wait after a failed handshake; the first retry comes after about a second, each next after twice as long. */
  retryMs: number;
}

/** The first retry of a failed handshake: a receiver that was just starting (or could not reach the hub's keys yet) is soon verified. */
const FIRST_RETRY_MS = 1_000;

export type VerificationOutcome = 'verified' | 'failed' | 'skipped';

/**
 * The handshake: POSTs a signed `endpoint.verification` challenge (signed as
 * the receiver's deliveries are: Standard Webhooks or FIT-Connect headers)
 * and expects a 2xx answer that echoes it as `{"challenge": "…"}`. One
 * worker claims it at a time.
 */
export class EndpointVerifier {
  constructor(
    private readonly health: ReceiverHealthStore,
    private readonly sender: WebhookSender,
    private readonly signing: DeliverySigning,
    private readonly secrets: Pick<DeliveryStore, 'receiverSecret'>,
    private readonly settings: VerificationSettings,
    private readonly logger: Logger,
  ) {}

  async verify(receiverId: string): Promise<VerificationOutcome> {
    // The lease outlasts one attempt, so a worker that dies mid-handshake delays the next by little more.
    const claim = await this.health.claimVerification(receiverId, this.settings.timeoutMs + 5_000);
    if (!claim) return 'skipped';
    const { url } = claim;
    const challenge = randomBytes(24).toString('base64url');
    const body = JSON.stringify({ type: ENDPOINT_VERIFICATION_TYPE, participantId: receiverId, challenge, occurredAt: new Date().toISOString() });
    const headers = {
      ...this.signing.headers(await this.secrets.receiverSecret(receiverId), { id: randomUUID(), body }),
      'content-type': 'application/json',
      'user-agent': 'Drehscheibe-Hub/1',
    };
    const result = await this.sender.post(url, body, headers);
    const error = !result.ok ? (result.error ?? 'failed') : echoed(result.responseExcerpt) === challenge ? null : 'the answer does not echo the challenge';
    const retryInMs = retryDelayMs(claim.failures + 1, Math.min(FIRST_RETRY_MS, this.settings.retryMs), this.settings.retryMs);
    const recorded = await this.health.verificationDone(receiverId, url, error, retryInMs);
    if (!recorded) return 'skipped'; // the URL changed meanwhile: its own handshake decides
    if (error) {
      this.logger.warn({ receiverId, url, error, retryInMs }, 'endpoint verification failed: deliveries to it wait');
      return 'failed';
    }
    this.logger.info({ receiverId, url }, 'endpoint verified');
    return 'verified';
  }
}

function echoed(answer: string | null): unknown {
  try {
    return (JSON.parse(answer ?? '') as { challenge?: unknown } | null)?.challenge;
  } catch {
    return undefined;
  }
}
