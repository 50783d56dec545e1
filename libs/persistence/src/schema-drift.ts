import { Table, type DataSource, type EntityMetadata, type QueryRunner } from 'typeorm';

type ForeignKeyMetadata = EntityMetadata['foreignKeys'][number];

/** What PostgreSQL's catalog says about one table: columns, constraints and indexes, each keyed by name. */
export interface TableShape {
  columns: Map<string, string>;
  constraints: Map<string, string>;
  indexes: Map<string, string>;
}

/**
 * Where the entities and the database schema disagree, one finding per line;
 * empty when they agree. Three views, because each misses something:
 *
 * 1. the SQL TypeORM's `synchronize` would run to make the database match the
 *    entities (it compares constraints and indexes by name only, and ignores
 *    tables no entity declares);
 * 2. tables in the schema that no entity declares (except the migrations
 *    table);
 * 3. per entity table, the database's catalog against the catalog of the
 *    table exactly as `synchronize` would create it from the entity — created
 *    under a temporary name in a transaction that is rolled back — so check
 *    expressions, index columns and their order, partial-index predicates,
 *    identity, defaults and foreign-key actions are compared as PostgreSQL
 *    prints them.
 *
 * Changes nothing (needs the TEMP privilege); the data source must be initialised.
 */
export async function schemaDrift(dataSource: DataSource): Promise<string[]> {
  const findings: string[] = [];
  const sync = await dataSource.driver.createSchemaBuilder().log();
  for (const { query } of sync.upQueries) findings.push(`synchronize would run: ${query}`);

  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    try {
      findings.push(...(await undeclaredTables(runner, dataSource)));
      for (const metadata of dataSource.entityMetadatas.filter((m) => m.tableType === 'regular' && m.synchronize)) {
        findings.push(...(await tableDrift(runner, dataSource, metadata)));
      }
    } finally {
      await runner.rollbackTransaction();
    }
  } finally {
    await runner.release();
  }
  return findings;
}

async function undeclaredTables(runner: QueryRunner, dataSource: DataSource): Promise<string[]> {
  const declared = new Set(dataSource.entityMetadatas.map((m) => m.tableName));
  const own = [dataSource.options.migrationsTableName ?? 'migrations', dataSource.options.metadataTableName ?? 'typeorm_metadata'];
  const rows = (await runner.query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)) as Array<{ tablename: string }>;
  return rows
    .map((r) => r.tablename)
    .filter((name) => !declared.has(name) && !own.includes(name))
    .map((name) => `table ${name}: in the database, but no entity declares it`);
}

/** The entity's table as `synchronize` creates it, under a temporary name, against the real one. */
async function tableDrift(runner: QueryRunner, dataSource: DataSource, metadata: EntityMetadata): Promise<string[]> {
  const real = await tableShape(runner, metadata.tablePath);
  if (!real) return []; // a missing table is already among the statements `synchronize` would run
  const probe = Table.create(metadata, dataSource.driver);
  probe.name = `pg_temp.schema_drift_${metadata.tableName}`;
  await runner.query('SAVEPOINT schema_drift');
  try {
    await runner.createTable(probe, false, false, true);
  } catch (e) {
    await runner.query('ROLLBACK TO SAVEPOINT schema_drift');
    return [`table ${metadata.tableName}: the entity's table cannot be created (${(e as Error).message})`];
  }
  const declared = (await tableShape(runner, probe.name))!;
  await runner.query('ROLLBACK TO SAVEPOINT schema_drift');
  // A temporary table cannot reference the real ones: the entity's foreign keys are written out as PostgreSQL prints them.
  for (const fk of metadata.foreignKeys) declared.constraints.set(fk.name, await foreignKeyDefinition(runner, fk));
  return compareShapes(metadata.tableName, real, declared);
}

/** Compares the database's table (`actual`) with the entity's (`declared`); one finding per difference. */
export function compareShapes(table: string, actual: TableShape, declared: TableShape): string[] {
  const findings: string[] = [];
  const kinds: Array<[keyof TableShape, string]> = [
    ['columns', 'column'],
    ['constraints', 'constraint'],
    ['indexes', 'index'],
  ];
  for (const [key, kind] of kinds) {
    const names = [...new Set([...actual[key].keys(), ...declared[key].keys()])].sort();
    for (const name of names) {
      const inDatabase = actual[key].get(name);
      const inEntity = declared[key].get(name);
      if (inDatabase === inEntity) continue;
      if (inEntity === undefined) findings.push(`${kind} ${table}.${name}: in the database (${inDatabase}), but the entity does not declare it`);
      else if (inDatabase === undefined) findings.push(`${kind} ${table}.${name}: the entity declares it (${inEntity}), but the database has none`);
      else findings.push(`${kind} ${table}.${name}: the database has ${inDatabase}, the entity declares ${inEntity}`);
    }
  }
  return findings;
}

/** Columns, constraints (except NOT NULL, which is part of the column) and indexes of a table, as PostgreSQL prints them; undefined if there is no such table. */
async function tableShape(runner: QueryRunner, path: string): Promise<TableShape | undefined> {
  const [found] = (await runner.query(`SELECT to_regclass($1)::oid AS oid`, [quotePath(path)])) as Array<{ oid: number | null }>;
  if (!found?.oid) return undefined;
  const columns = (await runner.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            a.attidentity AS identity, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped`,
    [found.oid],
  )) as Array<{ name: string; type: string; not_null: boolean; identity: string; default: string | null }>;
  const constraints = (await runner.query(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = $1 AND contype <> 'n'`,
    [found.oid],
  )) as Array<{ name: string; definition: string }>;
  const indexes = (await runner.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1`,
    [found.oid],
  )) as Array<{ name: string; definition: string }>;
  return {
    columns: new Map(columns.map((c) => [c.name, describeColumn(c)])),
    constraints: new Map(constraints.map((c) => [c.name, c.definition])),
    // "CREATE INDEX x ON public.t USING btree (a, b) WHERE …": the table's own name differs between the two.
    indexes: new Map(indexes.map((i) => [i.name, i.definition.replace(/ ON \S+ USING /, ' USING ')])),
  };
}

async function foreignKeyDefinition(runner: QueryRunner, fk: ForeignKeyMetadata): Promise<string> {
  const [{ columns, table, referenced }] = (await runner.query(
    `SELECT (SELECT string_agg(quote_ident(c), ', ' ORDER BY n) FROM unnest($1::text[]) WITH ORDINALITY AS u(c, n)) AS columns,
            quote_ident($2) AS table,
            (SELECT string_agg(quote_ident(c), ', ' ORDER BY n) FROM unnest($3::text[]) WITH ORDINALITY AS u(c, n)) AS referenced`,
    [fk.columnNames, fk.referencedEntityMetadata.tableName, fk.referencedColumnNames],
  )) as Array<{ columns: string; table: string; referenced: string }>;
  const onUpdate = fk.onUpdate && fk.onUpdate !== 'NO ACTION' ? ` ON UPDATE ${fk.onUpdate}` : '';
  const onDelete = fk.onDelete && fk.onDelete !== 'NO ACTION' ? ` ON DELETE ${fk.onDelete}` : '';
  const deferrable = fk.deferrable ? ` DEFERRABLE${fk.deferrable === 'INITIALLY DEFERRED' ? ' INITIALLY DEFERRED' : ''}` : '';
  return `FOREIGN KEY (${columns}) REFERENCES ${table}(${referenced})${onUpdate}${onDelete}${deferrable}`;
}

function describeColumn(c: { type: string; not_null: boolean; identity: string; default: string | null }): string {
  // TypeORM writes a number default as a string literal: '0'::smallint is the 0 a migration writes.
  const fallback = c.default?.replace(/^'(-?[0-9.]+)'::(smallint|integer|bigint|numeric|real|double precision)$/, '$1') ?? null;
  const identity = c.identity === 'a' ? ' GENERATED ALWAYS AS IDENTITY' : c.identity === 'd' ? ' GENERATED BY DEFAULT AS IDENTITY' : '';
  return `${c.type}${c.not_null ? ' NOT NULL' : ''}${fallback !== null ? ` DEFAULT ${fallback}` : ''}${identity}`;
}

function quotePath(path: string): string {
  return path
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
