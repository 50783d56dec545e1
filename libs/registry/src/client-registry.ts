import type { components } from '@drehscheibe/contracts';
import { omitAbsent } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import { OAuthClientEntity, ParticipantEntity, rowsOf } from '@drehscheibe/persistence';
import { generateClientSecret, hashClientSecret } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';

type Schemas = components['schemas'];
export type Client = Schemas['Client'];
export type RotatedClientSecret = Schemas['RotatedClientSecret'];

/** The longest overlap a rotation may grant the previous secret: a week. */
/** The contract's limit too (SecretRotation.overlapSeconds); checked here for callers other than the API. */
const MAX_SECRET_OVERLAP_SECONDS = 7 * 24 * 3600;

/** `keyCount`: how many keys a private_key_jwt client has (ignored for the others). */
export function toClientView(c: OAuthClientEntity, keyCount = 0): Client {
  const previousValid = c.previousSecretExpiresAt && c.previousSecretExpiresAt.getTime() > Date.now();
  return omitAbsent({
    clientId: c.clientId,
    participantId: c.participantId!,
    scopes: c.scopes as Client['scopes'],
    enabled: c.enabled,
    secretGeneration: c.secretGeneration,
    secretRotatedAt: c.secretRotatedAt?.toISOString(),
    previousSecretExpiresAt: previousValid ? c.previousSecretExpiresAt!.toISOString() : undefined,
    createdAt: c.createdAt.toISOString(),
    authMethod: c.authMethod,
    keyCount: c.authMethod === 'private_key_jwt' ? keyCount : undefined,
    externalIdentity: c.identityProviderId && c.externalSubject ? { providerId: c.identityProviderId, subject: c.externalSubject } : undefined,
    tlsClientAuthSubjectDn: c.tlsSubjectDn ?? undefined,
    tlsClientCertificateBoundAccessTokens: c.tlsBoundAccessTokens || undefined,
  });
}

/**
 * A participant's OAuth clients over their lifetime: list, disable, delete,
 * rotate the secret. Every change here reaches tokens already issued through
 * the client's current state, which each request checks (ClientStatusCache).
 */
export class ClientRegistry {
  constructor(private readonly dataSource: DataSource) {}

  async list(participantId: string): Promise<Client[]> {
    await this.participant(participantId);
    const clients = await this.dataSource.manager.find(OAuthClientEntity, { where: { participantId }, order: { createdAt: 'ASC', clientId: 'ASC' } });
    const counts = await this.keyCounts(clients.map((c) => c.clientId));
    return clients.map((c) => toClientView(c, counts.get(c.clientId)));
  }

  async setEnabled(participantId: string, clientId: string, enabled: boolean): Promise<Client> {
    const client = await this.find(participantId, clientId);
    if (client.enabled !== enabled) await this.dataSource.manager.update(OAuthClientEntity, { clientId }, { enabled });
    return toClientView({ ...client, enabled }, (await this.keyCounts([clientId])).get(clientId));
  }

  private async keyCounts(clientIds: string[]): Promise<Map<string, number>> {
    if (clientIds.length === 0) return new Map();
    const rows = rowsOf<{ client_id: string; n: number }>(
      await this.dataSource.query(`SELECT client_id, count(*)::int AS n FROM oauth_client_keys WHERE client_id = ANY($1) GROUP BY client_id`, [clientIds]),
    );
    return new Map(rows.map((r) => [r.client_id, r.n]));
  }

  async remove(participantId: string, clientId: string): Promise<void> {
    const { affected } = await this.dataSource.manager.delete(OAuthClientEntity, { clientId, participantId });
    if (!affected) await this.find(participantId, clientId); // says which of the two is unknown
  }

  /**
   * A new secret. The previous one, and the tokens obtained with it, stay
   * valid for `overlapSeconds`; after that they fail by themselves (the
   * expiry is compared at every check, no job needed). One statement, so two
   * rotations at once cannot both keep the same previous secret.
   */
  async rotateSecret(participantId: string, clientId: string, overlapSeconds: number): Promise<RotatedClientSecret> {
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_SECRET_OVERLAP_SECONDS) {
      throw new RangeError(`overlapSeconds must be between 0 and ${MAX_SECRET_OVERLAP_SECONDS}`);
    }
    const client = await this.find(participantId, clientId);
    if (client.authMethod !== 'client_secret') {
      throw new DomainError('wrong-auth-method', `client ${clientId} authenticates with ${client.authMethod}: it has no secret to rotate`);
    }
    const clientSecret = generateClientSecret();
    const secretHash = await hashClientSecret(clientSecret);
    const rows = rowsOf<{ scopes: string[]; secret_generation: number; previous_secret_expires_at: Date | null }>(
      await this.dataSource.query(
        `UPDATE oauth_clients SET
           previous_secret_hash = CASE WHEN $3::int > 0 THEN secret_hash END,
           previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END,
           secret_hash = $4,
           secret_generation = secret_generation + 1,
           secret_rotated_at = now()
         WHERE client_id = $1 AND participant_id = $2
         RETURNING scopes, secret_generation, previous_secret_expires_at`,
        [clientId, participantId, overlapSeconds, secretHash],
      ),
    );
    if (rows.length === 0) throw new DomainError('not-found', `client ${clientId} of participant ${participantId} does not exist`);
    const [row] = rows;
    return omitAbsent({
      clientId,
      clientSecret,
      scopes: row.scopes,
      secretGeneration: row.secret_generation,
      previousSecretExpiresAt: row.previous_secret_expires_at?.toISOString(),
    });
  }

  private async find(participantId: string, clientId: string): Promise<OAuthClientEntity> {
    await this.participant(participantId);
    const client = await this.dataSource.manager.findOneBy(OAuthClientEntity, { clientId, participantId });
    if (!client) throw new DomainError('not-found', `client ${clientId} of participant ${participantId} does not exist`);
    return client;
  }

  private async participant(id: string): Promise<void> {
    if (!(await this.dataSource.manager.existsBy(ParticipantEntity, { id }))) throw new DomainError('not-found', `participant ${id} is not registered`);
  }
}
