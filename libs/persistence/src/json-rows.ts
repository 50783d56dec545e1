import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * `json_build_object(...)` over an entity's selectable columns, keyed by
 * property name, so one statement can return an aggregate (a row with its
 * children as JSON arrays). `extra` adds computed pairs: [key, SQL].
 */
export function jsonObjectSql(dataSource: DataSource, entity: EntityTarget<ObjectLiteral>, alias: string, extra: Array<[string, string]> = []): string {
  const pairs = dataSource
    .getMetadata(entity)
    .columns.filter((c) => c.isSelect)
    .map((c) => `'${c.propertyName}', ${alias}.${c.databaseName}`);
  return `json_build_object(${[...pairs, ...extra.map(([key, sql]) => `'${key}', ${sql}`)].join(', ')})`;
}

/**
 * Turns such an object back into the entity's shape: JSON carries
 * timestamps as strings, the entity as Dates (bigint arrives as a number).
 */
export function fromJsonRow<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, value: Record<string, unknown>): T {
  for (const column of dataSource.getMetadata(entity).columns) {
    const v = value[column.propertyName];
    if (typeof v === 'string' && (column.type === 'timestamptz' || column.type === Date)) value[column.propertyName] = new Date(v);
  }
  return value as T;
}
