import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConnectorsModule } from '../connectors/connectors.module.js';
import { DeliveriesModule } from '../deliveries/deliveries.module.js';
import { TicketsModule } from '../tickets/tickets.module.js';
import { MetricsController } from './metrics.controller.js';

/** The Prometheus scrape endpoint on the API port (its guard takes the metrics token or an admin token). */
@Module({ imports: [AuthModule, TicketsModule, DeliveriesModule, ConnectorsModule], controllers: [MetricsController] })
export class MetricsModule {}
