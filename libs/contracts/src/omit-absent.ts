/**
 * The contract leaves optional members out rather than sending null; views
 * build objects with `undefined` for absent values and pass them through here.
 */
export function omitAbsent<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}
