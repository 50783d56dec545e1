import { checkpointHash, leafHash, MerkleTree, signCheckpoint, type ChainHead, type CheckpointClaims } from '@drehscheibe/evidence';
import { AuditCheckpointEntity, isUniqueViolation } from '@drehscheibe/persistence';
import type { KeyObject } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { encodeLeaves } from './leaves.js';

/** Held while a checkpoint is made, so replicas of the worker take turns (pg_try_advisory_xact_lock). */
const CHECKPOINT_LOCK = 0x61756469; // "audi"

/** Checkpoints that keep their leaves for inclusion proofs; older ones keep root and signature only. */
export const CHECKPOINTS_WITH_LEAVES = 24;

export interface CheckpointKey {
  privateKey: KeyObject;
  kid: string;
}

export type CheckpointRun = { made: CheckpointClaims } | { skipped: 'unchanged' | 'busy' };

/**
 * Makes signed checkpoints: reads every ticket's chain head in one
 * consistent snapshot, builds the Merkle tree, signs its root with the
 * hub's key and links it to the previous checkpoint. Nothing waits for it:
 * writers never touch a global head, they only move their ticket's own.
 */
export class CheckpointWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly key: CheckpointKey,
    private readonly issuer: string,
  ) {}

  async runOnce(): Promise<CheckpointRun> {
    try {
      return await this.dataSource.transaction('REPEATABLE READ', async (em) => {
        const [{ locked }] = await em.query<Array<{ locked: boolean }>>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CHECKPOINT_LOCK]);
        if (!locked) return { skipped: 'busy' as const };
        const [last] = await em.query<Array<{ seq: string; root: string; tree_size: number; jws: string }>>(
          'SELECT seq, root, tree_size, jws FROM audit_checkpoints ORDER BY seq DESC LIMIT 1',
        );
        const rows = await em.query<Array<{ id: string; version: number; chain_head: string }>>(
          'SELECT id, version, chain_head FROM tickets WHERE chain_head IS NOT NULL ORDER BY id',
        );
        const heads: ChainHead[] = rows.map((r) => ({ ticketId: r.id, ticketVersion: r.version, head: r.chain_head }));
        const tree = new MerkleTree(heads.map(leafHash));
        if (last && last.root === tree.root && last.tree_size === tree.size) return { skipped: 'unchanged' as const };
        const claims: CheckpointClaims = {
          iss: this.issuer,
          seq: last ? Number(last.seq) + 1 : 1,
          createdAt: new Date().toISOString(),
          treeSize: tree.size,
          root: tree.root,
          previous: last ? checkpointHash(last.jws) : null,
        };
        const row: AuditCheckpointEntity = {
          seq: String(claims.seq),
          createdAt: new Date(claims.createdAt),
          treeSize: claims.treeSize,
          root: claims.root,
          previous: claims.previous,
          jws: signCheckpoint(claims, this.key),
          leaves: encodeLeaves(heads),
        };
        await em.insert(AuditCheckpointEntity, row);
        await em.query('UPDATE audit_checkpoints SET leaves = NULL WHERE seq <= $1 AND leaves IS NOT NULL', [claims.seq - CHECKPOINTS_WITH_LEAVES]);
        return { made: claims };
      });
    } catch (e) {
      // Another replica committed the same number between our snapshot and our lock: its checkpoint stands.
      if (isUniqueViolation(e, 'audit_checkpoints_pkey')) return { skipped: 'busy' };
      throw e;
    }
  }
}
