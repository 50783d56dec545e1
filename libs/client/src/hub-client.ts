import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '@drehscheibe/contracts';
import { TOKEN_PATH, TokenCache, type ClientCredentials } from './token-cache.js';

/** A typed client for the hub's API: `GET`, `POST`, … over the paths of the OpenAPI document. */
export type HubClient = Client<paths>;

/** Credentials, or a function that looks them up on each call (e.g. from a file that may change). */
export type CredentialSource = ClientCredentials | (() => ClientCredentials | Promise<ClientCredentials>);

export interface HubClientOptions {
  /** The hub's base URL, e.g. `https://hub.example.org`. */
  baseUrl: string;
  /** Sign every call (except the token request) with a bearer token for these credentials. */
  credentials?: CredentialSource;
  /** A token cache to share between clients; by default each client has its own. */
  tokens?: TokenCache;
  /** Middleware run on every call, the token request included (logging, checks). */
  middleware?: Middleware[];
  /** The fetch to use (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * Adds `Authorization: Bearer …` to every request, fetching the token from
 * `tokens`. Leaves the token request alone, and any request that already
 * carries an Authorization header.
 */
export function bearerAuth(tokens: TokenCache, credentials: CredentialSource): Middleware {
  return {
    async onRequest({ request, schemaPath }) {
      if (schemaPath === TOKEN_PATH || request.headers.has('authorization')) return undefined;
      const resolved = typeof credentials === 'function' ? await credentials() : credentials;
      request.headers.set('authorization', `Bearer ${await tokens.token(resolved)}`);
      return request;
    },
  };
}

/**
 * A typed client for the hub. Answers come back as openapi-fetch's
 * `{ data, error, response }`: `data` is the typed success body, `error` the
 * typed problem.
 *
 * ```ts
 * const hub = createHubClient({ baseUrl, credentials: { clientId, clientSecret } });
 * const { data: ticket, error } = await hub.POST('/v1/tickets', { body: { ... } });
 * ```
 */
export function createHubClient(options: HubClientOptions): HubClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  if (options.middleware?.length) client.use(...options.middleware);
  if (options.credentials) {
    const tokens = options.tokens ?? new TokenCache(createHubClient({ baseUrl: options.baseUrl, fetch: options.fetch, middleware: options.middleware }));
    client.use(bearerAuth(tokens, options.credentials));
  }
  return client;
}
