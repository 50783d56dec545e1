// SQL statements per unit of work, from pg_stat_statements on the embedded
// server (preloaded by stack.mjs); NaN / empty where the extension is not there.

/** @param {string} url */
export const dbName = (url) => decodeURIComponent(new URL(url).pathname.slice(1));

/**
 * @param {import('pg').Pool} db a pool on any database of the server
 */
export async function statementCounter(db) {
  const available = await db
    .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    .then(() => db.query('SELECT 1 FROM pg_stat_statements LIMIT 1')) // fails unless preloaded
    .then(
      () => true,
      () => false,
    );
  return {
    available,
    /**
     * Statements one database ran so far.
     * @param {string} database
     */
    async calls(database) {
      if (!available) return NaN;
      const { rows } = await db.query(
        'SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1',
        [database],
      );
      return Number(rows[0].n);
    },
    /**
     * The statements one database ran since the last reset, most frequent first, per unit of work.
     * @param {string} database
     * @param {number} units
     * @returns {Promise<{ perUnit: number, execMs: number, query: string }[]>}
     */
    async since(database, units) {
      if (!available) return [];
      const { rows } = await db.query(
        `SELECT calls, total_exec_time, query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC LIMIT 20`,
        [database],
      );
      return rows.map((r) => ({
        perUnit: Math.round((100 * Number(r.calls)) / units) / 100,
        execMs: Math.round((1000 * r.total_exec_time) / Number(r.calls)) / 1000,
        query: r.query.replace(/\s+/g, ' ').slice(0, 240),
      }));
    },
    async reset() {
      if (available) await db.query('SELECT pg_stat_statements_reset()');
    },
  };
}
