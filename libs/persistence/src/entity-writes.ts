import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * The columns a hand-written statement writes, taken from the entity's
 * metadata like the reads are: a column added to an entity is written by
 * every statement built here without touching its SQL, so no write can
 * silently drop a field.
 */
export interface ColumnWrite<T> {
  /** `a, b, c`: the column names in write order. */
  readonly names: string;
  readonly count: number;
  /** `$first, $first+1, …` for an INSERT's VALUES. */
  placeholders(first: number): string;
  /** The placeholder of one property when the values start at `$first`. */
  placeholderOf(first: number, property: keyof T & string): string;
  /** `a = $first, b = $first+1, …` for an UPDATE's SET. */
  assignments(first: number): string;
  /**
   * The SELECT list of an `INSERT … SELECT`: one SQL expression per column,
   * in write order. The record names every property (at compile time); a
   * column the metadata has and the record lacks fails here.
   */
  selectList(expressions: Record<keyof T & string, string>): string;
  /** The entity's values in the same order; JSON columns encoded (pg would send arrays as PostgreSQL arrays). */
  values(entity: T): unknown[];
}

type Kind = 'insert' | 'update';
const cache = new WeakMap<DataSource, Map<string, ColumnWrite<never>>>();

/** Every column an INSERT of this entity must set (all that TypeORM would insert). */
export function insertColumns<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>): ColumnWrite<T> {
  return columnWrite(dataSource, entity, 'insert');
}

/** Every column an UPDATE of a loaded entity writes back: all updatable columns except the primary key. */
export function updateColumns<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>): ColumnWrite<T> {
  return columnWrite(dataSource, entity, 'update');
}

function columnWrite<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, kind: Kind): ColumnWrite<T> {
  const metadata = dataSource.getMetadata(entity);
  let perSource = cache.get(dataSource);
  if (!perSource) cache.set(dataSource, (perSource = new Map<string, ColumnWrite<never>>()));
  const key = `${kind}:${metadata.tableName}`;
  const found = perSource.get(key);
  if (found) return found;
  const columns = metadata.columns.filter((c) => (kind === 'insert' ? c.isInsert && !c.isGenerated : c.isUpdate && !c.isPrimary && !c.isGenerated));
  const isJson = columns.map((c) => c.type === 'jsonb' || c.type === 'json');
  const write: ColumnWrite<T> = {
    names: columns.map((c) => c.databaseName).join(', '),
    count: columns.length,
    placeholders: (first) => columns.map((_, i) => `$${first + i}`).join(', '),
    placeholderOf: (first, property) => {
      const index = columns.findIndex((c) => c.propertyName === property);
      if (index < 0) throw new Error(`${metadata.tableName}: ${property} is not written`);
      return `$${first + index}`;
    },
    selectList: (expressions) => {
      const missing = columns.filter((c) => !(c.propertyName in expressions)).map((c) => c.propertyName);
      if (missing.length) throw new Error(`${metadata.tableName}: no value for ${missing.join(', ')}`);
      return columns.map((c) => expressions[c.propertyName as keyof T & string]).join(', ');
    },
    assignments: (first) => columns.map((c, i) => `${c.databaseName} = $${first + i}`).join(', '),
    values: (value) =>
      columns.map((c, i) => {
        const v: unknown = c.getEntityValue(value);
        if (v === undefined) throw new Error(`${metadata.tableName}.${c.databaseName}: ${c.propertyName} is not set`);
        return isJson[i] && v !== null ? JSON.stringify(v) : v;
      }),
  };
  perSource.set(key, write);
  return write;
}
