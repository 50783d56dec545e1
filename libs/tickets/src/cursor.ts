import { DomainError } from '@drehscheibe/domain';

/** Opaque to clients: base64url JSON, so its shape can change without breaking them. */
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
