import { backoffDelayMs } from '@drehscheibe/availability';
import { CallbackVerificationError, verifyCallback, verifyWebhook, WebhookVerificationError } from '@drehscheibe/webhooks';
import type { IncomingHttpHeaders } from 'node:http';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { SimulatorHub } from './hub-client.js';
import { SimulatedParticipant, type Behaviour, type SignatureCheck } from './simulated-participant.js';

/** How often a simulated system tries an acknowledgement while the hub is unavailable. */
const ACK_ATTEMPTS = 8;

export interface SimulatorOptions {
  hubUrl: string;
  participants: string[];
  credentials: () => Record<string, { clientId: string; clientSecret: string }>;
  autoAcknowledge: boolean;
  logger: Logger;
}

/**
 * Simulated Land ticket systems speaking the real protocol: they verify the
 * hub's signatures against its JWKS, drop duplicates by webhook-id, and a
 * simulated BeLa acknowledges forwarded tickets through the API.
 */
export function createSimulator(options: SimulatorOptions) {
  const hub = new SimulatorHub(options.hubUrl, options.credentials);
  const participants = new Map(options.participants.map((id) => [id, new SimulatedParticipant(id, { autoAcknowledge: options.autoAcknowledge })]));
  const app = Fastify({ loggerInstance: options.logger, disableRequestLogging: true });
  let externalCounter = 0;

  // Signatures cover the exact bytes, so keep the raw body.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const participantOr404 = (id: string) => participants.get(id);

  /** Standard Webhooks Ed25519 against the hub's JWKS; a failure is the answer to give. */
  const verifyWithHubKeys = async (
    headers: IncomingHttpHeaders,
    body: string,
  ): Promise<{ id: string; timestamp: number; version: string } | { status: number; error: string; headers?: Record<string, string> }> => {
    let keys: string[];
    try {
      keys = await hub.publicKeys();
    } catch (e) {
      // Cannot check the signature now (the hub is unreachable or starting): not a bad delivery, ask for it again.
      options.logger.warn({ err: (e as Error).message }, 'cannot fetch the hub keys; refusing the delivery for now');
      return { status: 503, headers: { 'retry-after': '5' }, error: 'the hub keys cannot be fetched now' };
    }
    try {
      return verifyWebhook(headers, body, { ed25519PublicKeys: keys });
    } catch (e) {
      if (!(e instanceof WebhookVerificationError) || e.reason !== 'no_matching_signature') return { status: 400, error: (e as Error).message };
      // The hub may have rotated its key: fetch the JWKS once more.
      try {
        return verifyWebhook(headers, body, { ed25519PublicKeys: await hub.publicKeys(true) });
      } catch (again) {
        return { status: 401, error: (again as Error).message };
      }
    }
  };

  /**
   * Acknowledges as a ticket system's outbound queue would: a hub that is
   * unreachable or answers 503 is tried again (after its Retry-After), a
   * few times; any other refusal is final. The same Idempotency-Key each
   * time, so an acknowledgement that got through once counts once.
   */
  const acknowledge = async (participant: SimulatedParticipant, ticketId: string, externalId: string): Promise<void> => {
    const headers = { 'idempotency-key': `ack-${ticketId}-${externalId}` };
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs = backoffDelayMs(attempt + 1);
      try {
        const { response: r } = await hub.as(participant.id).POST('/v1/tickets/{ticketId}/acknowledgement', {
          params: { path: { ticketId } },
          body: { externalId },
          headers,
        });
        if (r.ok) {
          participant.acknowledged += 1;
          return;
        }
        if (r.status !== 503) {
          options.logger.info({ ticketId, status: r.status }, 'auto-acknowledgement refused');
          return;
        }
        retryAfterMs = Number(r.headers.get('retry-after') ?? 0) * 1000 || retryAfterMs;
      } catch (e) {
        if (attempt >= ACK_ATTEMPTS) throw e;
      }
      if (attempt >= ACK_ATTEMPTS) throw new Error(`the hub was unavailable for ${ACK_ATTEMPTS} attempts`);
      await new Promise((r) => setTimeout(r, retryAfterMs));
    }
  };

  app.post<{ Params: { id: string }; Body: string }>('/participants/:id/webhook', async (request, reply) => {
    const participant = participantOr404(request.params.id);
    if (!participant) return reply.status(404).send({ error: 'unknown participant' });
    // The hub's endpoint handshake is answered whatever the simulated behaviour: it tests deliveries, not the registration.
    const challenge = challengeOf(request.body);
    if (challenge === undefined) {
      if (participant.behaviour.delayMs > 0) await new Promise((r) => setTimeout(r, participant.behaviour.delayMs));
      if (participant.shouldFail()) return reply.status(participant.behaviour.failStatus).send({ error: 'simulated failure' });
    }
    let verified: { id: string; timestamp: number; version: string };
    const check = participant.signature;
    if (check.scheme === 'standard-webhooks-ed25519') {
      const outcome = await verifyWithHubKeys(request.headers, request.body);
      if ('status' in outcome)
        return reply
          .status(outcome.status)
          .headers(outcome.headers ?? {})
          .send({ error: outcome.error });
      verified = outcome;
    } else {
      try {
        verified =
          check.scheme === 'standard-webhooks-hmac'
            ? verifyWebhook(request.headers, request.body, { hmacSecrets: check.secrets })
            : // FIT-Connect callbacks carry no delivery id: the event id is what the system drops duplicates by.
              {
                ...verifyCallback(request.headers, request.body, check.secrets),
                id: String((JSON.parse(request.body) as { id?: unknown }).id),
                version: 'fit-connect',
              };
      } catch (e) {
        if (!(e instanceof WebhookVerificationError || e instanceof CallbackVerificationError)) return reply.status(400).send({ error: (e as Error).message });
        return reply.status(401).send({ error: e.message });
      }
    }
    // Signed by the hub: prove the endpoint is ours by echoing the challenge.
    if (challenge !== undefined) return reply.status(200).send({ challenge });
    const body = JSON.parse(request.body) as {
      id: string;
      type: string;
      ticketId: string;
      ticketVersion: number;
      ticket?: { assignee?: { participantId?: string } };
    };
    const fresh = participant.receive({
      webhookId: verified.id,
      timestamp: verified.timestamp,
      receivedAt: new Date().toISOString(),
      signatureVersion: verified.version,
      raw: {
        body: request.body,
        headers: Object.fromEntries(SIGNATURE_HEADERS.filter((h) => request.headers[h] !== undefined).map((h) => [h, String(request.headers[h])])),
      },
      body,
    });
    if (fresh && participant.behaviour.autoAcknowledge && body.type === 'ticket.forwarded' && body.ticket?.assignee?.participantId === participant.id) {
      externalCounter += 1;
      const externalId = `SIM-${participant.id.toUpperCase()}-${externalCounter}`;
      // Acknowledge after answering, as a ticket system would from its own queue.
      setImmediate(() => {
        acknowledge(participant, body.ticketId, externalId).catch((e: unknown) =>
          options.logger.warn({ ticketId: body.ticketId, err: (e as Error).message }, 'auto-acknowledgement failed'),
        );
      });
    }
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string } }>('/participants/:id/deliveries', async (request, reply) => {
    const p = participantOr404(request.params.id);
    if (!p) return reply.status(404).send({ error: 'unknown participant' });
    return { items: p.deliveries, duplicates: p.duplicates, refused: p.refused, acknowledged: p.acknowledged };
  });

  app.delete<{ Params: { id: string } }>('/participants/:id/deliveries', async (request, reply) => {
    const p = participantOr404(request.params.id);
    if (!p) return reply.status(404).send({ error: 'unknown participant' });
    p.reset();
    return reply.status(204).send();
  });

  app.put<{ Params: { id: string }; Body: string }>('/participants/:id/behaviour', async (request, reply) => {
    const p = participantOr404(request.params.id);
    if (!p) return reply.status(404).send({ error: 'unknown participant' });
    const changes = JSON.parse(request.body || '{}') as Partial<Behaviour>;
    p.behaviour = { ...p.behaviour, ...changes };
    return p.behaviour;
  });

  // What an administrator configures at the receiver after the hub showed the delivery secret once.
  app.put<{ Params: { id: string }; Body: string }>('/participants/:id/signature', async (request, reply) => {
    const p = participantOr404(request.params.id);
    if (!p) return reply.status(404).send({ error: 'unknown participant' });
    const check = JSON.parse(request.body || '{}') as SignatureCheck;
    const schemes: SignatureCheck['scheme'][] = ['standard-webhooks-ed25519', 'standard-webhooks-hmac', 'fit-connect'];
    if (!schemes.includes(check.scheme)) return reply.status(400).send({ error: `scheme must be one of ${schemes.join(', ')}` });
    if (check.scheme !== 'standard-webhooks-ed25519' && (!Array.isArray(check.secrets) || check.secrets.length === 0)) {
      return reply.status(400).send({ error: 'secrets: at least one' });
    }
    p.signature = check;
    // Never echo the secrets.
    return { scheme: check.scheme };
  });

  app.get('/health', () => ({ status: 'ok', participants: [...participants.keys()] }));
  return { app, participants };
}

/** The headers a delivery is signed with, kept with each received delivery. */
const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'callback-timestamp', 'callback-authentication'];

/** The challenge of an `endpoint.verification` body; undefined for anything else. */
function challengeOf(raw: string): string | undefined {
  try {
    const body = JSON.parse(raw) as { type?: unknown; challenge?: unknown };
    return body.type === 'endpoint.verification' && typeof body.challenge === 'string' ? body.challenge : undefined;
  } catch {
    return undefined;
  }
}
