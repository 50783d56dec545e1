import type { Client } from 'openapi-fetch';
import type { paths } from '@drehscheibe/contracts';

/** The OAuth2 client credentials of one client of a participant. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The path of the token endpoint; requests to it never carry a bearer token. */
export const TOKEN_PATH = '/v1/oauth/token';

/** The token endpoint refused the credentials (or could not answer). */
export class TokenRequestError extends Error {
  constructor(
    readonly clientId: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`token for ${clientId}: HTTP ${status} ${JSON.stringify(body)}`);
    this.name = 'TokenRequestError';
  }
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Access tokens from the hub's token endpoint (OAuth2 client credentials,
 * form-encoded), cached per credential and fetched again shortly before they
 * expire. Concurrent callers with the same credential share one request.
 */
export class TokenCache {
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  /**
   * @param client a client for the hub without bearer authentication (the token request itself carries none)
   * @param renewBeforeMs fetch a new token when the cached one expires within this time
   */
  constructor(
    private readonly client: Client<paths>,
    private readonly renewBeforeMs = 30_000,
  ) {}

  /** A valid access token for these credentials; throws {@link TokenRequestError} when the hub refuses them. */
  async token(credentials: ClientCredentials): Promise<string> {
    const key = `${credentials.clientId}\n${credentials.clientSecret}`;
    const cached = this.tokens.get(key);
    if (cached) {
      const entry = await cached.catch(() => undefined);
      if (entry && entry.expiresAt > Date.now() + this.renewBeforeMs) return entry.token;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    let pending = this.tokens.get(key);
    if (!pending) {
      pending = this.request(credentials);
      this.tokens.set(key, pending);
      // A refused request is not cached: the next call asks again.
      void pending.catch(() => this.tokens.get(key) === pending && this.tokens.delete(key));
    }
    return (await pending).token;
  }

  /** Forgets every cached token (e.g. after the hub rotated its signing key). */
  clear(): void {
    this.tokens.clear();
  }

  private async request({ clientId, clientSecret }: ClientCredentials): Promise<CachedToken> {
    const { data, error, response } = await this.client.POST(TOKEN_PATH, {
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
    });
    if (!data) throw new TokenRequestError(clientId, response.status, error);
    return { token: data.access_token, expiresAt: Date.now() + data.expires_in * 1000 };
  }
}
