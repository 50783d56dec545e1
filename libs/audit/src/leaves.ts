import type { ChainHead } from '@drehscheibe/evidence';

/** A leaf as stored with a checkpoint: ticket id (16 bytes), version (4, big-endian), head (32). */
export const LEAF_BYTES = 52;

export function encodeLeaves(heads: readonly ChainHead[]): Buffer {
  const out = Buffer.alloc(heads.length * LEAF_BYTES);
  heads.forEach((h, i) => {
    const at = i * LEAF_BYTES;
    out.write(h.ticketId.replaceAll('-', ''), at, 16, 'hex');
    out.writeUInt32BE(h.ticketVersion, at + 16);
    out.write(h.head, at + 20, 32, 'hex');
  });
  return out;
}

const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

export function decodeLeaves(bytes: Buffer): ChainHead[] {
  if (bytes.length % LEAF_BYTES !== 0) throw new Error(`stored leaves are ${bytes.length} bytes, not a multiple of ${LEAF_BYTES}`);
  const heads: ChainHead[] = [];
  for (let at = 0; at < bytes.length; at += LEAF_BYTES) {
    heads.push({
      ticketId: uuidOf(bytes.toString('hex', at, at + 16)),
      ticketVersion: bytes.readUInt32BE(at + 16),
      head: bytes.toString('hex', at + 20, at + LEAF_BYTES),
    });
  }
  return heads;
}

/** The index of `ticketId` among leaves in ticket-id order (binary search on the stored bytes), or -1. */
export function leafIndexOf(bytes: Buffer, ticketId: string): number {
  const key = Buffer.from(ticketId.replaceAll('-', ''), 'hex');
  let lo = 0;
  let hi = bytes.length / LEAF_BYTES - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = bytes.compare(key, 0, 16, mid * LEAF_BYTES, mid * LEAF_BYTES + 16);
    if (c === 0) return mid;
    if (c > 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return -1;
}
