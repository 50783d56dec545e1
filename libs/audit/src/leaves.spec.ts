import { decodeLeaves, encodeLeaves, leafIndexOf, LEAF_BYTES } from './leaves.js';

const id = (n: number) => `0190${n.toString(16).padStart(4, '0')}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

describe('stored checkpoint leaves', () => {
  const heads = [1, 5, 9, 300, 65000].map((n) => ({ ticketId: id(n), ticketVersion: n, head: n.toString(16).padStart(64, '0') }));

  it('decode to what was encoded, 52 bytes each', () => {
    const bytes = encodeLeaves(heads);
    expect(bytes.length).toBe(heads.length * LEAF_BYTES);
    expect(decodeLeaves(bytes)).toEqual(heads);
  });

  it('are found by ticket id, and an absent id is not', () => {
    const bytes = encodeLeaves(heads);
    heads.forEach((h, i) => expect(leafIndexOf(bytes, h.ticketId)).toBe(i));
    expect(leafIndexOf(bytes, id(2))).toBe(-1);
    expect(leafIndexOf(bytes, id(65535))).toBe(-1);
    expect(leafIndexOf(encodeLeaves([]), id(1))).toBe(-1);
  });

  it('refuse a length that is not whole leaves', () => {
    expect(() => decodeLeaves(Buffer.alloc(LEAF_BYTES + 1))).toThrow('not a multiple');
  });
});
