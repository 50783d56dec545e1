import { backoffDelayMs } from '@drehscheibe/availability';
import { verifyWebhook, WebhookVerificationError } from '@drehscheibe/webhooks';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { SimulatorHub } from './hub-client.js';
import { SimulatedParticipant, type Behaviour } from './simulated-participant.js';

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
    let verified;
    let keys: string[];
    try {
      keys = await hub.publicKeys();
    } catch (e) {
      // Cannot check the signature now (the hub is unreachable or starting): not a bad delivery, ask for it again.
      options.logger.warn({ err: (e as Error).message }, 'cannot fetch the hub keys; refusing the delivery for now');
      return reply.status(503).header('retry-after', '5').send({ error: 'the hub keys cannot be fetched now' });
    }
    try {
      verified = verifyWebhook(request.headers, request.body, { ed25519PublicKeys: keys });
    } catch (e) {
      if (!(e instanceof WebhookVerificationError) || e.reason !== 'no_matching_signature') {
        return reply.status(400).send({ error: (e as Error).message });
      }
      // The hub may have rotated its key: fetch the JWKS once more.
      try {
        verified = verifyWebhook(request.headers, request.body, { ed25519PublicKeys: await hub.publicKeys(true) });
      } catch (again) {
        return reply.status(401).send({ error: (again as Error).message });
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
        headers: Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(request.headers[h])])),
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

  app.get('/health', () => ({ status: 'ok', participants: [...participants.keys()] }));
  return { app, participants };
}

/** The challenge of an `endpoint.verification` body; undefined for anything else. */
function challengeOf(raw: string): string | undefined {
  try {
    const body = JSON.parse(raw) as { type?: unknown; challenge?: unknown };
    return body.type === 'endpoint.verification' && typeof body.challenge === 'string' ? body.challenge : undefined;
  } catch {
    return undefined;
  }
}
