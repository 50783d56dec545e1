import { ReceiverCircuit, ReceiverHealthStore } from '@drehscheibe/delivery';
import { createDataSource } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/stack.js';

let db: TestDatabase;
let dataSource: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  dataSource = await createDataSource({ url: db.url, poolSize: 4 }).initialize();
  await db.query(`INSERT INTO participants (id, name, kind) VALUES ('flaky', 'Flaky', 'vendor'), ('steady', 'Steady', 'vendor')`);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

/** Waits until the open circuit's probe is due by the database's clock — the clock `admit` claims it by — not for a guessed time. */
const probeDue = (receiverId: string) =>
  eventually(`the probe of ${receiverId} to be due`, async () => {
    const [row] = await db.query<{ due: boolean }>('SELECT next_probe_at <= now() AS due FROM receiver_health WHERE receiver_id = $1', [receiverId]);
    return row?.due;
  });

describe('ReceiverCircuit (real PostgreSQL)', () => {
  it('opens after the threshold, holds deliveries until the probe time, then lets exactly one probe through', async () => {
    // Long enough that the admits right after opening come well before the probe even on a busy machine; the test waits on next_probe_at, not on the clock.
    const circuit = new ReceiverCircuit(new ReceiverHealthStore(dataSource), { failureThreshold: 3, probeIntervalMs: 1500 });
    expect(await circuit.admit('flaky')).toEqual({ kind: 'send', probe: false, healthy: false });
    expect(await circuit.failed('flaky')).toBe(false);
    expect(await circuit.failed('flaky')).toBe(false);
    expect(await circuit.failed('flaky')).toBe(true);

    const held = await Promise.all([circuit.admit('flaky'), circuit.admit('flaky'), circuit.admit('flaky')]);
    expect(held.every((a) => a.kind === 'wait' && a.reason === 'circuit-open')).toBe(true);
    // Other receivers are not affected.
    expect(await circuit.admit('steady')).toMatchObject({ kind: 'send', probe: false });

    await probeDue('flaky');
    const race = await Promise.all(Array.from({ length: 5 }, () => circuit.admit('flaky')));
    expect(race.filter((a) => a.kind === 'send')).toEqual([{ kind: 'send', probe: true, healthy: false }]);

    // A failed probe reopens at once; a successful one closes.
    expect(await circuit.failed('flaky')).toBe(true);
    expect((await circuit.admit('flaky')).kind).toBe('wait');
    await probeDue('flaky');
    expect(await circuit.admit('flaky')).toMatchObject({ kind: 'send', probe: true });
    await circuit.succeeded('flaky');
    // Closed with no failures: the next success needs no write.
    expect(await circuit.admit('flaky')).toEqual({ kind: 'send', probe: false, healthy: true });
    const [row] = await db.query<{ circuit: string; consecutive_failures: number }>(
      "SELECT circuit, consecutive_failures FROM receiver_health WHERE receiver_id = 'flaky'",
    );
    expect(row).toEqual({ circuit: 'closed', consecutive_failures: 0 });
  });
});
