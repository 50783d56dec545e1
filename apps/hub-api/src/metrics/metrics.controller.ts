import { DeliveryQueue, DeliveryStore, queueCounts, ReceiverHealthStore } from '@drehscheibe/delivery';
import { HubMetrics } from '@drehscheibe/observability';
import { TicketStore } from '@drehscheibe/tickets';
import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../http/request-context.js';
import { MetricsCredentialGuard } from './metrics-credential.guard.js';

const CIRCUIT_VALUE: Record<string, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Prometheus scrape endpoint, behind a credential (see MetricsCredentialGuard;
 * API_METRICS_PORT serves the same without one, for the operators' network).
 * Besides request metrics it reads, per scrape, the queue depth from Redis and
 * ticket, backlog and circuit figures from PostgreSQL — the worker's own
 * counters are on the worker's WORKER_PORT.
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: HubMetrics,
    tickets: TicketStore,
    deliveries: DeliveryStore,
    health: ReceiverHealthStore,
    queue: DeliveryQueue,
  ) {
    metrics.gauge('drehscheibe_queue_jobs', 'Delivery jobs in Redis by state', ['state'], async (g) => {
      for (const [state, n] of Object.entries(await queueCounts(queue).catch(() => ({})))) g.set({ state }, n);
    });
    metrics.gauge('drehscheibe_tickets', 'Tickets by status', ['status'], async (g) => {
      for (const r of await tickets.countByStatus()) g.set({ status: r.status }, r.count);
    });
    metrics.gauge('drehscheibe_deliveries_open', 'Pending and dead deliveries by receiver', ['receiver', 'status'], async (g) => {
      for (const r of await deliveries.openCounts()) g.set({ receiver: r.receiverId, status: r.status }, r.count);
    });
    metrics.gauge(
      'drehscheibe_receiver_circuit',
      'Circuit per receiver: 0 closed, 1 half-open, 2 open; paused receivers have paused=1',
      ['receiver', 'paused'],
      async (g) => {
        for (const r of await health.all()) g.set({ receiver: r.receiverId, paused: r.paused ? '1' : '0' }, CIRCUIT_VALUE[r.circuit] ?? 0);
      },
    );
  }

  // Not the bearer-token guard: it also accepts the static metrics token.
  @Public()
  @UseGuards(MetricsCredentialGuard)
  @Get()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.render();
  }
}
