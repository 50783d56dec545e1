import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The hub's Prometheus metrics. Each process (API, worker) has its own
 * registry; labels are bounded (routes, participant ids, outcomes), never
 * ticket ids or personal data.
 */
export class HubMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'drehscheibe_http_request_duration_seconds',
    help: 'API request duration by route and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly deliveryAttempts = new Counter({
    name: 'drehscheibe_delivery_attempts_total',
    help: 'Delivery attempts by receiver and outcome (delivered, failed, dead)',
    labelNames: ['receiver', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly deliveryLatency = new Histogram({
    name: 'drehscheibe_delivery_latency_seconds',
    help: 'HTTP latency of delivery attempts by receiver',
    labelNames: ['receiver'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly deliveryAge = new Histogram({
    name: 'drehscheibe_delivery_end_to_end_seconds',
    help: 'Time from an event being recorded to its delivery being accepted',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
    registers: [this.registry],
  });

  readonly deliveryDeferrals = new Counter({
    name: 'drehscheibe_delivery_deferrals_total',
    help: 'Deliveries put back without an attempt, by receiver and reason (paused, circuit-open, receiver-busy, endpoint-unverified)',
    labelNames: ['receiver', 'reason'] as const,
    registers: [this.registry],
  });

  readonly reconcilerReEnqueued = new Counter({
    name: 'drehscheibe_reconciler_reenqueued_total',
    help: 'Pending deliveries the reconciler found missing from Redis and enqueued again',
    registers: [this.registry],
  });

  constructor(process: 'hub-api' | 'worker' | 'connectors') {
    this.registry.setDefaultLabels({ process });
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A gauge filled on each scrape (queue depth, circuit states from the
   * database). When its source cannot be read the gauge stays empty for that
   * scrape: the rest of the metrics (request counts with their 503s) matter
   * most during an outage.
   */
  gauge(name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => Promise<void>): Gauge {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect(this).catch(() => undefined);
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
