import type { HubConfig } from '@drehscheibe/config';
import {
  createRedis,
  DeliveryAttemptFailed,
  DeliveryProcessor,
  DeliveryQueue,
  DeliveryReconciler,
  QueueName,
  ReceiverCircuit,
  ReceiverSlots,
  queuePrefix,
  type DeliverJob,
} from '@drehscheibe/delivery';
import { HubMetrics, type Logger } from '@drehscheibe/observability';
import { createServer, type Server } from 'node:http';
import { createDataSource } from '@drehscheibe/persistence';
import { purgeExpiredIdempotencyKeys } from '@drehscheibe/idempotency';
import { SigningKey } from '@drehscheibe/security';
import { ed25519Signer } from '@drehscheibe/webhooks';
import { DelayedError, Worker, type Job } from 'bullmq';

/**
 * How long a delivery waits before re-checking an earlier one for the same
 * ticket and receiver: the earlier one releases it when it finishes, so this
 * only covers the moment between the check and the wait; it grows each time
 * so a long outage costs few checks.
 */
function blockedRecheckMs(job: Job<DeliverJob>): number {
  const putBack = Math.max(0, (job.attemptsStarted ?? 1) - 1 - job.attemptsMade);
  return Math.min(250 * 2 ** Math.min(putBack, 10), 10_000);
}

export interface DeliveryWorkerHandle {
  stop(): Promise<void>;
}

/**
 * The worker process: consumes the delivery queue and runs the reconciler
 * and the purge of expired idempotency keys.
 * Plain classes wired by hand — the worker has no HTTP surface, and every
 * dependency is visible here.
 */
export async function startDeliveryWorker(config: HubConfig, logger: Logger): Promise<DeliveryWorkerHandle> {
  const dataSource = await createDataSource({
    url: config.databaseUrl,
    poolSize: config.delivery.concurrency + 4,
    applicationName: 'drehscheibe-worker',
    asynchronousCommit: true,
  }).initialize();
  const webhookKey = await SigningKey.fromSecret(config.keys.webhookSigningKey);
  const circuit = new ReceiverCircuit(dataSource, {
    failureThreshold: config.delivery.circuitFailureThreshold,
    probeIntervalMs: config.delivery.circuitProbeIntervalMs,
  });
  const perReceiver = config.delivery.perReceiverConcurrency;
  // A responsive receiver's backlog may wait for its slots in the rest of the worker's capacity (never all of it).
  const slots = new ReceiverSlots(perReceiver, { maxWaiters: perReceiver, burstWaiters: Math.max(0, config.delivery.concurrency - 3 * perReceiver) });
  const metrics = new HubMetrics('worker');
  const processor = new DeliveryProcessor(
    dataSource,
    ed25519Signer(webhookKey.privateKey),
    config.delivery,
    logger.child({ component: 'delivery' }),
    circuit,
    slots,
    metrics,
  );
  const metricsServer = config.metricsPort > 0 ? await serveMetrics(metrics, config.metricsPort, config.http.host) : undefined;
  const producerRedis = createRedis(config.redisUrl, true);
  const queue = new DeliveryQueue(producerRedis, config.queuePrefix, logger);
  const reconciler = new DeliveryReconciler(dataSource, queue, logger.child({ component: 'reconciler' }), 2000);

  const workerRedis = createRedis(config.redisUrl, true);
  const worker = new Worker<DeliverJob>(
    QueueName.Deliveries,
    async (job: Job<DeliverJob>, token?: string) => {
      const outcome = await processor.process(job.data.deliveryId, job.data.receiverId);
      if (outcome.kind === 'blocked' || outcome.kind === 'deferred') {
        // Put back without using an attempt: an earlier event is pending, or the receiver cannot take it now.
        await job.moveToDelayed(outcome.kind === 'blocked' ? Date.now() + blockedRecheckMs(job) : outcome.until.getTime(), token);
        throw new DelayedError();
      }
      if ((outcome.kind === 'delivered' || outcome.kind === 'dead') && outcome.successor) {
        await queue.ensure(outcome.successor, true).catch(() => undefined);
      }
      return outcome.kind;
    },
    {
      connection: workerRedis,
      prefix: queuePrefix(config.queuePrefix),
      concurrency: config.delivery.concurrency,
      // A worker that dies mid-delivery holds its jobs until the lock expires:
      // keep the lock just above one HTTP attempt (it is renewed while a job
      // runs) and look for stalled jobs often, so a crash delays by seconds.
      lockDuration: config.delivery.timeoutMs + 5_000,
      stalledInterval: 5_000,
      maxStalledCount: 10,
      settings: {
        backoffStrategy: (_attempts: number, _type?: string, error?: Error) =>
          error instanceof DeliveryAttemptFailed ? Math.max(0, error.retryAt.getTime() - Date.now()) : 1000,
      },
    },
  );
  worker.on('error', (e) => logger.warn({ err: e.message }, 'worker connection error'));
  worker.on('failed', (job, e) => {
    if (!(e instanceof DeliveryAttemptFailed)) logger.error({ err: e, deliveryId: job?.data.deliveryId }, 'delivery job failed unexpectedly');
  });

  // Housekeeping on one timer: re-enqueue what the queue lost, then delete
  // expired idempotency keys (an index probe when there are none).
  const idempotencyLogger = logger.child({ component: 'idempotency-keys' });
  let housekeeping = false;
  const timer = setInterval(() => {
    if (housekeeping) return;
    housekeeping = true;
    reconciler
      .reconcileOnce()
      .catch((e) => logger.warn({ err: (e as Error).message }, 'reconciler run failed'))
      .then(() => purgeExpiredIdempotencyKeys(dataSource, config.idempotency.keyTtlSeconds))
      .then((deleted) => {
        if (deleted > 0) idempotencyLogger.info({ deleted }, 'deleted expired idempotency keys');
      })
      .catch((e) => idempotencyLogger.warn({ err: (e as Error).message }, 'idempotency key purge failed'))
      .finally(() => (housekeeping = false));
  }, config.delivery.reconcileIntervalMs);

  return {
    async stop() {
      clearInterval(timer);
      metricsServer?.close();
      await worker.close();
      await queue.close();
      // BullMQ leaves a connection it was given open.
      workerRedis.disconnect();
      producerRedis.disconnect();
      await dataSource.destroy();
    },
  };
}

/** The worker has no API; Prometheus scrapes its own small endpoint. */
function serveMetrics(metrics: HubMetrics, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metrics.render().then(
      (body) => response.writeHead(200, { 'content-type': metrics.contentType }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
