import {
  OAuthClientEntity,
  OAuthClientKeyEntity,
  ParticipantEntity,
  poolOf,
  runPrepared,
  type PreparedStatement,
  type RequestSigningPolicy,
} from '@drehscheibe/persistence';
import {
  InvalidClientAssertionError,
  InvalidClientCertificateError,
  verifyClientAssertion,
  verifyClientSecret,
  type ClientAssertionRules,
  type ClientCertificate,
} from '@drehscheibe/security';
import { decodeJwt } from 'jose';
import type { DataSource } from 'typeorm';

/** What decides whether a client may act now; read per client at most once per cache period. */
export interface ClientStatus {
  participantId: string | null;
  enabled: boolean;
  /** False when the client's participant is suspended. Operator clients have none and are always true. */
  participantActive: boolean;
  secretGeneration: number;
  /** Epoch ms until which the previous secret (generation - 1) and its tokens are accepted; null: not at all. */
  previousSecretExpiresAt: number | null;
  /** The participant's own API rate limit (requests per window); null: the hub's default, or an operator client. */
  rateLimit: number | null;
  /** `required`: the participant's writes must carry a request signature; `optional` for operator clients. */
  requestSigning: RequestSigningPolicy;
}

/**
 * Why a token obtained with secret generation `tokenGeneration` must be
 * refused now, or null if it may act. `status` null: the client is gone.
 * `tokenGeneration` null: an external provider's token, which no rotation
 * at the hub ends.
 */
export function revocationReason(status: ClientStatus | null, tokenGeneration: number | null, now = Date.now()): string | null {
  if (!status) return 'its client was deleted';
  if (!status.enabled) return 'its client is disabled';
  if (!status.participantActive) return 'the participant of its client is suspended';
  if (tokenGeneration === null || tokenGeneration === status.secretGeneration) return null;
  if (tokenGeneration === status.secretGeneration - 1 && status.previousSecretExpiresAt !== null && status.previousSecretExpiresAt > now) return null;
  return 'the client secret it was obtained with was rotated';
}

const CLIENT_STATUS: PreparedStatement = {
  name: 'client_status',
  text: `SELECT c.participant_id, c.enabled, c.secret_generation, c.previous_secret_expires_at, p.status AS participant_status, p.rate_limit,
                p.request_signing
           FROM oauth_clients c LEFT JOIN participants p ON p.id = c.participant_id
          WHERE c.client_id = $1`,
};

interface StatusRow {
  participant_id: string | null;
  enabled: boolean;
  secret_generation: number;
  previous_secret_expires_at: Date | null;
  participant_status: string | null;
  rate_limit: number | null;
  request_signing: RequestSigningPolicy | null;
}

const MAX_ENTRIES = 10_000;

/**
 * Each replica's short memory of client states, so that checking every
 * request against revocation costs one query per client and period rather
 * than one per request. A change (suspension, disabling, deletion, rotation)
 * reaches every replica within `ttlMs`. Concurrent misses share one query.
 */
export class ClientStatusCache {
  private readonly entries = new Map<string, { loadedAt: number; status: Promise<ClientStatus | null> }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs: number,
  ) {}

  get(clientId: string): Promise<ClientStatus | null> {
    const now = Date.now();
    const entry = this.entries.get(clientId);
    if (entry && now - entry.loadedAt < this.ttlMs) return entry.status;
    const status = this.load(clientId);
    if (this.ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES && !entry) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(clientId, { loadedAt: now, status });
      // A failed read is not remembered: the next request asks again.
      status.catch(() => {
        if (this.entries.get(clientId)?.status === status) this.entries.delete(clientId);
      });
    }
    return status;
  }

  private async load(clientId: string): Promise<ClientStatus | null> {
    const [row] = await runPrepared<StatusRow>(poolOf(this.dataSource), CLIENT_STATUS, [clientId]);
    if (!row) return null;
    return {
      participantId: row.participant_id,
      enabled: row.enabled,
      participantActive: row.participant_id === null || row.participant_status === 'active',
      secretGeneration: row.secret_generation,
      previousSecretExpiresAt: row.previous_secret_expires_at?.getTime() ?? null,
      rateLimit: row.rate_limit,
      requestSigning: row.request_signing ?? 'optional',
    };
  }
}

export type ClientAuthentication =
  | { outcome: 'authenticated'; client: OAuthClientEntity; secretGeneration: number; secretExpiresAt: number | null }
  /** The secret was right, but the client may not act: say so plainly. */
  | { outcome: 'refused'; reason: string }
  /** Unknown client id or wrong secret, or an assertion that is not valid: a failed authentication. `reason` for assertions. */
  | { outcome: 'failed'; reason?: string };

/**
 * Remembers a client assertion's jti until it expires; false when it was
 * seen before. Shared by every API replica.
 */
export type AssertionReplayGuard = (clientId: string, jti: string, expiresAt: number) => Promise<boolean>;

/** The client id a client assertion claims to come from (`sub`, RFC 7523 3 B), unverified; null if it names none. */
export function assertionClientId(assertion: string): string | null {
  try {
    const { sub, iss } = decodeJwt(assertion);
    return typeof sub === 'string' && sub !== '' && sub.length <= 100 ? sub : typeof iss === 'string' && iss !== '' && iss.length <= 100 ? iss : null;
  } catch {
    return null;
  }
}

/**
 * Client id and secret → the client, as the token endpoint and the queue
 * board need it. The current secret is tried first; the previous one only
 * while its rotation overlap lasts.
 */
export class ClientAuthenticator {
  constructor(private readonly dataSource: DataSource) {}

  async authenticate(clientId: string, secret: string): Promise<ClientAuthentication> {
    const client = await this.dataSource.manager.findOneBy(OAuthClientEntity, { clientId });
    // A client without a secret has no secret to guess: any secret fails.
    if (!client?.secretHash) return { outcome: 'failed' };
    let secretGeneration: number;
    let secretExpiresAt: number | null = null;
    if (await verifyClientSecret(secret, client.secretHash)) {
      secretGeneration = client.secretGeneration;
    } else if (
      client.previousSecretHash &&
      client.previousSecretExpiresAt &&
      client.previousSecretExpiresAt.getTime() > Date.now() &&
      (await verifyClientSecret(secret, client.previousSecretHash))
    ) {
      secretGeneration = client.secretGeneration - 1;
      secretExpiresAt = client.previousSecretExpiresAt.getTime();
    } else {
      return { outcome: 'failed' };
    }
    return this.mayAct(client, secretGeneration, secretExpiresAt);
  }

  /**
   * A private_key_jwt client assertion (RFC 7523) → the client: signed with
   * one of its registered keys, addressed to the hub, short-lived, and its
   * jti never seen before (`replay`, checked last, so that only assertions
   * with a valid signature take up room there).
   */
  async authenticateAssertion(clientId: string, assertion: string, rules: ClientAssertionRules, replay: AssertionReplayGuard): Promise<ClientAuthentication> {
    const client = await this.dataSource.manager.findOneBy(OAuthClientEntity, { clientId });
    if (!client) return { outcome: 'failed' };
    if (client.authMethod !== 'private_key_jwt') return { outcome: 'failed', reason: 'this client does not authenticate with private_key_jwt' };
    const keys = await this.dataSource.manager.find(OAuthClientKeyEntity, { where: { clientId } });
    try {
      const { jti, expiresAt } = await verifyClientAssertion(
        assertion,
        clientId,
        keys.map((k) => k.jwk),
        rules,
      );
      if (!(await replay(clientId, jti, expiresAt))) return { outcome: 'failed', reason: 'the client assertion was used before (jti)' };
    } catch (e) {
      if (e instanceof InvalidClientAssertionError) return { outcome: 'failed', reason: e.message };
      throw e;
    }
    return this.mayAct(client, client.secretGeneration, null);
  }

  /**
   * `tls_client_auth` (RFC 8705 §2.1): the request's client certificate —
   * verified against the configured CA by the handshake or the proxy — has
   * the subject DN the client registered.
   */
  async authenticateCertificate(clientId: string, certificate: ClientCertificate | null): Promise<ClientAuthentication> {
    const client = await this.dataSource.manager.findOneBy(OAuthClientEntity, { clientId });
    if (!client) return { outcome: 'failed' };
    // Only an id, no secret: for other clients the same answer as a wrong secret.
    if (client.authMethod !== 'tls_client_auth' || !client.tlsSubjectDn) return { outcome: 'failed' };
    if (!certificate) return { outcome: 'failed', reason: 'tls_client_auth needs a TLS client certificate from the CA the hub trusts' };
    try {
      if (!certificate.hasSubject(client.tlsSubjectDn))
        return { outcome: 'failed', reason: 'the client certificate has another subject than the client registered' };
    } catch (e) {
      if (e instanceof InvalidClientCertificateError) return { outcome: 'failed', reason: e.message };
      throw e;
    }
    return this.mayAct(client, client.secretGeneration, null);
  }

  private async mayAct(client: OAuthClientEntity, secretGeneration: number, secretExpiresAt: number | null): Promise<ClientAuthentication> {
    if (!client.enabled) return { outcome: 'refused', reason: 'this client is disabled' };
    if (client.participantId) {
      const participant = await this.dataSource.manager.findOneBy(ParticipantEntity, { id: client.participantId });
      if (participant?.status !== 'active') return { outcome: 'refused', reason: 'the participant of this client is suspended' };
    }
    return { outcome: 'authenticated', client, secretGeneration, secretExpiresAt };
  }
}
