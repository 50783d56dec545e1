import { AuditProofs } from '@drehscheibe/audit';
import type { HubConfig } from '@drehscheibe/config';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../core/tokens.js';
import { AuditController } from './audit.controller.js';

/** Checkpoints and inclusion proofs (the worker makes the checkpoints). */
@Module({
  controllers: [AuditController],
  providers: [
    {
      provide: AuditProofs,
      useFactory: (dataSource: DataSource, config: HubConfig) => new AuditProofs(dataSource, config.audit.checkpointIntervalMs),
      inject: [DataSource, HUB_CONFIG],
    },
  ],
})
export class AuditModule {}
