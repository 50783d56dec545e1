import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** A SHA-256 digest as 64 lowercase hex digits, the form hashes take in the API. */
export type Hex256 = string;

export const HEX256 = /^[0-9a-f]{64}$/;

export function sha256(...parts: Array<string | Buffer>): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/**
 * The link of a ticket's hash chain for one event: SHA-256 over the RFC 8785
 * form of `{ "event": <the event as delivered>, "prev": <previous link or null> }`.
 * Changing, removing or reordering any earlier event changes every later link.
 */
export function chainHash(prev: Hex256 | null, event: unknown): Hex256 {
  return sha256(canonicalJson({ event, prev })).toString('hex');
}
