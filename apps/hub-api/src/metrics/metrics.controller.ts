import { ConnectorConfigs, type ConnectorStatus } from '@drehscheibe/connectors';
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
    connectors: ConnectorConfigs,
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
    connectorGauges(metrics, connectors);
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

/**
 * Per connector, labelled by participant, from `connector_states` at scrape
 * time (one read shared by the gauges of a scrape). Alert on
 * `drehscheibe_connector_up == 0` like on an open receiver circuit.
 */
function connectorGauges(metrics: HubMetrics, connectors: ConnectorConfigs): void {
  let read: { at: number; states: Promise<ConnectorStatus[]> } | undefined;
  const states = (): Promise<ConnectorStatus[]> => {
    // The gauges of one scrape are collected within milliseconds: they share one read.
    if (!read || Date.now() - read.at > 500) read = { at: Date.now(), states: connectors.states() };
    return read.states;
  };
  const each = (name: string, help: string, value: (s: ConnectorStatus, now: number) => number | null) =>
    metrics.gauge(name, help, ['participant'], async (g) => {
      const now = Date.now();
      for (const s of await states()) {
        const v = value(s, now);
        if (v !== null) g.set({ participant: s.participantId }, v);
      }
    });
  metrics.gauge(
    'drehscheibe_connector_health',
    'Connector health per participant: 1 for its current health (ok, failing, idle, disabled)',
    ['participant', 'health'],
    async (g) => {
      for (const s of await states()) g.set({ participant: s.participantId, health: s.state.health }, 1);
    },
  );
  each('drehscheibe_connector_up', 'Connector is not failing: 0 failing, 1 ok, idle or disabled', (s) => (s.state.health === 'failing' ? 0 : 1));
  each(
    'drehscheibe_connector_last_success_age_seconds',
    'Seconds since the connector last polled its system successfully (absent before the first success)',
    (s, now) => (s.state.lastSuccessAt ? Math.max(0, (now - Date.parse(s.state.lastSuccessAt)) / 1000) : null),
  );
  each('drehscheibe_connector_lag_seconds', 'Age of the oldest change the last poll applied', (s) => (s.state.lagMs === null ? null : s.state.lagMs / 1000));
  each('drehscheibe_connector_consecutive_failures', 'Failed connector passes in a row', (s) => s.state.consecutiveFailures);
  each('drehscheibe_connector_changes_applied', 'Changes from the system applied to the hub (monotonic)', (s) => s.state.changesApplied);
  each(
    'drehscheibe_connector_echoes_suppressed',
    "Records in the system that were the hub's own writes, not read back (monotonic)",
    (s) => s.state.echoesSuppressed,
  );
  each('drehscheibe_connector_writes', 'Writes of hub events to the system (monotonic)', (s) => s.state.writes);
}
