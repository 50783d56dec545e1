import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CodelistsModule } from './codelists/codelists.module.js';
import { ConnectorsModule } from './connectors/connectors.module.js';
import { CoreModule, type CoreRuntime } from './core/core.module.js';
import { DeliveriesModule } from './deliveries/deliveries.module.js';
import { FeedModule } from './feed/feed.module.js';
import { HealthModule } from './health/health.module.js';
import { InboundModule } from './inbound/inbound.module.js';
import { MappingModule } from './mapping/mapping.module.js';
import { RequestPipelineModule } from './http/request-pipeline.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NoticesModule } from './notices/notices.module.js';
import { RegistryModule } from './registry/registry.module.js';
import { TicketsModule } from './tickets/tickets.module.js';

/**
 * The API: one module per feature folder over the shared core (see
 * core/core.module.ts for how providers are wired). A new feature gets its
 * folder with a `<feature>.module.ts` and a line here.
 */
@Module({})
export class HubApiModule {
  static forRoot(runtime: CoreRuntime): DynamicModule {
    return {
      module: HubApiModule,
      imports: [
        CoreModule.forRoot(runtime),
        RequestPipelineModule,
        AuthModule,
        HealthModule,
        CodelistsModule,
        TicketsModule,
        FeedModule,
        RegistryModule,
        NoticesModule,
        DeliveriesModule,
        MappingModule,
        ConnectorsModule,
        AuditModule,
        InboundModule,
        MetricsModule,
      ],
    };
  }
}
