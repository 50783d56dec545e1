import { loadConfig } from '@drehscheibe/config';
import { createLogger } from '@drehscheibe/observability';
import { startDeliveryWorker, type DeliveryWorkerHandle } from '../../apps/worker/src/delivery-worker.js';
import { hubEnvironment, testServers } from './environment.js';

/**
 * The delivery worker in this process, on the given database. To deliver
 * what an in-process hub queues, pass the hub's QUEUE_PREFIX (and start the
 * hub with the same one).
 */
export async function startInProcessWorker(databaseUrl: string, env: Record<string, string> = {}): Promise<DeliveryWorkerHandle> {
  const config = loadConfig(hubEnvironment(databaseUrl, testServers().redisUrl, env));
  return startDeliveryWorker(config, createLogger({ name: 'worker-test', level: config.logLevel }));
}
