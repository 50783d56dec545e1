import type { TokenResponse } from '@drehscheibe/contracts';
import { jwkToPublicKey } from '@drehscheibe/webhooks';

/** What a Land ticket system needs from the hub: a token, the hub's keys, and calls. */
export class HubClient {
  private tokens = new Map<string, { token: string; expiresAt: number }>();
  private keys: string[] = [];

  constructor(
    private readonly hubUrl: string,
    private readonly credentials: () => Record<string, { clientId: string; clientSecret: string }>,
  ) {}

  async token(participantId: string): Promise<string> {
    const cached = this.tokens.get(participantId);
    if (cached && cached.expiresAt > Date.now() + 30_000) return cached.token;
    const creds = this.credentials()[participantId];
    if (!creds) throw new Error(`no credentials for ${participantId}`);
    const response = await fetch(`${this.hubUrl}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret }).toString(),
    });
    if (!response.ok) throw new Error(`token request failed: HTTP ${response.status}`);
    const body = (await response.json()) as TokenResponse;
    this.tokens.set(participantId, { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 });
    return body.access_token;
  }

  /**
   * The hub's webhook keys (whpk_…), from the webhook key set: deliveries are
   * verified with these only, never with the token keys of /.well-known/jwks.json.
   */
  async publicKeys(refresh = false): Promise<string[]> {
    if (this.keys.length > 0 && !refresh) return this.keys;
    const response = await fetch(`${this.hubUrl}/.well-known/webhook-jwks.json`);
    if (!response.ok) throw new Error(`JWKS request failed: HTTP ${response.status}`);
    const { keys } = (await response.json()) as { keys: Array<{ kty: string; crv: string; x: string }> };
    this.keys = keys.filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519').map((k) => jwkToPublicKey(k));
    return this.keys;
  }

  async post(participantId: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.hubUrl}${path}`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${await this.token(participantId)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}
