import { CheckpointWriter } from '@drehscheibe/audit';
import type { HubConfig } from '@drehscheibe/config';
import type { Logger } from '@drehscheibe/observability';
import type { SigningKey } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import { schedulePeriodic } from './periodic-job.js';

/**
 * Signed checkpoints every AUDIT_CHECKPOINT_INTERVAL_MS, signed with the key
 * the hub publishes in its JWKS (the one of tokens and receipts). Replicas
 * take turns through an advisory lock; an unchanged state makes none.
 */
export function scheduleAuditCheckpoints(config: HubConfig, key: SigningKey, dataSource: DataSource, logger: Logger): { close(): Promise<void> } {
  const writer = new CheckpointWriter(dataSource, key, config.auth.issuer);
  return schedulePeriodic('audit checkpoint', config.audit.checkpointIntervalMs, logger, async () => {
    const run = await writer.runOnce();
    return 'made' in run ? { message: 'made an audit checkpoint', fields: { seq: run.made.seq, treeSize: run.made.treeSize } } : null;
  });
}
