import { randomBytes } from 'node:crypto';
import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { MappingEngine, MappingProfiles } from '@drehscheibe/mapping';
import { createDataSource } from '@drehscheibe/persistence';
import { FieldCipher } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@drehscheibe/config';
import { createWorkerTickets } from '../../apps/worker/src/ticket-runtime.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startInProcessHub } from '../support/in-process-hub.js';
import { hubEnvironment, testServers } from '../support/environment.js';

/**
 * Reads inside a change's transaction must use that transaction's
 * connection. Regression (found by `npm run bench`, issue 15): the outbox looks up the
 * receivers' mapping profiles inside a change's transaction, which holds a
 * pool connection. When that lookup waited for a fresh read of the
 * bindings, the read needed one more connection; with every connection held
 * by such a change, all of them waited until the pool's connect timeout
 * (503s under load). Here the pool has one connection and a transaction
 * holds it: the lookup must answer without a connection, and refresh later.
 */
let db: TestDatabase;
let dataSource: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  dataSource = await createDataSource({ url: db.url, poolSize: 1, connectTimeoutMs: 1000 }).initialize();
}, 90_000);
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

it('looks up the active profiles without a connection once the bindings were read, also when they are stale', async () => {
  let now = 0;
  const profiles = new MappingProfiles(
    dataSource,
    new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument(), {}),
    new FieldCipher(randomBytes(32).toString('base64')),
    { refreshMs: 1000, now: () => now },
  );
  await profiles.warm();
  now += 5000;
  // The change's transaction holds the pool's only connection while the outbox renders.
  const found = await dataSource.transaction(async (em) => {
    await em.query('SELECT 1');
    return profiles.activeMany(['demo-mila', 'demo-bela']);
  });
  expect(found.size).toBe(0);
  // The refresh it started runs once the connection is free again.
  now += 5000;
  await profiles.warm();
});

it('forwards with the target participant read in the change’s own transaction', async () => {
  // The same class of fault: the forward step read the new assignee on a second connection.
  const hub = await startInProcessHub();
  const oneConnection = await createDataSource({ url: hub.db.url, poolSize: 1, connectTimeoutMs: 1000 }).initialize();
  try {
    const target = `de-sh-pool-${randomBytes(3).toString('hex')}`;
    expect(
      (await hub.api.admin('POST', '/v1/participants', { id: target, name: 'Pool SH', kind: 'land_ticket_system', level: 'state', land: 'DE-SH' })).status,
    ).toBe(201);
    const created = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: `POOL-${Date.now()}`, type: 'incident', subject: 'Weiter', serviceId: 'svc-demo-wohngeld', impact: 2, urgency: 2, channel: 'email' },
    });
    const config = loadConfig(hubEnvironment(hub.db.url, testServers().redisUrl, {}));
    const tickets = createWorkerTickets(config, oneConnection, { dispatch: () => Promise.resolve() });
    await tickets.profiles.warm();
    await tickets.desiredState.set('demo-bela', created.data.id, { status: 'acknowledged', externalId: 'BELA-POOL' });
    const result = await tickets.desiredState.set('demo-bela', created.data.id, {
      status: 'forwarded',
      assignee: { participantId: target },
      text: 'Zuständig ist SH.',
    });
    expect(result.ticket.assignee.participantId).toBe(target);
  } finally {
    await oneConnection.destroy();
    await hub.close();
  }
}, 90_000);
