import { Controller, Get, Inject } from '@nestjs/common';
import type { JWK } from 'jose';
import { Public } from '../http/request-context.js';

/** Public keys of access tokens and receipts. */
export const TOKEN_KEY_SET = Symbol('TokenKeySet');
/** Public keys of webhook deliveries. */
export const WEBHOOK_KEY_SET = Symbol('WebhookKeySet');

/**
 * The hub's public keys, in two sets that share no key: a delivery must not
 * verify with a token key, nor a token or receipt with a webhook key.
 */
@Controller('.well-known')
export class JwksController {
  constructor(
    @Inject(TOKEN_KEY_SET) private readonly tokenKeys: JWK[],
    @Inject(WEBHOOK_KEY_SET) private readonly webhookKeys: JWK[],
  ) {}

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
