import type { HubKeys } from '@drehscheibe/security';
import { Controller, Get, Inject } from '@nestjs/common';
import type { JWK } from 'jose';
import { TOKEN_KEYS, WEBHOOK_KEYS } from '../core/tokens.js';
import { Public } from '../http/request-context.js';

/**
 * The hub's public keys, in two sets that share no key: a delivery must not
 * verify with a token key, nor a token or receipt with a webhook key. Each
 * set holds the signing key and the published ones (the next key ahead of a
 * rotation, retired keys while what they signed must still verify).
 */
@Controller('.well-known')
export class JwksController {
  constructor(
    @Inject(TOKEN_KEYS) private readonly tokenKeys: HubKeys,
    @Inject(WEBHOOK_KEYS) private readonly webhookKeys: HubKeys,
  ) {}

  /** Public keys of access tokens, receipts and audit checkpoints. */
  @Public()
  @Get('jwks.json')
  jwks(): { keys: JWK[] } {
    return { keys: this.tokenKeys.jwks };
  }

  /** Public keys of webhook deliveries. */
  @Public()
  @Get('webhook-jwks.json')
  webhookJwks(): { keys: JWK[] } {
    return { keys: this.webhookKeys.jwks };
  }
}
