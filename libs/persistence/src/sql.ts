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

/**
 * The pg pools this code created for its data sources (see createDataSource,
 * which hands TypeORM a Pool class through its public `driver` option), so
 * prepared statements reach the pool without reading TypeORM's private fields.
 */
const pools = new WeakMap<DataSource, { pool?: Pool }>();

export function registerPool(dataSource: DataSource, holder: { pool?: Pool }): void {
  pools.set(dataSource, holder);
}

/** The pg pool under a data source made by createDataSource, once it is initialised. */
export function poolOf(dataSource: DataSource): Pool {
  const pool = pools.get(dataSource)?.pool;
  if (!pool || !dataSource.isInitialized) throw new Error('the data source is not initialised, or was not made by createDataSource');
  return pool;
}

export async function runPrepared<T>(pool: Pool, statement: PreparedStatement, values: unknown[]): Promise<T[]> {
  const result = await pool.query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}

/**
 * A prepared statement on the entity manager's connection: inside a
 * transaction that is the transaction's client (QueryRunner.connect() hands
 * out the connection it holds), otherwise any pool client.
 */
export async function queryPrepared<T>(em: EntityManager, statement: PreparedStatement, values: unknown[]): Promise<T[]> {
  if (!em.queryRunner) return runPrepared<T>(poolOf(em.dataSource), statement, values);
  const client = (await em.queryRunner.connect()) as PoolClient;
  const result = await client.query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}

/** Ends the pool a failed initialize() left behind, so a retry starts clean. */
export async function endPool(dataSource: DataSource): Promise<void> {
  const holder = pools.get(dataSource);
  const pool = holder?.pool;
  if (holder) holder.pool = undefined;
  await pool?.end().catch(() => undefined);
}
