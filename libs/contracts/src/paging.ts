import { DomainError } from '@drehscheibe/domain';

/** Cursors for paged lists. Opaque to clients: base64url JSON, so its shape can change without breaking them. */
export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(cursor: string, check: (v: Record<string, unknown>) => v is T): T {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (value && typeof value === 'object' && check(value)) return value;
  } catch {
    // fall through
  }
  throw new DomainError('invalid-cursor', 'the cursor is not one this hub handed out');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isIdCursor = (v: Record<string, unknown>): v is { id: string } => typeof v.id === 'string' && UUID.test(v.id);

/** Keyset paging over UUIDv7 ids (tickets, deliveries): the cursor names the last id seen. */
export const encodeIdCursor = (id: string): string => encodeCursor({ id });
export const decodeIdCursor = (cursor: string): string => decodeCursor(cursor, isIdCursor).id;
