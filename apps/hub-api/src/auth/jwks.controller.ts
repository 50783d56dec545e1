import type { SigningKey } from '@drehscheibe/security';
import { Controller, Get, Inject } from '@nestjs/common';
import type { JWK } from 'jose';
import { TOKEN_SIGNING_KEY, WEBHOOK_SIGNING_KEY } from '../core/tokens.js';
import { Public } from '../http/request-context.js';

/**
 * The hub's public keys, in two sets that share no key: a delivery must not
 * verify with a token key, nor a token or receipt with a webhook key.
 */
@Controller('.well-known')
export class JwksController {
  /** Public keys of access tokens and receipts. */
  private readonly tokenKeys: JWK[];
  /** Public keys of webhook deliveries. */
  private readonly webhookKeys: JWK[];

  constructor(@Inject(TOKEN_SIGNING_KEY) tokenKey: SigningKey, @Inject(WEBHOOK_SIGNING_KEY) webhookKey: SigningKey) {
    this.tokenKeys = [tokenKey.publicJwk];
    this.webhookKeys = [webhookKey.publicJwk];
  }

  @Public()
  @Get('jwks.json')
  jwks(): { keys: JWK[] } {
    return { keys: this.tokenKeys };
  }

  @Public()
  @Get('webhook-jwks.json')
  webhookJwks(): { keys: JWK[] } {
    return { keys: this.webhookKeys };
  }
}
