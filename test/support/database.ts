import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '@drehscheibe/persistence';
import { testServers } from './environment.js';

export interface TestDatabase {
  url: string;
  /** Runs SQL against the test database (for assertions on what was written). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated database per test file, so files run in parallel without sharing state. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = testServers().databaseUrl;
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(server, name);
  await runMigrations(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle client whose connection the server ends (a fault test, DROP DATABASE … FORCE) emits an
  // error on the pool; without a listener it would crash the test process. The next query reconnects.
  pool.on('error', () => undefined);
  return {
    url,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
