import { Controller, Get, Inject } from '@nestjs/common';
import type { JWK } from 'jose';
import { Public } from '../http/request-context.js';

export const PUBLISHED_KEYS = Symbol('PublishedKeys');

/** The hub's public keys: token and receipt signing, webhook signing. */
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(PUBLISHED_KEYS) private readonly keys: JWK[]) {}

  @Public()
  @Get('jwks.json')
  jwks(): { keys: JWK[] } {
    return { keys: this.keys };
  }
}
