import { generateKeyPairSync, createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';
import { checkpointHash, CheckpointSignatureError, signCheckpoint, verifyCheckpoint, type CheckpointClaims } from './checkpoint.js';
import { chainHash } from './hashes.js';
import { leafHash, MerkleTree, verifyInclusion } from './merkle-tree.js';

const h = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 9162 section 2.1.1, written as the RFC defines it: the reference the level-wise tree must agree with. */
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return h();
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return h(Buffer.from([1]), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash({ ticketId: `t-${i}`, ticketVersion: i + 1, head: 'ab'.repeat(32) }));

describe('canonical JSON (RFC 8785)', () => {
  it('sorts members, drops absent ones and writes numbers the ECMAScript way', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: 1e21, e: 0.1 })).toBe('{"a":[true,null,"x"],"b":1,"d":1e+21,"e":0.1}');
  });

  it('gives the same text for the same value whatever the member order', () => {
    expect(canonicalJson({ x: { b: 2, a: 1 }, y: 'ü' })).toBe(canonicalJson({ y: 'ü', x: { a: 1, b: 2 } }));
  });
});

describe('chain links', () => {
  it('depend on the previous link and on every member of the event', () => {
    const event = { id: 'e1', data: { status: 'resolved' } };
    const first = chainHash(null, event);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(first, event)).not.toBe(first);
    expect(chainHash(null, { ...event, data: { status: 'closed' } })).not.toBe(first);
    expect(chainHash(null, { data: { status: 'resolved' }, id: 'e1' })).toBe(first);
  });
});

describe('Merkle tree (RFC 9162)', () => {
  it('has the root of the recursive definition for every size up to 70', () => {
    for (let n = 0; n <= 70; n++) expect(new MerkleTree(leavesOf(n)).root).toBe(referenceRoot(leavesOf(n)).toString('hex'));
  });

  it('gives every leaf a path that verifies, and only for that leaf, index and root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (n, pick) => {
        const leaves = leavesOf(n);
        const tree = new MerkleTree(leaves);
        const i = pick % n;
        const path = tree.inclusionPath(i);
        expect(verifyInclusion(leaves[i], i, n, path, tree.root)).toBe(true);
        if (n > 1) {
          const j = (i + 1) % n;
          expect(verifyInclusion(leaves[j], i, n, path, tree.root)).toBe(false);
          expect(verifyInclusion(leaves[i], j, n, path, tree.root)).toBe(false);
        }
        expect(verifyInclusion(leaves[i], i, n, path, 'cd'.repeat(32))).toBe(false);
        if (path.length > 0) {
          const tampered = [...path];
          tampered[0] = (tampered[0][0] === '0' ? '1' : '0') + tampered[0].slice(1);
          expect(verifyInclusion(leaves[i], i, n, tampered, tree.root)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses indexes outside the tree and malformed paths', () => {
    const leaves = leavesOf(5);
    const tree = new MerkleTree(leaves);
    expect(() => tree.inclusionPath(5)).toThrow(RangeError);
    expect(verifyInclusion(leaves[0], 5, 5, tree.inclusionPath(0), tree.root)).toBe(false);
    expect(verifyInclusion(leaves[0], 0, 5, ['not-hex'], tree.root)).toBe(false);
    expect(verifyInclusion(leaves[0], 0, 5, [...tree.inclusionPath(0), 'ab'.repeat(32)], tree.root)).toBe(false);
  });
});

describe('checkpoints', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' } as { kty: string; crv: string; x: string; kid: string };
  const claims: CheckpointClaims = { iss: 'hub', seq: 2, createdAt: '2026-12-02T10:00:00.000Z', treeSize: 3, root: 'ab'.repeat(32), previous: 'cd'.repeat(32) };

  it('verify with the key they name and give back their claims', () => {
    const jws = signCheckpoint(claims, { privateKey, kid: 'k1' });
    expect(verifyCheckpoint(jws, [jwk])).toEqual(claims);
    expect(checkpointHash(jws)).toBe(createHash('sha256').update(jws).digest('hex'));
  });

  it('do not verify when changed, signed by another key or naming an unknown key', () => {
    const jws = signCheckpoint(claims, { privateKey, kid: 'k1' });
    const [header, , signature] = jws.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, root: 'ef'.repeat(32) })).toString('base64url')}.${signature}`;
    expect(() => verifyCheckpoint(forged, [jwk])).toThrow(CheckpointSignatureError);
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(() => verifyCheckpoint(signCheckpoint(claims, { privateKey: other, kid: 'k1' }), [jwk])).toThrow('does not verify');
    expect(() => verifyCheckpoint(signCheckpoint(claims, { privateKey, kid: 'k2' }), [jwk])).toThrow('not among the given keys');
    expect(() => verifyCheckpoint('a.b', [jwk])).toThrow(CheckpointSignatureError);
  });
});
