import { canonicalJson } from './canonical-json.js';
import { HEX256, sha256, type Hex256 } from './hashes.js';

// RFC 9162 (Certificate Transparency 2.0) section 2.1: leaves and nodes are
// hashed with different prefixes, so a node can never pass for a leaf.
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

/** One ticket's chain head as a checkpoint commits to it. */
export interface ChainHead {
  ticketId: string;
  ticketVersion: number;
  head: Hex256;
}

export function leafHash(head: ChainHead): Buffer {
  return sha256(LEAF, canonicalJson({ head: head.head, ticketId: head.ticketId, ticketVersion: head.ticketVersion }));
}

const nodeHash = (left: Buffer, right: Buffer) => sha256(NODE, left, right);

/**
 * The Merkle tree of RFC 9162 over leaf hashes, kept level by level so an
 * inclusion path costs no hashing. Built bottom-up: a node without a right
 * sibling moves up unchanged, which gives the RFC's left-balanced tree (the
 * unit test checks it against the recursive definition).
 */
export class MerkleTree {
  private readonly levels: Buffer[][];

  constructor(leaves: Buffer[]) {
    this.levels = [leaves];
    let level = leaves;
    while (level.length > 1) {
      const up: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i]);
      this.levels.push(up);
      level = up;
    }
  }

  get size(): number {
    return this.levels[0].length;
  }

  /** The root; the hash of the empty string for an empty tree (RFC 9162). */
  get root(): Hex256 {
    return (this.size === 0 ? sha256() : this.levels[this.levels.length - 1][0]).toString('hex');
  }

  /** The inclusion path of leaf `index`, from the leaf's sibling up. */
  inclusionPath(index: number): Hex256[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`no leaf ${index} in a tree of ${this.size}`);
    const path: Hex256[] = [];
    let i = index;
    for (const level of this.levels.slice(0, -1)) {
      const sibling = i ^ 1;
      if (sibling < level.length) path.push(level[sibling].toString('hex'));
      i >>= 1;
    }
    return path;
  }
}

/**
 * Whether `leaf` is leaf `index` of the tree of `size` leaves with `root`,
 * by the verification algorithm of RFC 9162 section 2.1.3.2.
 */
export function verifyInclusion(leaf: Buffer, index: number, size: number, path: readonly string[], root: Hex256): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (!path.every((p) => HEX256.test(p))) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    const sibling = Buffer.from(p, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sibling, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === root;
}
