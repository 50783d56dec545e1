import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider (the certified `oidc-provider` package) on a local
 * port, standing in for a Land's Keycloak: client-credentials clients get
 * JWT access tokens (ES256) for one resource server — the hub — over HTTP.
 */
export interface TestOpenIdProvider {
  issuer: string;
  jwksUrl: string;
  /** How often the key set was fetched (the hub's cache at work). */
  readonly jwksRequests: number;
  /** An access token for the client, as it would ask for one; `scope` '' asks for none. */
  token(clientId: string, clientSecret: string, scope?: string): Promise<string>;
  /** A new signing key: published first and used for new tokens; the old keys stay published. */
  rotateKey(): Promise<void>;
  close(): Promise<void>;
}

export interface TestOpenIdProviderOptions {
  /** The `aud` of its access tokens (the hub as resource server). */
  audience: string;
  /** The scope the hub's resource server offers. */
  scope: string;
  clients: { clientId: string; clientSecret: string }[];
}

/** The provider's storage for one test run: in memory, as its own development adapter, but without its warning on every start. */
function memoryAdapter() {
  const store = new Map<string, Record<string, unknown>>();
  return class MemoryAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    upsert(id: string, payload: Record<string, unknown>): Promise<void> {
      store.set(this.key(id), payload);
      return Promise.resolve();
    }
    find(id: string): Promise<Record<string, unknown> | undefined> {
      return Promise.resolve(store.get(this.key(id)));
    }
    findByUid(): Promise<undefined> {
      return Promise.resolve(undefined);
    }
    findByUserCode(): Promise<undefined> {
      return Promise.resolve(undefined);
    }
    consume(id: string): Promise<void> {
      const entry = store.get(this.key(id));
      if (entry) entry.consumed = Math.floor(Date.now() / 1000);
      return Promise.resolve();
    }
    destroy(id: string): Promise<void> {
      store.delete(this.key(id));
      return Promise.resolve();
    }
    revokeByGrantId(): Promise<void> {
      return Promise.resolve();
    }
  };
}

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `op-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, use: 'sig', alg: 'ES256' };
}

export async function startOpenIdProvider(options: TestOpenIdProviderOptions): Promise<TestOpenIdProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  let jwksRequests = 0;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) jwksRequests++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let keys: JWK[] = [await signingKey()];
  const adapter = memoryAdapter();

  const build = () => {
    const provider = new Provider(issuer, {
      clients: options.clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'ES256',
      })),
      jwks: { keys },
      adapter,
      ttl: { ClientCredentials: 300 },
      scopes: [options.scope],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.audience,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: options.scope, audience: options.audience, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
        },
      },
    });
    const callback = provider.callback();
    handler = (req, res) => void callback(req, res);
  };
  build();

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    get jwksRequests() {
      return jwksRequests;
    },
    async token(clientId, clientSecret, scope = options.scope) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!response.ok || !body.access_token) throw new Error(`the OpenID provider refused: ${response.status} ${body.error} ${body.error_description}`);
      return body.access_token;
    },
    async rotateKey() {
      keys = [await signingKey(), ...keys];
      build();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
