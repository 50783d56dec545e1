import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A named statement: PostgreSQL parses and plans it once per connection
 * instead of on every call. For the hot paths (one statement per delivery
 * step) where TypeORM's query building would cost more than the query.
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** The pg pool under a TypeORM data source, for prepared statements on hot paths. */
export function poolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('the data source is not initialised (no pg pool)');
  return pool;
}

export async function runPrepared<T>(pool: Pool, statement: PreparedStatement, values: unknown[]): Promise<T[]> {
  const result = await pool.query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}

/**
 * A prepared statement on the entity manager's connection: inside a
 * transaction that is the transaction's client, otherwise any pool client.
 */
export async function queryPrepared<T>(em: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<T[]> {
  const client = (em.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)?.databaseConnection;
  if (!client) return runPrepared<T>(poolOf(em.dataSource), statement, values);
  const result = await client.query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}
