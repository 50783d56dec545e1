import type { components } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import { isUniqueViolation, OAuthClientEntity, OAuthClientKeyEntity, ParticipantEntity } from '@drehscheibe/persistence';
import { acceptClientPublicKey, InvalidClientKeyError, type ClientPublicKey } from '@drehscheibe/security';
import type { DataSource, EntityManager } from 'typeorm';

export type ClientKey = components['schemas']['ClientKey'];

/** At most this many keys per client: enough to rotate, few enough to try each on an assertion without a kid. */
export const MAX_CLIENT_KEYS = 5;

/** A key checked (acceptClientPublicKey); a 422 pointing at it when it is not acceptable. */
async function acceptClientKey(key: unknown, pointer: string): Promise<ClientPublicKey> {
  try {
    return await acceptClientPublicKey(key);
  } catch (e) {
    if (!(e instanceof InvalidClientKeyError)) throw e;
    throw new DomainError('invalid-client-key', e.message, { errors: [{ pointer, message: e.message }] });
  }
}

/** Each key checked, and no kid twice. */
export async function acceptClientKeys(keys: unknown[], pointer: string): Promise<ClientPublicKey[]> {
  const accepted: ClientPublicKey[] = [];
  for (const [i, key] of keys.entries()) accepted.push(await acceptClientKey(key, `${pointer}/${i}`));
  const kids = accepted.map((k) => k.kid);
  const twice = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (twice !== undefined) throw new DomainError('invalid-client-key', `two keys have the kid ${twice}`);
  return accepted;
}

export const toClientKeyView = (k: OAuthClientKeyEntity): ClientKey => ({
  kid: k.kid,
  jwk: k.jwk as ClientKey['jwk'],
  createdAt: k.createdAt.toISOString(),
});

/**
 * The public keys of a private_key_jwt client: list, add, remove. Removing a
 * key bumps the client's generation, so tokens obtained before (with any of
 * its keys: a token does not name the key) are refused within seconds.
 */
export class ClientKeyRegistry {
  constructor(private readonly dataSource: DataSource) {}

  async list(participantId: string, clientId: string): Promise<ClientKey[]> {
    await this.keyClient(this.dataSource.manager, participantId, clientId);
    const keys = await this.dataSource.manager.find(OAuthClientKeyEntity, { where: { clientId }, order: { createdAt: 'ASC', kid: 'ASC' } });
    return keys.map(toClientKeyView);
  }

  /** The client's registered public key with this kid (to verify a request signature), or null. */
  async publicKey(clientId: string, kid: string): Promise<Record<string, string> | null> {
    const key = await this.dataSource.manager.findOneBy(OAuthClientKeyEntity, { clientId, kid });
    return key?.jwk ?? null;
  }

  async add(participantId: string, clientId: string, jwk: unknown): Promise<ClientKey> {
    const key = await acceptClientKey(jwk, '/body');
    return this.dataSource.transaction(async (em) => {
      // Locks the client row: two additions at once cannot both pass the count.
      await this.keyClient(em, participantId, clientId, true);
      const count = await em.count(OAuthClientKeyEntity, { where: { clientId } });
      if (count >= MAX_CLIENT_KEYS) throw new DomainError('already-exists', `the client has ${MAX_CLIENT_KEYS} keys already; remove one first`);
      try {
        const [row] = (await em.insert(OAuthClientKeyEntity, { clientId, kid: key.kid, jwk: key.jwk })).generatedMaps as { createdAt: Date }[];
        return { kid: key.kid, jwk: key.jwk as ClientKey['jwk'], createdAt: row.createdAt.toISOString() };
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('already-exists', `the client has a key with kid ${key.kid} already`);
        throw e;
      }
    });
  }

  async remove(participantId: string, clientId: string, kid: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await this.keyClient(em, participantId, clientId, true);
      const { affected } = await em.delete(OAuthClientKeyEntity, { clientId, kid });
      if (!affected) throw new DomainError('not-found', `client ${clientId} has no key ${kid}`);
      await em.increment(OAuthClientEntity, { clientId }, 'secretGeneration', 1);
    });
  }

  private async keyClient(em: EntityManager, participantId: string, clientId: string, lock = false): Promise<OAuthClientEntity> {
    if (!(await em.existsBy(ParticipantEntity, { id: participantId }))) throw new DomainError('not-found', `participant ${participantId} is not registered`);
    const client = await em.findOne(OAuthClientEntity, { where: { clientId, participantId }, ...(lock ? { lock: { mode: 'pessimistic_write' } } : {}) });
    if (!client) throw new DomainError('not-found', `client ${clientId} of participant ${participantId} does not exist`);
    if (client.authMethod !== 'private_key_jwt') {
      throw new DomainError('wrong-auth-method', `client ${clientId} authenticates with ${client.authMethod}, not with keys`);
    }
    return client;
  }
}
