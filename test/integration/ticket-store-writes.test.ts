import { createDataSource, ServiceEntity, TicketEntity, type TicketEventEntity, type TicketPartyEntity } from '@drehscheibe/persistence';
import { TicketStore } from '@drehscheibe/tickets';
import { v7 as uuidv7 } from 'uuid';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The ticket store's hand-written statements must write every field of the
 * entity: a column that one of them forgets would be lost without an error.
 * These tests set every column the entity declares (the list below must
 * name them all, at compile time) and read them back.
 */
let db: TestDatabase;
let dataSource: DataSource;
let store: TicketStore;

beforeAll(async () => {
  db = await createTestDatabase();
  dataSource = await createDataSource({ url: db.url, poolSize: 2 }).initialize();
  store = new TicketStore(dataSource);
  await db.query(`INSERT INTO participants (id, name, kind) VALUES ('mila', 'MiLa', 'land_ticket_system'), ('bela', 'BeLa', 'land_ticket_system'),
    ('third', 'Third', 'land_ticket_system')`);
  await db.query(`INSERT INTO services (id, name, operator_id) VALUES ('svc-a', 'Service A', 'bela'), ('svc-b', 'Service B', 'third')`);
}, 120_000);
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

const at = (iso: string) => new Date(iso);

function newTicket(id: string): TicketEntity {
  return {
    id,
    version: 1,
    type: 'incident',
    subject: 'Login fails',
    description: 'since this morning',
    serviceId: 'svc-a',
    category: 'access',
    impact: 2,
    urgency: 2,
    priority: 2,
    status: 'forwarded',
    originId: 'mila',
    originExternalId: `ext-${id}`,
    assigneeId: 'bela',
    senderId: 'mila',
    resolverId: null,
    supportLevel: 1,
    channel: 'web',
    requesterEnc: 'v1:cipher-text',
    requesterPurgedAt: null,
    resolution: null,
    reportedAt: at('2026-11-30T08:00:00.000Z'),
    createdAt: at('2026-12-01T09:00:00.000Z'),
    updatedAt: at('2026-12-01T09:00:00.000Z'),
    dueAt: at('2026-12-05T09:00:00.000Z'),
    resolvedAt: null,
    closedAt: null,
    chainHead: 'a'.repeat(64),
  };
}

/** A different value for every column (valid for the schema's constraints); the type makes it name every property. */
function changedFrom(t: TicketEntity): TicketEntity {
  return {
    id: t.id,
    version: t.version + 1,
    type: 'service_request',
    subject: 'Login fails on mobile',
    description: 'only on mobile',
    serviceId: 'svc-b',
    category: 'access.login',
    impact: 1,
    urgency: 3,
    priority: 3,
    status: 'resolved',
    originId: 'third',
    originExternalId: `other-${t.id}`,
    assigneeId: 'third',
    senderId: 'bela',
    resolverId: 'bela',
    supportLevel: 2,
    channel: 'phone',
    requesterEnc: 'v1:other-cipher-text',
    requesterPurgedAt: at('2026-12-03T11:00:00.000Z'),
    resolution: { code: 'solved', text: 'reset', resolvedAt: '2026-12-02T10:00:00.000Z', resolvedBy: 'bela' },
    reportedAt: at('2026-11-29T08:00:00.000Z'),
    createdAt: at('2026-12-01T09:30:00.000Z'),
    updatedAt: at('2026-12-02T10:00:00.000Z'),
    dueAt: at('2026-12-06T09:00:00.000Z'),
    resolvedAt: at('2026-12-02T10:00:00.000Z'),
    closedAt: at('2026-12-03T10:00:00.000Z'),
    chainHead: 'b'.repeat(64),
  };
}

function eventFor(t: TicketEntity, type: string): TicketEventEntity {
  return {
    id: uuidv7(),
    ticketId: t.id,
    ticketVersion: t.version,
    type,
    actorId: 'mila',
    occurredAt: t.updatedAt,
    data: {},
    snapshot: {},
    requestSignature: { kid: 'k1', alg: 'EdDSA', jws: 'e30..c2ln', bodySha256: 'e'.repeat(64) },
    prevHash: 'c'.repeat(64),
    hash: 'd'.repeat(64),
  };
}

function parties(t: TicketEntity): TicketPartyEntity[] {
  return [
    { ticketId: t.id, participantId: 'mila', externalId: t.originExternalId, joinedAt: t.createdAt, joinedVersion: 1 },
    { ticketId: t.id, participantId: 'bela', externalId: null, joinedAt: t.createdAt, joinedVersion: 1 },
  ];
}

/** A new ticket with its parties and first event, through the store. */
async function insertNewTicket(): Promise<TicketEntity> {
  const ticket = newTicket(uuidv7());
  const [service] = await dataSource.manager.find(ServiceEntity, { where: { id: ticket.serviceId } });
  await store.insertNew(
    { ticket, parties: parties(ticket), service, comments: [], attachments: [] },
    { event: eventFor(ticket, 'ticket.forwarded'), outbox: { messages: [], deliveries: [] } },
  );
  return ticket;
}

/** Every column the entity declares, as stored. */
async function stored(id: string): Promise<Record<string, unknown>> {
  const [row] = await dataSource.manager.find(TicketEntity, { where: { id } });
  return Object.fromEntries(dataSource.getMetadata(TicketEntity).columns.map((c) => [c.propertyName, c.getEntityValue(row)]));
}

const columnsOf = (t: TicketEntity) => Object.fromEntries(dataSource.getMetadata(TicketEntity).columns.map((c) => [c.propertyName, c.getEntityValue(t)]));

describe('TicketStore writes every column', () => {
  it('a new ticket is stored with every field it was created with', async () => {
    const ticket = await insertNewTicket();
    expect(await stored(ticket.id)).toEqual(columnsOf(ticket));
  });

  it('a change stores every field a command may have changed', async () => {
    const ticket = await insertNewTicket();
    const changed = changedFrom(ticket);
    // Every column differs, so a column the change statement leaves out shows up below.
    const before = columnsOf(ticket);
    const differing = Object.entries(columnsOf(changed)).filter(([k, v]) => k !== 'id' && JSON.stringify(v) !== JSON.stringify(before[k]));
    expect(differing.map(([k]) => k).sort()).toEqual(
      Object.keys(before)
        .filter((k) => k !== 'id')
        .sort(),
    );

    await store.transaction(async (tx) => {
      const loaded = await tx.load(ticket.id, 'mila');
      Object.assign(loaded.ticket, changed);
      await tx.saveChange(loaded.ticket, { event: eventFor(changed, 'ticket.resolved'), outbox: { messages: [], deliveries: [] } });
    });
    expect(await stored(ticket.id)).toEqual(columnsOf(changed));
  });
});
