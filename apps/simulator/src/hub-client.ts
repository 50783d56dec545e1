import { createHubClient, TokenCache, type ClientCredentials, type HubClient } from '@drehscheibe/client';
import { jwkToPublicKey } from '@drehscheibe/webhooks';

/**
 * What a Land ticket system needs from the hub: a typed client per
 * participant (tokens fetched and renewed by `@drehscheibe/client`) and the
 * hub's webhook keys.
 */
export class SimulatorHub {
  private readonly tokens: TokenCache;
  private readonly clients = new Map<string, HubClient>();
  private readonly anonymous: HubClient;
  private keys: string[] = [];

  constructor(
    private readonly hubUrl: string,
    private readonly credentials: () => Record<string, ClientCredentials>,
  ) {
    this.anonymous = createHubClient({ baseUrl: hubUrl });
    this.tokens = new TokenCache(this.anonymous);
  }

  /** The client that calls as this participant; credentials are read on each call (the file may be rewritten). */
  as(participantId: string): HubClient {
    let client = this.clients.get(participantId);
    if (!client) {
      client = createHubClient({
        baseUrl: this.hubUrl,
        tokens: this.tokens,
        credentials: () => {
          const creds = this.credentials()[participantId];
          if (!creds) throw new Error(`no credentials for ${participantId}`);
          return creds;
        },
      });
      this.clients.set(participantId, client);
    }
    return client;
  }

  /**
   * The hub's webhook keys (whpk_…), from the webhook key set: deliveries are
   * verified with these only, never with the token keys of /.well-known/jwks.json.
   */
  async publicKeys(refresh = false): Promise<string[]> {
    if (this.keys.length > 0 && !refresh) return this.keys;
    const { data, response } = await this.anonymous.GET('/.well-known/webhook-jwks.json');
    if (!data) throw new Error(`JWKS request failed: HTTP ${response.status}`);
    this.keys = data.keys.filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519').map((k) => jwkToPublicKey(k));
    return this.keys;
  }
}
