import type { HubConfig } from '@drehscheibe/config';
import { ClientAuthenticator, ClientKeyRegistry, ClientStatusCache, ExternalTokenAuthenticator } from '@drehscheibe/registry';
import { AccessTokenService, EndpointPolicy, RequestSignatureVerifier, type HubKeys } from '@drehscheibe/security';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { Logger } from '@drehscheibe/observability';
import { HUB_CONFIG, LOGGER, REDIS, TOKEN_KEYS } from '../core/tokens.js';
import { redisAssertionReplayGuard, redisSignatureReplayGuard } from './assertion-replay.js';
import { ClientCertificates } from './client-certificates.js';
import { RequestSignatures } from './request-signatures.js';
import { BearerAuthentication, CLIENT_ASSERTIONS, ClientSecretAuthentication, type ClientAssertionPolicy } from './client-credentials.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { JwksController } from './jwks.controller.js';
import { ParticipantRateLimiter } from './participant-rate-limiter.js';
import { OAuthController } from './oauth.controller.js';

/** Clock skew allowed on client assertions (exp, iat). */
const ASSERTION_CLOCK_TOLERANCE_SECONDS = 30;
/** How far a request signature's iat may be from the hub's clock. */
const SIGNATURE_MAX_SKEW_SECONDS = 300;
/** How long fetching an identity provider's key set may take. */
const PROVIDER_JWKS_TIMEOUT_MS = 5_000;

/**
 * Who is calling: the token endpoint, the public keys, and the ways to
 * authenticate (bearer token of the hub or of a registered identity
 * provider; client secret or private_key_jwt client assertion), and the
 * participants' rate limit.
 */
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
      provide: CLIENT_ASSERTIONS,
      useFactory: (redis: Redis, config: HubConfig): ClientAssertionPolicy => ({
        rules: {
          // The token endpoint's URL is what RFC 7523 asks for; the issuer is what many client libraries send.
          audiences: [`${config.http.publicUrl.replace(/\/$/, '')}/v1/oauth/token`, config.auth.issuer],
          maxLifetimeSeconds: config.auth.assertionMaxLifetimeSeconds,
          clockToleranceSeconds: ASSERTION_CLOCK_TOLERANCE_SECONDS,
        },
        replay: redisAssertionReplayGuard(redis, config.queuePrefix),
      }),
      inject: [REDIS, HUB_CONFIG],
    },
    {
      provide: ExternalTokenAuthenticator,
      useFactory: (dataSource: DataSource, config: HubConfig) =>
        new ExternalTokenAuthenticator(dataSource, new EndpointPolicy(config.delivery.allowPrivateEndpoints), config.auth.clientCacheMs, {
          cooldownMs: config.auth.providerJwksCooldownMs,
          cacheMaxAgeMs: config.auth.providerJwksMaxAgeMs,
          timeoutMs: PROVIDER_JWKS_TIMEOUT_MS,
        }),
      inject: [DataSource, HUB_CONFIG],
    },
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
    {
      provide: RequestSignatureVerifier,
      useFactory: (redis: Redis, config: HubConfig) =>
        new RequestSignatureVerifier({ maxSkewSeconds: SIGNATURE_MAX_SKEW_SECONDS, replay: redisSignatureReplayGuard(redis, config.queuePrefix) }),
      inject: [REDIS, HUB_CONFIG],
    },
    // Its own instance (stateless): the registry module's belongs to the admin API.
    { provide: ClientKeyRegistry, useFactory: (dataSource: DataSource) => new ClientKeyRegistry(dataSource), inject: [DataSource] },
    RequestSignatures,
    BearerAuthentication,
    ClientSecretAuthentication,
    ClientCertificates,
  ],
  exports: [BearerAuthentication, ClientSecretAuthentication, ParticipantRateLimiter, ClientStatusCache, ClientCertificates, RequestSignatures],
})
export class AuthModule implements OnApplicationShutdown {
  constructor(private readonly external: ExternalTokenAuthenticator) {}

  async onApplicationShutdown(): Promise<void> {
    await this.external.close();
  }
}
