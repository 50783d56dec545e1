import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CheckpointWriter } from '@drehscheibe/audit';
import { chainHash, verifyTicketHistory, type DeliveredEvent, type PublicJwk, type TicketAuditProof } from '@drehscheibe/evidence';
import { createDataSource } from '@drehscheibe/persistence';
import { SigningKey } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import { ed25519SecretKey } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

/**
 * The tamper-evident audit (issue 17): every event is a link of its ticket's
 * hash chain, checkpoints sign every head as a Merkle root, a participant
 * checks its own history against them, and `audit-verify` names the first
 * link that was changed or deleted.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const KEY = ed25519SecretKey();
let hub: InProcessHub;
let ds: DataSource;
let writer: CheckpointWriter;
let hubKeys: PublicJwk[];

beforeAll(async () => {
  hub = await startInProcessHub(undefined, { HUB_TOKEN_SIGNING_KEY: KEY, AUDIT_CHECKPOINT_INTERVAL_MS: '7000' });
  ds = await createDataSource({ url: hub.db.url, poolSize: 2 }).initialize();
  writer = new CheckpointWriter(ds, await SigningKey.fromSecret(KEY), 'drehscheibe');
  hubKeys = ((await (await fetch(`${hub.url}/.well-known/jwks.json`)).json()) as { keys: PublicJwk[] }).keys;
  await addParticipant(hub.db, hub.api, 'audit-stranger');
}, 120_000);
afterAll(async () => {
  await ds?.destroy();
  await hub?.close();
});

let counter = 0;
async function exchange(): Promise<string> {
  const created = await hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: {
      externalId: `AUD-${Date.now()}-${++counter}`,
      type: 'incident',
      subject: 'Audit',
      serviceId: 'svc-demo-wohngeld',
      impact: 2,
      urgency: 2,
      channel: 'web_form',
    },
  });
  expect(created.status).toBe(201);
  const id = (created.data as { id: string }).id;
  expect((await hub.api.command('demo-bela', 'acknowledgement', id, { externalId: `B-${counter}` })).status).toBe(200);
  expect((await hub.api.command('demo-bela', 'resolution', id, { code: 'solved', text: 'Zurückgesetzt.' })).status).toBe(200);
  return id;
}

/** What MiLa was shown of a ticket: the feed's entries (the events as delivered, with their snapshots). */
async function shownToMila(ticketId: string): Promise<DeliveredEvent[]> {
  const shown: DeliveredEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const r = await hub.api.call('GET', `/v1/events?limit=100${cursor ? `&after=${cursor}` : ''}` as '/v1/events', { as: 'demo-mila' });
    expect(r.status).toBe(200);
    shown.push(...(r.data.items as unknown as DeliveredEvent[]).filter((e) => e.ticketId === ticketId));
    if (r.data.items.length < 100) return shown;
    cursor = r.data.nextCursor;
  }
}

const proofOf = (ticketId: string, as = 'demo-mila', query = '') =>
  hub.api.call('GET', `/v1/tickets/{ticketId}/audit-proof${query}` as '/v1/tickets/{ticketId}/audit-proof', { as, params: { ticketId } });

describe('a participant checks on its own', () => {
  it('that the history it was shown is the one the hub committed to', async () => {
    const ticketId = await exchange();
    const before = await proofOf(ticketId);
    expect(before.status).toBe(409);
    expect(before.body).toMatchObject({ type: 'urn:drehscheibe:problem:not-checkpointed' });
    expect(before.headers.get('retry-after')).toBe('7');

    const run = await writer.runOnce();
    expect('made' in run).toBe(true);
    const shown = await shownToMila(ticketId);
    expect(shown.map((e) => e.ticketVersion)).toEqual([2, 3]); // BeLa's changes; MiLa's own creation is not in its feed
    const r = await proofOf(ticketId);
    expect(r.status).toBe(200);
    const proof = r.data as unknown as TicketAuditProof;
    expect(proof.chain.map((l) => l.ticketVersion)).toEqual([1, 2, 3]);
    expect(verifyTicketHistory(shown, proof, hubKeys)).toMatchObject({ ok: true, checkpoint: { seq: (run as { made: { seq: number } }).made.seq } });

    // What could fail: a changed event, a changed link, a path for another leaf, another key.
    const changed = shown.map((e) => (e.ticketVersion === 3 ? { ...e, data: { ...(e.data as object), text: 'anders' } } : e));
    expect(verifyTicketHistory(changed, proof, hubKeys)).toEqual({
      ok: false,
      reason: expect.stringContaining(`event ${shown[1].id} (version 3) differs`) as string,
    });
    const relinked = { ...proof, chain: proof.chain.map((l, i) => (i === 1 ? { ...l, hash: chainHash(null, {}) } : l)) };
    expect(verifyTicketHistory(shown, relinked, hubKeys)).toMatchObject({ ok: false });
    expect(verifyTicketHistory(shown, { ...proof, leafIndex: proof.leafIndex + 1 }, hubKeys)).toMatchObject({ ok: false });
    expect(verifyTicketHistory(shown, proof, [{ ...hubKeys[0], x: Buffer.alloc(32, 7).toString('base64url') }])).toMatchObject({
      ok: false,
      reason: expect.stringContaining('checkpoint') as string,
    });
  });

  it('and only for tickets it is party to, against checkpoints that exist', async () => {
    const ticketId = await exchange();
    await writer.runOnce();
    const stranger = await proofOf(ticketId, 'audit-stranger');
    expect(stranger.status).toBe(404);
    expect((await proofOf(ticketId, 'demo-bela')).status).toBe(200);
    const gone = await proofOf(ticketId, 'demo-mila', '?checkpoint=999999');
    expect(gone.status).toBe(404);
    expect((await proofOf(ticketId, 'demo-mila', '?checkpoint=0')).status).toBe(400);
  });
});

describe('checkpoints', () => {
  it('follow each other, are made only when something changed, and are listed newest first', async () => {
    await exchange();
    const first = await writer.runOnce();
    expect('made' in first).toBe(true);
    expect(await writer.runOnce()).toEqual({ skipped: 'unchanged' });
    await exchange();
    const second = await writer.runOnce();
    if (!('made' in first) || !('made' in second)) throw new Error('expected two checkpoints');
    expect(second.made.seq).toBe(first.made.seq + 1);
    expect(second.made.treeSize).toBe(first.made.treeSize + 1);

    const listed = await hub.api.call('GET', '/v1/audit/checkpoints', { as: 'demo-bela' });
    expect(listed.status).toBe(200);
    const [newest, previous] = listed.data.items;
    expect(newest).toMatchObject({ seq: second.made.seq, root: second.made.root, treeSize: second.made.treeSize });
    const { checkpointHash } = await import('@drehscheibe/evidence');
    expect(newest.previous).toBe(checkpointHash(previous.jws));
    const older = await hub.api.call('GET', `/v1/audit/checkpoints?before=${newest.seq}&limit=1` as '/v1/audit/checkpoints', { as: 'hub-admin' });
    expect(older.data.items).toEqual([previous]);
    expect((await hub.api.call('GET', '/v1/audit/checkpoints?limit=101' as '/v1/audit/checkpoints', { as: 'demo-bela' })).status).toBe(400);
  });

  it('made by two writers at once are one checkpoint', async () => {
    await exchange();
    const other = new CheckpointWriter(ds, await SigningKey.fromSecret(KEY), 'drehscheibe');
    const runs = await Promise.all([writer.runOnce(), other.runOnce()]);
    expect(runs.filter((r) => 'made' in r)).toHaveLength(1);
  });
});

/** `hub-cli audit-verify` on this file's database, as an operator runs it (`npm run audit:verify`). */
function auditVerify(): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'dist/apps/hub-cli/src/main.js'), 'audit-verify'], {
      env: { ...process.env, DATABASE_URL: hub.db.url, HUB_TOKEN_SIGNING_KEY: KEY, LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => done({ code, out }));
  });
}

describe('audit-verify', () => {
  let ticketId: string;
  let events: Array<{ id: string; ticket_version: number }>;
  beforeAll(async () => {
    ticketId = await exchange();
    expect((await hub.api.command('demo-mila', 'close', ticketId, {})).status).toBe(200);
    await writer.runOnce();
    await exchange();
    await writer.runOnce();
    events = await hub.db.query<{ id: string; ticket_version: number }>(
      'SELECT id, ticket_version FROM ticket_events WHERE ticket_id = $1 ORDER BY ticket_version',
      [ticketId],
    );
  }, 60_000);

  it('passes on an untouched database', async () => {
    const r = await auditVerify();
    expect(r.out).toMatch(/audit verified: \d+ tickets, \d+ events, \d+ checkpoints/);
    expect(r.code).toBe(0);
  });

  it('names an event whose content was changed, and passes again once it is restored', async () => {
    const victim = events[1];
    const [{ data }] = await hub.db.query<{ data: object }>('SELECT data FROM ticket_events WHERE id = $1', [victim.id]);
    await hub.db.query(`UPDATE ticket_events SET data = jsonb_set(data, '{externalId}', '"FORGED"') WHERE id = $1`, [victim.id]);
    const r = await auditVerify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `audit BROKEN at ticket_events ${victim.id}: ticket ${ticketId} version ${victim.ticket_version}: its content does not match its hash`,
    );
    await hub.db.query('UPDATE ticket_events SET data = $2 WHERE id = $1', [victim.id, data]);
    expect((await auditVerify()).code).toBe(0);
  });

  it('names a checkpoint that was changed', async () => {
    const [{ seq, root }] = await hub.db.query<{ seq: string; root: string }>('SELECT seq, root FROM audit_checkpoints ORDER BY seq LIMIT 1');
    await hub.db.query('UPDATE audit_checkpoints SET root = $2 WHERE seq = $1', [seq, 'f'.repeat(64)]);
    const r = await auditVerify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`audit BROKEN at audit_checkpoints ${seq}: its columns differ from what its signature covers`);
    await hub.db.query('UPDATE audit_checkpoints SET root = $2 WHERE seq = $1', [seq, root]);
    expect((await auditVerify()).code).toBe(0);
  });

  // Deleting needs the foreign keys out of the way, as an attacker with the database would do.
  const withoutForeignKeys = (deleteSql: string) => hub.db.query(`BEGIN; SET LOCAL session_replication_role = replica; ${deleteSql}; COMMIT`);

  it('names the row after a deleted event, and a ticket whose last event was deleted', async () => {
    const middle = events[1];
    await withoutForeignKeys(`DELETE FROM ticket_events WHERE id = '${middle.id}'`);
    let r = await auditVerify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`audit BROKEN at ticket_events ${events[2].id}: ticket ${ticketId} jumps from version 1 to 3: a row was deleted`);

    const last = events[events.length - 1];
    await withoutForeignKeys(`DELETE FROM ticket_events WHERE ticket_id = '${ticketId}' AND ticket_version > 1`);
    r = await auditVerify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`audit BROKEN at tickets ${ticketId}: its chain head`);
    expect(last.ticket_version).toBeGreaterThan(1);
  });

  it('names the checkpoint after a deleted one', async () => {
    // The events of the ticket above are gone: put its head back to the remaining event so only the checkpoint is at fault.
    await hub.db.query('UPDATE tickets SET chain_head = (SELECT hash FROM ticket_events WHERE ticket_id = $1 AND ticket_version = 1) WHERE id = $1', [
      ticketId,
    ]);
    await hub.db.query('UPDATE audit_checkpoints SET leaves = NULL');
    expect((await auditVerify()).code).toBe(0);
    const [{ seq }] = await hub.db.query<{ seq: string }>('SELECT min(seq)::text AS seq FROM audit_checkpoints');
    await hub.db.query('DELETE FROM audit_checkpoints WHERE seq = $1', [seq]);
    const r = await auditVerify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`audit BROKEN at audit_checkpoints ${Number(seq) + 1}: checkpoint ${seq} is missing before it: a row was deleted`);
  });
});
