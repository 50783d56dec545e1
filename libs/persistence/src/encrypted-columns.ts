import type { DataSource } from 'typeorm';
import { poolOf } from './sql.js';

/**
 * A column that holds values encrypted with the data key (FieldCipher), as
 * its owner declares it: the table, its primary key, and the column, or a
 * text field of a jsonb column (`jsonField`).
 */
export interface EncryptedColumn {
  table: string;
  key: string[];
  column: string;
  jsonField?: string;
}

/** What re-encryption needs of the cipher (FieldCipher), kept as a port: persistence does not depend on security. */
export interface Recrypter {
  currentKeyId: string;
  isCurrent(stored: string): boolean;
  reencrypt(stored: string): string;
}

export interface RecryptPass {
  /** Values moved to the current key. */
  moved: number;
  /** Values that changed between read and write (a concurrent write): left for the next pass. */
  raced: number;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function sqlOf(target: EncryptedColumn) {
  const column = quote(target.column);
  const value = target.jsonField ? `(${column} ->> '${target.jsonField.replace(/'/g, "''")}')` : column;
  const keys = target.key.map(quote);
  return { column, value, keys, table: quote(target.table) };
}

/** Stored values of one column not yet under the current key. */
export async function countNotCurrent(dataSource: DataSource, target: EncryptedColumn, keyId: string): Promise<number> {
  const { table, value } = sqlOf(target);
  const { rows } = await poolOf(dataSource).query<{ count: number }>(
    `SELECT count(*)::int AS count FROM ${table} WHERE ${value} IS NOT NULL AND ${value} NOT LIKE $1`,
    [`v2.${keyId}.%`],
  );
  return rows[0].count;
}

/**
 * One pass over a column, in primary-key order and batches: each value not
 * under the current key is re-encrypted and written back in its own
 * statement (its own short transaction) only if it is still the value that
 * was read (compare-and-set), so a concurrent write is never overwritten;
 * such rows are counted in `raced` and a next pass takes them.
 */
export async function recryptColumn(dataSource: DataSource, target: EncryptedColumn, cipher: Recrypter, batchSize = 500): Promise<RecryptPass> {
  const { table, column, value, keys } = sqlOf(target);
  const keyList = keys.join(', ');
  const setTo = target.jsonField ? `jsonb_set(${column}, '{${target.jsonField}}', to_jsonb($1::text))` : '$1';
  const keyMatch = keys.map((k, i) => `${k} = $${i + 3}`).join(' AND ');
  const update = `UPDATE ${table} SET ${column} = ${setTo} WHERE ${keyMatch} AND ${value} = $2 RETURNING 1`;
  const pool = poolOf(dataSource);
  const pass: RecryptPass = { moved: 0, raced: 0 };
  let after: unknown[] | null = null;
  for (;;) {
    const from: string = after ? `AND (${keyList}) > (${keys.map((_, i) => `$${i + 3}`).join(', ')})` : '';
    const { rows }: { rows: Array<Record<string, unknown>> } = await pool.query<Record<string, unknown>>(
      `SELECT ${keyList}, ${value} AS stored FROM ${table}
        WHERE ${value} IS NOT NULL AND ${value} NOT LIKE $1 ${from}
        ORDER BY ${keyList} LIMIT $2`,
      [`v2.${cipher.currentKeyId}.%`, batchSize, ...(after ?? [])],
    );
    for (const row of rows) {
      const stored = row.stored as string;
      const keyValues = target.key.map((k) => row[k]);
      if (cipher.isCurrent(stored)) continue;
      const written = await pool.query(update, [cipher.reencrypt(stored), stored, ...keyValues]);
      if (written.rowCount) pass.moved += 1;
      else pass.raced += 1;
    }
    if (rows.length < batchSize) return pass;
    after = target.key.map((k) => rows[rows.length - 1][k]);
  }
}
