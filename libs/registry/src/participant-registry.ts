import { omitAbsent, type components } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import {
  IdentityProviderEntity,
  isUniqueViolation,
  OAuthClientEntity,
  OAuthClientKeyEntity,
  ParticipantEntity,
  RoutingRuleEntity,
  ServiceEntity,
  type DeliverySignatureScheme,
} from '@drehscheibe/persistence';
import { acceptClientKeys } from './client-keys.js';
import {
  DistinguishedName,
  EndpointNotAllowedError,
  EndpointPolicy,
  generateClientSecret,
  hashClientSecret,
  InvalidClientCertificateError,
} from '@drehscheibe/security';
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { DeliverySecrets } from './delivery-secrets.js';
import type { EndpointChanges } from './endpoint-changes.js';
import { HUB_PARTICIPANT_ID } from './hub-participant.js';
import type { ParticipantReferences } from './participant-references.js';
import { toParticipantView, type Participant } from './views.js';

type Schemas = components['schemas'];

/** Who is connected to the hub, and with which credentials. */
export class ParticipantRegistry {
  private readonly endpoints: EndpointPolicy;

  constructor(
    private readonly dataSource: DataSource,
    allowPrivateEndpoints: boolean,
    /** What other capabilities keep about participants (tickets, notices). */
    private readonly references: ParticipantReferences[] = [],
    /** Told about every new or changed delivery URL (delivery: circuit, backoff, handshake). */
    private readonly endpointChanges?: EndpointChanges,
    /** The secrets of participants whose deliveries are signed with one (HMAC, FIT-Connect). */
    private readonly deliverySecrets?: DeliverySecrets,
  ) {
    this.endpoints = new EndpointPolicy(allowPrivateEndpoints);
  }

  async list(): Promise<Participant[]> {
    const [participants, signing] = await Promise.all([
      this.dataSource.manager.find(ParticipantEntity, { order: { id: 'ASC' } }),
      this.deliverySecrets?.rows() ?? new Map<string, never>(),
    ]);
    return participants.map((p) => toParticipantView(p, signing.get(p.id) ?? null));
  }

  async get(id: string, newSecret?: string): Promise<Participant> {
    const entity = await this.find(id);
    return toParticipantView(entity, (await this.deliverySecrets?.rowOf(id)) ?? null, newSecret);
  }

  /** Sets the delivery signature scheme in `em`'s transaction; the secret it generated, if any, is for this one answer. */
  private async chooseSignature(em: EntityManager, id: string, scheme: DeliverySignatureScheme | undefined): Promise<{ changed: boolean; secret?: string }> {
    if (scheme === undefined) return { changed: false };
    if (!this.deliverySecrets) throw new Error('the registry was made without delivery secrets: no signature scheme can be chosen');
    return this.deliverySecrets.choose(em, id, scheme);
  }

  async register(input: Schemas['ParticipantCreate']): Promise<Participant> {
    if (input.id === HUB_PARTICIPANT_ID) throw new DomainError('already-exists', `participant id ${HUB_PARTICIPANT_ID} is reserved for the hub itself`);
    if (input.deliveryUrl) await this.checkEndpoint(input.deliveryUrl);
    const entity = this.dataSource.manager.create(ParticipantEntity, {
      id: input.id,
      name: input.name,
      kind: input.kind,
      level: input.level ?? 'state',
      land: input.land ?? null,
      status: 'active',
      deliveryUrl: input.deliveryUrl ?? null,
      contact: input.contact ?? null,
      rateLimit: input.rateLimit ?? null,
      requestSigning: input.requestSigning ?? 'optional',
    });
    let signature: { secret?: string } = {};
    try {
      await this.dataSource.transaction(async (em) => {
        await em.insert(ParticipantEntity, entity);
        signature = await this.chooseSignature(em, entity.id, input.deliverySignature?.scheme);
        if (entity.deliveryUrl) await this.endpointChanges?.changed(em, entity.id, entity.deliveryUrl);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('already-exists', `participant ${input.id} is registered already`);
      throw e;
    }
    if (entity.deliveryUrl) await this.endpointChanges?.committed(entity.id, entity.deliveryUrl);
    return this.get(input.id, signature.secret);
  }

  /** JSON Merge Patch: present members replace, null clears. */
  async update(id: string, patch: Schemas['ParticipantUpdate']): Promise<Participant> {
    const entity = await this.find(id);
    if (patch.deliveryUrl) await this.checkEndpoint(patch.deliveryUrl);
    if (patch.name !== undefined) entity.name = patch.name;
    if (patch.kind !== undefined) entity.kind = patch.kind;
    if (patch.level !== undefined) entity.level = patch.level;
    if (patch.land !== undefined) entity.land = patch.land;
    if (patch.status !== undefined) entity.status = patch.status;
    const urlChanged = patch.deliveryUrl !== undefined && patch.deliveryUrl !== entity.deliveryUrl;
    if (patch.deliveryUrl !== undefined) entity.deliveryUrl = patch.deliveryUrl;
    if (patch.contact !== undefined) entity.contact = patch.contact;
    if (patch.rateLimit !== undefined) entity.rateLimit = patch.rateLimit;
    if (patch.requestSigning !== undefined) entity.requestSigning = patch.requestSigning;
    let signature: { changed: boolean; secret?: string } = { changed: false };
    let restarted = false;
    await this.dataSource.transaction(async (em) => {
      if (urlChanged && entity.deliveryUrl) await this.refuseWithConnector(em, id);
      await em.save(entity);
      signature = await this.chooseSignature(em, id, patch.deliverySignature?.scheme);
      // A new endpoint starts afresh: no circuit or backoff from the old one, and a handshake before tickets flow.
      // So does a new signature scheme: deliveries wait until the receiver verifies it, instead of failing into dead letters.
      restarted = urlChanged || (signature.changed && entity.deliveryUrl !== null);
      if (restarted) await this.endpointChanges?.changed(em, id, entity.deliveryUrl);
    });
    if (restarted) await this.endpointChanges?.committed(id, entity.deliveryUrl);
    return this.get(id, signature.secret);
  }

  /**
   * A participant whose system a connector works gets no webhook endpoint:
   * the hub would write its events twice. Under the participant's row lock,
   * as the connector configuration checks the other way round.
   */
  private async refuseWithConnector(em: EntityManager, id: string): Promise<void> {
    await em.query(`SELECT 1 FROM participants WHERE id = $1 FOR UPDATE`, [id]);
    const [connector] = await em.query<unknown[]>(`SELECT 1 FROM connectors WHERE participant_id = $1`, [id]);
    if (connector) {
      throw new DomainError('participant-has-connector', `the hub works ${id}'s system through a connector; remove it before giving ${id} a delivery URL`, {
        errors: [{ pointer: '/body/deliveryUrl', message: 'the participant has a connector' }],
      });
    }
  }

  /**
   * Only a participant that was never involved can go: tickets and their
   * history must keep naming who took part. Suspend the others.
   */
  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.dataSource.transaction(async (em) => {
      const own: ParticipantReferences[] = [
        { name: 'services', count: (m, p) => m.count(ServiceEntity, { where: { operatorId: p } }) },
        { name: 'routingRules', count: (m, p) => m.count(RoutingRuleEntity, { where: { targetId: p } }) },
      ];
      const all = [...this.references, ...own];
      const counts = await Promise.all(all.map((r) => r.count(em, id)));
      if (counts.some((n) => n > 0)) {
        throw new DomainError('participant-in-use', `participant ${id} is still referenced; suspend it instead (PATCH status=suspended)`, {
          references: Object.fromEntries(all.map((r, i) => [r.name, counts[i]])),
        });
      }
      for (const r of all) await r.release?.(em, id);
      await em.delete(OAuthClientEntity, { participantId: id });
      await em.delete(ParticipantEntity, { id });
    });
  }

  /**
   * A new client: with a secret (shown once), with the public keys it signs
   * client assertions with (no secret at all), or mapped to an external
   * identity provider's tokens (no credentials at the hub).
   */
  async createClient(participantId: string, input: Partial<Schemas['ClientCreate']> = {}): Promise<Schemas['ClientCredentials']> {
    const scopes = input.scopes ?? ['tickets'];
    const authMethod = input.authMethod ?? 'client_secret';
    const misplaced =
      authMethod !== 'private_key_jwt' && input.jwks
        ? '/body/jwks'
        : authMethod !== 'identity_provider' && input.externalIdentity
          ? '/body/externalIdentity'
          : authMethod !== 'tls_client_auth' && input.tlsClientAuthSubjectDn !== undefined
            ? '/body/tlsClientAuthSubjectDn'
            : null;
    if (misplaced) throw new DomainError('wrong-auth-method', `${misplaced.slice(6)} does not go with authMethod ${authMethod}`);
    if (authMethod === 'private_key_jwt' && !input.jwks)
      throw new DomainError('invalid-client-key', 'a private_key_jwt client needs jwks with at least one public key');
    if (authMethod === 'identity_provider' && !input.externalIdentity) {
      throw new DomainError('unknown-identity-provider', 'an identity_provider client needs externalIdentity (providerId and subject)');
    }
    if (authMethod === 'tls_client_auth') checkSubjectDn(input.tlsClientAuthSubjectDn);
    await this.find(participantId);
    const keys = input.jwks ? await acceptClientKeys(input.jwks.keys, '/body/jwks/keys') : [];
    const clientId = `${participantId}-${randomBytes(4).toString('hex')}`;
    const clientSecret = authMethod === 'client_secret' ? generateClientSecret() : undefined;
    await this.dataSource.transaction(async (em) => {
      const external = input.externalIdentity;
      if (external && !(await em.existsBy(IdentityProviderEntity, { id: external.providerId }))) {
        throw new DomainError('unknown-identity-provider', `identity provider ${external.providerId} is not registered`);
      }
      try {
        await em.insert(OAuthClientEntity, {
          clientId,
          participantId,
          authMethod,
          secretHash: clientSecret ? await hashClientSecret(clientSecret) : null,
          identityProviderId: external?.providerId ?? null,
          externalSubject: external?.subject ?? null,
          tlsSubjectDn: input.tlsClientAuthSubjectDn ?? null,
          tlsBoundAccessTokens: input.tlsClientCertificateBoundAccessTokens ?? false,
          scopes,
          enabled: true,
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('already-exists', `a client is mapped to ${external?.subject} of ${external?.providerId} already`);
        throw e;
      }
      if (keys.length > 0)
        await em.insert(
          OAuthClientKeyEntity,
          keys.map((k) => ({ clientId, kid: k.kid, jwk: k.jwk })),
        );
    });
    return omitAbsent({ clientId, clientSecret, scopes, authMethod });
  }

  private async find(id: string): Promise<ParticipantEntity> {
    const entity = await this.dataSource.manager.findOneBy(ParticipantEntity, { id });
    if (!entity) throw new DomainError('not-found', `participant ${id} is not registered`);
    return entity;
  }

  private async checkEndpoint(url: string): Promise<void> {
    try {
      await this.endpoints.assertAllowed(url);
    } catch (e) {
      if (e instanceof EndpointNotAllowedError) {
        throw new DomainError('endpoint-not-allowed', e.message, { errors: [{ pointer: '/body/deliveryUrl', message: e.message }] });
      }
      // DNS failures: the name may exist later; the worker checks again before every delivery.
      throw new DomainError('endpoint-not-allowed', `the endpoint's host cannot be resolved (${(e as Error).message})`);
    }
  }
}

/** A tls_client_auth client's subject DN must be one the certificate's can be compared with (RFC 4514). */
function checkSubjectDn(dn: string | undefined): void {
  const pointer = '/body/tlsClientAuthSubjectDn';
  if (dn === undefined)
    throw new DomainError('invalid-subject-dn', 'a tls_client_auth client needs tlsClientAuthSubjectDn', { errors: [{ pointer, message: 'is required' }] });
  try {
    DistinguishedName.parse(dn);
  } catch (e) {
    if (!(e instanceof InvalidClientCertificateError)) throw e;
    throw new DomainError('invalid-subject-dn', `tlsClientAuthSubjectDn is not an RFC 4514 distinguished name: ${e.message}`, {
      errors: [{ pointer, message: e.message }],
    });
  }
}
