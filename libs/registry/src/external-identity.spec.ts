import { DomainError } from '@drehscheibe/domain';
import { EndpointPolicy } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import { mappedScopes } from './external-tokens.js';
import { IdentityProviderRegistry } from './identity-providers.js';

describe('mappedScopes', () => {
  it('gives a provider token its client’s scopes when the provider has no scope map', () => {
    expect(mappedScopes(['tickets', 'admin'], null, undefined)).toEqual(['tickets', 'admin']);
  });

  it('with a map, gives only mapped scopes the token names and the client holds', () => {
    const map = { 'dz-tickets': 'tickets', 'dz-admin': 'admin' };
    expect(mappedScopes(['tickets'], map, 'openid dz-tickets dz-admin')).toEqual(['tickets']);
    expect(mappedScopes(['tickets', 'admin'], map, ['dz-admin'])).toEqual(['admin']);
    expect(mappedScopes(['tickets'], map, 'openid profile')).toEqual([]);
    expect(mappedScopes(['tickets'], map, undefined)).toEqual([]);
    // Inherited names of a plain object are no mapping.
    expect(mappedScopes(['tickets'], map, 'constructor toString')).toEqual([]);
  });
});

describe('IdentityProviderRegistry.create', () => {
  it('refuses a JWKS URL on a link-local or loopback address before storing anything', async () => {
    // No database: the refusal must come before any write.
    const registry = new IdentityProviderRegistry({} as DataSource, new EndpointPolicy(false), 'drehscheibe');
    for (const jwksUrl of ['http://169.254.169.254/latest/meta-data', 'http://127.0.0.1:8080/jwks', 'http://[::1]/jwks']) {
      const refused = registry.create({ id: 'kc', issuer: 'https://kc.example', jwksUrl, audience: 'hub', subjectClaim: 'azp' });
      await expect(refused).rejects.toBeInstanceOf(DomainError);
      await expect(refused).rejects.toMatchObject({ code: 'endpoint-not-allowed' });
    }
  });
});
