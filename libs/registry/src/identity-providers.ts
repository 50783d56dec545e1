import type { components } from '@drehscheibe/contracts';
import { omitAbsent } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import { IdentityProviderEntity, isUniqueViolation } from '@drehscheibe/persistence';
import { EndpointNotAllowedError, type EndpointPolicy } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';

type Schemas = components['schemas'];
export type IdentityProvider = Schemas['IdentityProvider'];

export const toIdentityProviderView = (p: IdentityProviderEntity): IdentityProvider =>
  omitAbsent({
    id: p.id,
    issuer: p.issuer,
    jwksUrl: p.jwksUrl,
    audience: p.audience,
    subjectClaim: p.subjectClaim,
    scopeMap: (p.scopeMap ?? undefined) as IdentityProvider['scopeMap'],
    createdAt: p.createdAt.toISOString(),
  });

/**
 * External identity providers (a Land's Keycloak realm, say) whose access
 * tokens the hub accepts for the clients mapped to them. Their JWKS URL is
 * called by the hub, so it is held to the endpoint policy like a delivery URL.
 */
export class IdentityProviderRegistry {
  constructor(
    private readonly dataSource: DataSource,
    private readonly endpoints: EndpointPolicy,
    /** The hub's own token issuer: never an external one. */
    private readonly hubIssuer: string,
  ) {}

  async list(): Promise<IdentityProvider[]> {
    const all = await this.dataSource.manager.find(IdentityProviderEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
    return all.map(toIdentityProviderView);
  }

  async get(id: string): Promise<IdentityProvider> {
    return toIdentityProviderView(await this.find(id));
  }

  async create(input: Schemas['IdentityProviderCreate']): Promise<IdentityProvider> {
    if (input.issuer === this.hubIssuer) throw new DomainError('already-exists', `${input.issuer} is the hub's own token issuer`);
    try {
      await this.endpoints.assertAllowed(input.jwksUrl);
    } catch (e) {
      const message = e instanceof EndpointNotAllowedError ? e.message : `the JWKS URL's host cannot be resolved (${(e as Error).message})`;
      throw new DomainError('endpoint-not-allowed', message, { errors: [{ pointer: '/body/jwksUrl', message }] });
    }
    try {
      const [row] = (
        await this.dataSource.manager.insert(IdentityProviderEntity, {
          id: input.id,
          issuer: input.issuer,
          jwksUrl: input.jwksUrl,
          audience: input.audience,
          subjectClaim: input.subjectClaim ?? 'azp',
          scopeMap: input.scopeMap ?? null,
        })
      ).generatedMaps as { createdAt: Date }[];
      return toIdentityProviderView({ ...input, subjectClaim: input.subjectClaim ?? 'azp', scopeMap: input.scopeMap ?? null, createdAt: row.createdAt });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new DomainError('already-exists', `an identity provider with id ${input.id} or issuer ${input.issuer} is registered already`);
      throw e;
    }
  }

  /** Its mapped clients go with it (foreign key), and with them every token of the provider. */
  async remove(id: string): Promise<void> {
    const { affected } = await this.dataSource.manager.delete(IdentityProviderEntity, { id });
    if (!affected) throw new DomainError('not-found', `identity provider ${id} is not registered`);
  }

  private async find(id: string): Promise<IdentityProviderEntity> {
    const entity = await this.dataSource.manager.findOneBy(IdentityProviderEntity, { id });
    if (!entity) throw new DomainError('not-found', `identity provider ${id} is not registered`);
    return entity;
  }
}
