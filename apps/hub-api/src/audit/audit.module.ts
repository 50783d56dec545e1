import { AuditProofs } from '@drehscheibe/audit';
import type { HubConfig } from '@drehscheibe/config';
import { TicketQueries } from '@drehscheibe/tickets';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CONFIG } from '../core/tokens.js';
import { TicketsModule } from '../tickets/tickets.module.js';
import { AuditController } from './audit.controller.js';

/** Checkpoints and inclusion proofs (the worker makes the checkpoints). */
@Module({
  imports: [TicketsModule],
  controllers: [AuditController],
  providers: [
    {
      provide: AuditProofs,
      useFactory: (dataSource: DataSource, tickets: TicketQueries, config: HubConfig) =>
        new AuditProofs(dataSource, tickets, config.audit.checkpointIntervalMs),
      inject: [DataSource, TicketQueries, HUB_CONFIG],
    },
  ],
})
export class AuditModule {}
