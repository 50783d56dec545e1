import type { HubConfig } from '@drehscheibe/config';
import { ClientAuthenticator, ClientStatusCache } from '@drehscheibe/registry';
import { AccessTokenService, type HubKeys } from '@drehscheibe/security';
import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { Logger } from '@drehscheibe/observability';
import { HUB_CONFIG, LOGGER, REDIS, TOKEN_KEYS } from '../core/tokens.js';
import { BearerAuthentication, ClientSecretAuthentication } from './client-credentials.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { JwksController } from './jwks.controller.js';
import { ParticipantRateLimiter } from './participant-rate-limiter.js';
import { OAuthController } from './oauth.controller.js';

/** Who is calling: the token endpoint, the public keys, the two ways to authenticate (bearer token, client secret), and the participants' rate limit. */
@Module({
  controllers: [OAuthController, JwksController],
  providers: [
    {
      provide: AccessTokenService,
      useFactory: (keys: HubKeys, config: HubConfig) => new AccessTokenService(keys.signing, config.auth.issuer, config.auth.tokenTtlSeconds, keys.all),
      inject: [TOKEN_KEYS, HUB_CONFIG],
    },
    {
      provide: ClientStatusCache,
      useFactory: (dataSource: DataSource, config: HubConfig) => new ClientStatusCache(dataSource, config.auth.clientCacheMs),
      inject: [DataSource, HUB_CONFIG],
    },
    { provide: ClientAuthenticator, useFactory: (dataSource: DataSource) => new ClientAuthenticator(dataSource), inject: [DataSource] },
    {
      provide: FailedAuthLimiter,
      useFactory: (redis: Redis, config: HubConfig) =>
        new FailedAuthLimiter(redis, config.queuePrefix, {
          perClient: config.auth.failuresPerClient,
          perSource: config.auth.failuresPerSource,
          windowSeconds: config.auth.failureWindowSeconds,
        }),
      inject: [REDIS, HUB_CONFIG],
    },
    {
      provide: ParticipantRateLimiter,
      useFactory: (redis: Redis, config: HubConfig, logger: Logger) =>
        new ParticipantRateLimiter(redis, config.queuePrefix, config.rateLimit, logger.child({ component: 'rate-limit' })),
      inject: [REDIS, HUB_CONFIG, LOGGER],
    },
    BearerAuthentication,
    ClientSecretAuthentication,
  ],
  exports: [BearerAuthentication, ClientSecretAuthentication, ParticipantRateLimiter, ClientStatusCache],
})
export class AuthModule {}
