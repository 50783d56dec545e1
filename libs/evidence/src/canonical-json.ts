import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme): the one byte string for a JSON
 * value, so a hash over it can be recomputed by anyone from the value alone,
 * whatever order its members came in. Absent (undefined) members are left
 * out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('a JSON value is required');
  return text;
}
