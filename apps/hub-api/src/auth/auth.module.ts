import type { HubConfig } from '@drehscheibe/config';
import { ClientAuthenticator, ClientStatusCache } from '@drehscheibe/registry';
import { AccessTokenService, type SigningKey } from '@drehscheibe/security';
import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, REDIS, TOKEN_SIGNING_KEY } from '../core/tokens.js';
import { BearerAuthentication, ClientSecretAuthentication } from './client-credentials.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { JwksController } from './jwks.controller.js';
import { OAuthController } from './oauth.controller.js';

/** Who is calling: the token endpoint, the public keys, and the two ways to authenticate (bearer token, client secret). */
@Module({
  controllers: [OAuthController, JwksController],
  providers: [
    {
      provide: AccessTokenService,
      useFactory: (key: SigningKey, config: HubConfig) => new AccessTokenService(key, config.auth.issuer, config.auth.tokenTtlSeconds),
      inject: [TOKEN_SIGNING_KEY, HUB_CONFIG],
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
    BearerAuthentication,
    ClientSecretAuthentication,
  ],
  exports: [BearerAuthentication, ClientSecretAuthentication],
})
export class AuthModule {}
