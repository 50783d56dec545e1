import { connectorEncryptedColumns } from '@drehscheibe/connectors';
import { idempotencyEncryptedColumns } from '@drehscheibe/idempotency';
import { mappingEncryptedColumns } from '@drehscheibe/mapping';
import { countNotCurrent, recryptColumn, type EncryptedColumn } from '@drehscheibe/persistence';
import { deliverySecretEncryptedColumns } from '@drehscheibe/registry';
import type { FieldCipher } from '@drehscheibe/security';
import { ticketEncryptedColumns } from '@drehscheibe/tickets';
import type { DataSource } from 'typeorm';

/** Every value the hub encrypts with the data key, as each owner declares it. */
export const ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  ...ticketEncryptedColumns,
  ...idempotencyEncryptedColumns,
  ...connectorEncryptedColumns,
  ...mappingEncryptedColumns,
  ...deliverySecretEncryptedColumns,
];

export interface RotationReport {
  keyId: string;
  /** Per column (`table.column`): values moved to the current key. */
  moved: Record<string, number>;
  /** Values still under another key after the last pass (concurrent writes by a replica with the old key): run again. */
  remaining: number;
}

/** Passes at most: a value raced by a concurrent write is taken by the next one. */
const MAX_PASSES = 5;

/**
 * Re-encrypts every value under a previous data key with the current one,
 * while the hub runs: row by row, each write its own statement that applies
 * only if the value is still the one read. Run after every replica has the
 * new HUB_DATA_KEY (and the old one in HUB_DATA_KEYS_PREVIOUS); when it
 * reports nothing remaining, the old key can go (see docs/security.md).
 */
export async function rotateDataKey(
  dataSource: DataSource,
  cipher: FieldCipher,
  onProgress: (line: string) => void = () => undefined,
): Promise<RotationReport> {
  const moved: Record<string, number> = {};
  let remaining = 0;
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    let raced = 0;
    for (const target of ENCRYPTED_COLUMNS) {
      const name = `${target.table}.${target.column}`;
      const result = await recryptColumn(dataSource, target, cipher);
      moved[name] = (moved[name] ?? 0) + result.moved;
      raced += result.raced;
      if (result.moved || result.raced) onProgress(`pass ${pass}: ${name}: ${result.moved} re-encrypted, ${result.raced} changed meanwhile`);
    }
    remaining = 0;
    for (const target of ENCRYPTED_COLUMNS) remaining += await countNotCurrent(dataSource, target, cipher.currentKeyId);
    if (remaining === 0 && raced === 0) break;
  }
  return { keyId: cipher.currentKeyId, moved, remaining };
}
