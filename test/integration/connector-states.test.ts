import { ConnectorStates, LeaseLost } from '@drehscheibe/connectors';
import { createDataSource } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/stack.js';

/**
 * A connector's lease and running state (issue 16): one replica at a time
 * works a participant's system, and a replica that lost its lease (it
 * stalled past it, another took over) can change nothing any more.
 */
let db: TestDatabase;
let dataSource: DataSource;
let states: ConnectorStates;

beforeAll(async () => {
  db = await createTestDatabase();
  dataSource = await createDataSource({ url: db.url, poolSize: 2 }).initialize();
  states = new ConnectorStates(dataSource);
  await db.query(`INSERT INTO participants (id, name, kind) VALUES ('p-lease', 'Lease test', 'land_ticket_system')`);
  await db.query(
    `INSERT INTO connectors (participant_id, kind, base_url, auth, updated_by) VALUES ('p-lease', 'rt5', 'http://127.0.0.1:1', '{"kind":"bearer","secretEnc":"x"}', 'test')`,
  );
}, 90_000);
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

const row = async () => (await db.query<Record<string, unknown>>(`SELECT * FROM connector_states WHERE participant_id = 'p-lease'`))[0];

it('one replica holds the lease; the other gets it only once it ran out, and the first can then change nothing', async () => {
  expect(await states.acquire('p-lease', 'replica-a', 1000)).toEqual({ watermark: null, feedCursor: null, pendingWrite: null });
  expect(await states.acquire('p-lease', 'replica-b', 1000)).toBeNull();
  await states.polled('p-lease', 'replica-a', { transactionId: 41 }, { applied: 2, echoes: 3, lagMs: 1200 });
  await eventually('the lease to run out', async () => (await states.acquire('p-lease', 'replica-b', 60_000)) !== null, 10_000, 50);
  const taken = await row();
  expect(taken).toMatchObject({ lease_owner: 'replica-b', watermark: { transactionId: 41 }, changes_applied: '2', echoes_suppressed: '3', lag_ms: '1200' });
  await expect(states.polled('p-lease', 'replica-a', { transactionId: 99 }, { applied: 5, echoes: 0, lagMs: null })).rejects.toBeInstanceOf(LeaseLost);
  await expect(states.renew('p-lease', 'replica-a', 1000)).rejects.toBeInstanceOf(LeaseLost);
  await expect(states.advanceFeed('p-lease', 'replica-a', 'cursor-x', true)).rejects.toBeInstanceOf(LeaseLost);
  expect(await row()).toMatchObject({ watermark: { transactionId: 41 }, changes_applied: '2', feed_cursor: null, writes: '0' });
});

it('the holder resumes where it was: pending write, feed cursor, watermark; a clean stop hands over at once', async () => {
  const pending = {
    eventId: 'e1',
    ticketId: 't1',
    cursor: 'cursor-1',
    request: { name: 'comment', method: 'POST', path: '/x', headers: {}, body: { a: 1 } },
    before: { lastTransactionId: 7 },
    startedAt: new Date().toISOString(),
  };
  await states.startWrite('p-lease', 'replica-b', pending);
  expect(await states.acquire('p-lease', 'replica-b', 60_000)).toMatchObject({ watermark: { transactionId: 41 }, pendingWrite: pending });
  await states.advanceFeed('p-lease', 'replica-b', 'cursor-1', true);
  expect(await row()).toMatchObject({ pending_write: null, feed_cursor: 'cursor-1', writes: '1' });
  await states.release('p-lease', 'replica-b');
  expect(await states.acquire('p-lease', 'replica-c', 60_000)).toMatchObject({ feedCursor: 'cursor-1', pendingWrite: null });
});

it('counts consecutive failures with their cause until a cycle succeeds', async () => {
  await states.failed('p-lease', { cause: 'system-unreachable', message: 'GET /REST/2.0/transactions: connect ECONNREFUSED' });
  await states.failed('p-lease', { cause: 'system-unreachable', message: 'again' });
  expect(await row()).toMatchObject({ consecutive_failures: 2, last_error: { cause: 'system-unreachable', message: 'again' } });
  await states.succeeded('p-lease', 'replica-c');
  const after = await row();
  expect(after).toMatchObject({ consecutive_failures: 0 });
  expect(after.last_success_at).toBeInstanceOf(Date);
});
