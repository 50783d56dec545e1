import { IdentityProviderEntity, OAuthClientEntity } from '@drehscheibe/persistence';
import { ExternalIssuer, InvalidTokenError, SCOPES, type EndpointPolicy, type ExternalIssuerOptions, type Principal, type Scope } from '@drehscheibe/security';
import { Agent } from 'undici';
import type { DataSource } from 'typeorm';

interface Provider {
  row: IdentityProviderEntity;
  issuer: ExternalIssuer;
}

/** What a provider's token maps to: the client its subject claim names. */
interface Mapping {
  clientId: string;
  participantId: string | null;
  scopes: string[];
}

/**
 * The scopes a provider's token gets: without a scope map, its client's; with
 * one, those the token's `scope` claim maps to that its client also holds.
 */
export function mappedScopes(clientScopes: string[], scopeMap: Record<string, string> | null, scopeClaim: unknown): Scope[] {
  const held = clientScopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
  if (!scopeMap) return held;
  const named = typeof scopeClaim === 'string' ? scopeClaim.split(' ') : Array.isArray(scopeClaim) ? scopeClaim : [];
  const mapped = new Set(named.filter((s): s is string => typeof s === 'string' && Object.hasOwn(scopeMap, s)).map((s) => scopeMap[s]));
  return held.filter((s) => mapped.has(s));
}

const MAX_MAPPINGS = 10_000;

/**
 * Access tokens of registered external identity providers, as the hub's API
 * accepts them: the provider found by the token's issuer, the token verified
 * with the provider's keys, and the client found by the provider's subject
 * claim. Providers and mappings are re-read at most every `cacheMs`; each
 * provider keeps its key set (and jose's cache of it) while its row is
 * unchanged. Whether the client may act (enabled, participant active) is the
 * caller's check, as for the hub's own tokens.
 */
export class ExternalTokenAuthenticator {
  private providers: { loadedAt: number; byIssuer: Promise<Map<string, Provider>> } | undefined;
  private readonly mappings = new Map<string, { loadedAt: number; mapping: Promise<Mapping | null> }>();
  private readonly agent: Agent;

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: EndpointPolicy,
    private readonly cacheMs: number,
    private readonly options: ExternalIssuerOptions,
  ) {
    this.agent = new Agent({ connect: { lookup: policy.lookup, timeout: options.timeoutMs } });
  }

  /** Whether `issuer` is a registered provider's (so the token is not the hub's own). */
  async knows(issuer: string): Promise<boolean> {
    return (await this.byIssuer()).has(issuer);
  }

  async authenticate(token: string, issuer: string): Promise<Principal> {
    const provider = (await this.byIssuer()).get(issuer);
    if (!provider) throw new InvalidTokenError('the access token is not valid');
    const claims = await provider.issuer.verify(token);
    const subject = claims[provider.row.subjectClaim];
    if (typeof subject !== 'string' || subject === '') {
      throw new InvalidTokenError(`the access token has no ${provider.row.subjectClaim} claim to find its client by`);
    }
    const mapping = await this.mapping(provider.row.id, subject);
    if (!mapping)
      throw new InvalidTokenError(`no client of the hub is mapped to this token (${provider.row.subjectClaim} of identity provider ${provider.row.id})`);
    return {
      clientId: mapping.clientId,
      participantId: mapping.participantId,
      scopes: mappedScopes(mapping.scopes, provider.row.scopeMap, claims.scope),
      secretGeneration: null,
    };
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private byIssuer(): Promise<Map<string, Provider>> {
    const now = Date.now();
    if (this.providers && now - this.providers.loadedAt < this.cacheMs) return this.providers.byIssuer;
    const previous = this.providers?.byIssuer;
    const byIssuer = this.loadProviders(previous);
    this.providers = { loadedAt: now, byIssuer };
    byIssuer.catch(() => {
      if (this.providers?.byIssuer === byIssuer) this.providers = undefined;
    });
    return byIssuer;
  }

  private async loadProviders(previous: Promise<Map<string, Provider>> | undefined): Promise<Map<string, Provider>> {
    const rows = await this.dataSource.manager.find(IdentityProviderEntity);
    const before = await previous?.catch(() => undefined);
    const byIssuer = new Map<string, Provider>();
    for (const row of rows) {
      const kept = before?.get(row.issuer);
      const same = kept && kept.row.id === row.id && kept.row.jwksUrl === row.jwksUrl && kept.row.audience === row.audience;
      byIssuer.set(row.issuer, {
        row,
        issuer: same ? kept.issuer : new ExternalIssuer(row.issuer, row.jwksUrl, row.audience, this.policy, this.agent, this.options),
      });
    }
    return byIssuer;
  }

  private mapping(providerId: string, subject: string): Promise<Mapping | null> {
    const key = `${providerId}\u0000${subject}`;
    const now = Date.now();
    const entry = this.mappings.get(key);
    if (entry && now - entry.loadedAt < this.cacheMs) return entry.mapping;
    const mapping = this.dataSource.manager
      .findOneBy(OAuthClientEntity, { identityProviderId: providerId, externalSubject: subject })
      .then((c) => (c ? { clientId: c.clientId, participantId: c.participantId, scopes: c.scopes } : null));
    if (this.cacheMs > 0) {
      if (this.mappings.size >= MAX_MAPPINGS && !entry) this.mappings.delete(this.mappings.keys().next().value!);
      this.mappings.set(key, { loadedAt: now, mapping });
      mapping.catch(() => {
        if (this.mappings.get(key)?.mapping === mapping) this.mappings.delete(key);
      });
    }
    return mapping;
  }
}
