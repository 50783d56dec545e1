import type { HubConfig } from '@drehscheibe/config';
import { IdempotencyKeys } from '@drehscheibe/idempotency';
import { FieldCipher } from '@drehscheibe/security';
import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { HUB_CONFIG } from '../core/tokens.js';
import { TicketsModule } from '../tickets/tickets.module.js';
import { AuthGuard } from './auth.guard.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { SpecValidationInterceptor } from './spec-validation.interceptor.js';

/** What every request passes before its handler: the access token, the contract, the Idempotency-Key. */
@Module({
  imports: [AuthModule, TicketsModule],
  providers: [
    {
      provide: IdempotencyKeys,
      useFactory: (dataSource: DataSource, cipher: FieldCipher, config: HubConfig) => new IdempotencyKeys(dataSource, cipher, config.idempotency),
      inject: [DataSource, FieldCipher, HUB_CONFIG],
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    // Order matters: validate first, so a refused request never claims an idempotency key.
    { provide: APP_INTERCEPTOR, useClass: SpecValidationInterceptor },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class RequestPipelineModule {}
