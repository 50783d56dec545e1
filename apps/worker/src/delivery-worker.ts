import type { HubConfig } from '@drehscheibe/config';
import {
  createRedis,
  DeliveryAttemptFailed,
  DeliveryProcessor,
  DeliveryQueue,
  DeliveryReconciler,
  DeliverySigning,
  DeliveryStore,
  JobName,
  QueueName,
  ReceiverCircuit,
  ReceiverEndpoints,
  ReceiverHealthStore,
  ReceiverSlots,
  queuePrefix,
  releasePending,
  type DeliverJob,
  type HubJob,
  type VerifyEndpointJob,
} from '@drehscheibe/delivery';
import { checkDependency, reasonOf, unavailableDependency } from '@drehscheibe/availability';
import { HubMetrics, portOf, serveOperations, type Logger, type Readiness } from '@drehscheibe/observability';
import { createDataSource, DatabaseConnection } from '@drehscheibe/persistence';
import { purgeExpiredIdempotencyKeys } from '@drehscheibe/idempotency';
import { FieldCipher, SigningKey } from '@drehscheibe/security';
import { ed25519Signer } from '@drehscheibe/webhooks';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { scheduleAuditCheckpoints } from './audit-checkpoints.js';
import { createAutoClose, scheduleAutoClose } from './auto-close-schedule.js';
import { ProfileAnswers } from './native-answers.js';
import { createRequesterPurge, scheduleRequesterPurge } from './requester-purge-schedule.js';
import { createWorkerTickets } from './ticket-runtime.js';

/**
 * How long a delivery waits before re-checking an earlier one for the same
 * ticket and receiver: the earlier one releases it when it finishes, so this
 * only covers the moment between the check and the wait; it grows each time
 * so a long outage costs few checks.
 */
function blockedRecheckMs(job: Job<HubJob>): number {
  const putBack = Math.max(0, (job.attemptsStarted ?? 1) - 1 - job.attemptsMade);
  return Math.min(250 * 2 ** Math.min(putBack, 10), 10_000);
}

export interface DeliveryWorkerHandle {
  /** Settles once the worker consumes the queue (after PostgreSQL became reachable), or fails on a fault that waiting cannot mend. */
  started: Promise<void>;
  /** Where the operations listener (health, metrics) listens; undefined when WORKER_PORT is 0. */
  operationsPort?: number;
  stop(): Promise<void>;
}

/** One warning per this interval while jobs fail because a dependency is down (they are retried; PostgreSQL keeps the record). */
const OUTAGE_LOG_INTERVAL_MS = 10_000;

/**
 * The worker process: consumes the delivery queue, runs the reconciler,
 * deletes expired idempotency keys, closes resolved tickets whose
 * auto-close period passed and purges the requester data of tickets whose
 * retention passed.
 * Plain classes wired by hand — every dependency is visible here. Starts
 * whether or not PostgreSQL and Redis are up: the operations listener
 * answers at once (not ready until both are reachable), the database is
 * retried with backoff, and Redis reconnects by itself.
 */
export async function startDeliveryWorker(config: HubConfig, logger: Logger): Promise<DeliveryWorkerHandle> {
  const metrics = new HubMetrics('worker');
  const webhookKey = await SigningKey.fromSecret(config.keys.webhookSigningKey);
  const checkpointKey = await SigningKey.fromSecret(config.keys.tokenSigningKey);
  const database = new DatabaseConnection(
    createDataSource({
      url: config.databaseUrl,
      poolSize: config.delivery.concurrency + 4,
      applicationName: 'drehscheibe-worker',
      asynchronousCommit: true,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
    }),
    logger.child({ component: 'database' }),
  );
  const producerRedis = createRedis(config.redisUrl, true, logger.child({ component: 'redis' }));
  const readiness = async (): Promise<Readiness> => {
    const [db, redis] = await Promise.all([
      database.check(),
      producerRedis.status === 'ready' ? checkDependency(() => producerRedis.ping()) : Promise.resolve('down' as const),
    ]);
    return { ready: db === 'up' && redis === 'up', checks: { database: db, redis } };
  };
  let operations: Awaited<ReturnType<typeof serveOperations>> | undefined;
  try {
    operations = config.workerPort > 0 ? await serveOperations(config.workerPort, config.http.host, { metrics, readiness }) : undefined;
  } catch (e) {
    // The port is taken: nothing may keep running (Redis reconnecting, the pool) in a process that failed to start.
    producerRedis.disconnect();
    await database.close();
    throw e;
  }

  let consuming: { close(): Promise<void> } | undefined;
  const started = database.connect().then(() => {
    consuming = consume(config, logger, metrics, database.dataSource, producerRedis, { webhookKey, checkpointKey });
  });

  return {
    started,
    operationsPort: operations ? portOf(operations) : undefined,
    async stop() {
      await database.stopConnecting();
      await started.catch(() => undefined);
      operations?.close();
      await consuming?.close();
      producerRedis.disconnect();
      await database.close();
    },
  };
}

/** The delivery queue's consumer and the reconciler, on a connected database. */
function consume(
  config: HubConfig,
  logger: Logger,
  metrics: HubMetrics,
  dataSource: DataSource,
  producerRedis: Redis,
  { webhookKey, checkpointKey }: { webhookKey: SigningKey; checkpointKey: SigningKey },
) {
  const deliveries = new DeliveryStore(dataSource);
  const health = new ReceiverHealthStore(dataSource);
  const endpoints = new ReceiverEndpoints(health, deliveries);
  const circuit = new ReceiverCircuit(health, {
    failureThreshold: config.delivery.circuitFailureThreshold,
    probeIntervalMs: config.delivery.circuitProbeIntervalMs,
  });
  const perReceiver = config.delivery.perReceiverConcurrency;
  // A responsive receiver's backlog may wait for its slots in the rest of the worker's capacity (never all of it).
  const slots = new ReceiverSlots(perReceiver, { maxWaiters: perReceiver, burstWaiters: Math.max(0, config.delivery.concurrency - 3 * perReceiver) });
  const queue = new DeliveryQueue(producerRedis, config.queuePrefix, logger);
  // Ticket changes the worker makes itself (auto-close, what a system's answer tells) go through the API's use cases.
  const tickets = createWorkerTickets(config, dataSource, queue);
  void tickets.profiles.warm().catch(() => undefined); // read before auto-close's first change needs them
  const processor = new DeliveryProcessor(
    deliveries,
    // The hub's key, or the receiver's secret (HMAC, FIT-Connect) decrypted with the data key.
    new DeliverySigning(ed25519Signer(webhookKey.privateKey), new FieldCipher(config.keys.dataKey)),
    config.delivery,
    logger.child({ component: 'delivery' }),
    circuit,
    slots,
    endpoints,
    metrics,
    new ProfileAnswers(tickets.profiles, tickets.desiredState),
  );
  // A failed handshake is tried again as often as an open circuit is probed.
  const verifier = processor.verifier(health, config.delivery.circuitProbeIntervalMs);
  const reconciler = new DeliveryReconciler(deliveries, queue, logger.child({ component: 'reconciler' }), 2000, metrics, { health, receivers: endpoints });

  // Outages are logged once, by the producer connection.
  const workerRedis = createRedis(config.redisUrl, true);
  const worker = new Worker<HubJob>(
    QueueName.Deliveries,
    async (job: Job<HubJob>, token?: string) => {
      if (job.name === (JobName.VerifyEndpoint as string)) {
        const { receiverId } = job.data as VerifyEndpointJob;
        const verified = await verifier.verify(receiverId);
        // What waited for the handshake goes now.
        if (verified === 'verified') await releasePending(deliveries, queue, receiverId);
        return verified;
      }
      const { deliveryId, receiverId } = job.data as DeliverJob;
      const outcome = await processor.process(deliveryId, receiverId);
      if (outcome.kind === 'deferred' && outcome.verify) {
        await queue.requestVerification(outcome.verify).catch(() => undefined); // else the reconciler asks
      }
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
  worker.on('error', (e) => {
    // Redis outages are logged once (and once when over) by the producer connection.
    if (unavailableDependency(e) !== 'redis') logger.warn({ err: e.message }, 'worker connection error');
  });
  const outageLoggedAt = new Map<string, number>();
  worker.on('failed', (job, e) => {
    if (e instanceof DeliveryAttemptFailed) return;
    const dependency = unavailableDependency(e);
    if (!dependency) {
      logger.error({ err: e, deliveryId: job?.id }, 'delivery job failed unexpectedly'); // a delivery's job id is its id
      return;
    }
    // Every job fails while PostgreSQL is down: say so now and then, not once per job and second.
    if (Date.now() - (outageLoggedAt.get(dependency) ?? 0) < OUTAGE_LOG_INTERVAL_MS) return;
    outageLoggedAt.set(dependency, Date.now());
    logger.warn({ dependency, reason: reasonOf(e) }, 'delivery jobs fail: a dependency is unreachable; they are retried');
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
      .then(() => reconciler.reconcileEndpoints())
      .catch((e) => logger.warn({ err: reasonOf(e) }, 'reconciler run failed'))
      .then(() => purgeExpiredIdempotencyKeys(dataSource, config.idempotency.keyTtlSeconds))
      .then((deleted) => {
        if (deleted > 0) idempotencyLogger.info({ deleted }, 'deleted expired idempotency keys');
      })
      .catch((e) => idempotencyLogger.warn({ err: reasonOf(e) }, 'idempotency key purge failed'))
      .finally(() => (housekeeping = false));
  }, config.delivery.reconcileIntervalMs);
  const autoClose = scheduleAutoClose(createAutoClose(config, tickets), config.autoClose.intervalMs, logger.child({ component: 'auto-close' }));
  const checkpoints = scheduleAuditCheckpoints(config, checkpointKey, dataSource, logger.child({ component: 'audit' }));
  const requesterPurge = scheduleRequesterPurge(
    createRequesterPurge(config, tickets),
    config.personalData.purgeIntervalMs,
    logger.child({ component: 'requester-purge' }),
  );
  return {
    async close() {
      clearInterval(timer);
      await autoClose.close();
      await checkpoints.close();
      await requesterPurge.close();
      await worker.close();
      await processor.close();
      await queue.close();
      // BullMQ leaves a connection it was given open.
      workerRedis.disconnect();
    },
  };
}
