import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { TicketActionPath } from '../support/api-client.js';
import { eventually, Stack, type AppName } from '../support/stack.js';
import { addSimulatedVendor } from '../support/participants.js';

/**
 * The requester's personal data goes nowhere it should not (issue 17,
 * personal data; DESIGN.md 9: "never in logs"). A whole exchange through the
 * real processes — hub-api, worker, connectors and the simulated systems
 * receiving signed deliveries — with a requester whose name, e-mail and phone
 * appear nowhere else; processes log at debug. Then: no log line of any
 * process and no delivery (body or header) to any receiver holds them, while
 * the parties entitled to them (origin, current assignee) do read them from
 * the API. After the retention purge no column of any table holds them.
 * Each scan is shown to be able to fail: it finds the ticket's subject,
 * which is not personal data and goes everywhere.
 */
const marker = randomBytes(5).toString('hex');
const phoneDigits = String(randomInt(1_000_000, 9_999_999));
const requester = { name: `Quirin Leakprobe${marker}`, email: `lp.${marker}@example.org`, phone: `+49 30 ${phoneDigits}`, language: 'de', consent: true };
/** What must not appear: each field, and the parts a formatter might split or re-encode it into. */
const needles = [`Leakprobe${marker}`, `lp.${marker}`, phoneDigits, `30 ${phoneDigits}`];
/** Not personal data, in every delivery and the database: the scans' positive control. */
const subjectToken = `Subjectprobe${marker}`;

let stack: Stack;
const PROCESSES: AppName[] = ['hub-api', 'worker', 'simulator', 'connectors'];

beforeAll(async () => {
  stack = await Stack.start({
    SIMULATOR_PARTICIPANTS: 'demo-mila,demo-bela,demo-vendor',
    SIMULATOR_AUTO_ACKNOWLEDGE: 'false',
    LOG_LEVEL: 'debug',
    REQUESTER_DATA_RETENTION: 'PT2S',
    REQUESTER_PURGE_INTERVAL_MS: '200',
  });
  await stack.startApp('connectors');
  await addSimulatedVendor(stack);
}, 90_000);
afterAll(() => stack?.stop());

interface Received {
  raw: { body: string; headers: Record<string, string> };
  body: { ticketId: string };
}
const deliveries = async (participant: string, ticketId: string) =>
  (await stack.simulator<{ items: Received[] }>('GET', `/participants/${participant}/deliveries`)).items.filter((d) => d.body.ticketId === ticketId);

const found = (text: string) => needles.filter((n) => text.toLowerCase().includes(n.toLowerCase()));

async function step(as: string, action: string, ticketId: string, body: unknown) {
  const r = await stack.api.call('POST', `/v1/tickets/{ticketId}/${action}` as TicketActionPath, { as, params: { ticketId }, untypedBody: body });
  expect(r.status).toBe(200);
}
const view = async (as: string, ticketId: string) => (await stack.api.call('GET', '/v1/tickets/{ticketId}', { as, params: { ticketId } })).data;

/** Every text, varchar, json and jsonb column of every table, with how many rows hold `needle` (case-insensitive). */
async function databaseHits(needle: string): Promise<string[]> {
  const columns = await stack.db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'bytea')`,
  );
  const hits: string[] = [];
  for (const { table_name: table, column_name: column, data_type: type } of columns) {
    const c = `"${column}"`;
    // Contents (attachments) as bytes; everything else as its text, case-insensitive.
    const holds = type === 'bytea' ? `position(convert_to($1, 'UTF8') IN ${c}) > 0` : `${c}::text ILIKE '%' || $1 || '%'`;
    const [row] = await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE ${holds}`, [needle]);
    if (row.n > 0) hits.push(`${table}.${column}`);
  }
  return hits;
}

describe('requester data leak scan', () => {
  it('keeps the requester out of every log line and every delivery, shows it only to the entitled, and purges it from the database', async () => {
    // Refused input that carries the requester: the problem answer may name the field, the logs must not carry the value.
    const refused = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      untypedBody: {
        externalId: `LEAK-BAD-${marker}`,
        type: 'incident',
        subject: subjectToken,
        serviceId: 'svc-demo-wohngeld',
        impact: 2,
        urgency: 2,
        channel: 'email',
        requester: { ...requester, phone: `x${phoneDigits}` },
      },
    });
    expect(refused.status).toBe(400);

    const created = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      headers: { 'idempotency-key': randomUUID() },
      body: {
        externalId: `LEAK-${marker}`,
        type: 'incident',
        subject: `Bescheid leer ${subjectToken}`,
        serviceId: 'svc-demo-wohngeld',
        impact: 2,
        urgency: 2,
        channel: 'phone_115',
        requester,
      },
    });
    expect(created.status).toBe(201);
    const id = created.data.id;

    // Entitled: the origin and the assignee read the requester; once the ticket moves on, the former assignee no longer does.
    expect((await view('demo-mila', id)).requester).toEqual(requester);
    expect((await view('demo-bela', id)).requester).toEqual(requester);
    await step('demo-bela', 'acknowledgement', id, { externalId: `BELA-${marker}` });
    await step('demo-bela', 'forward', id, { participantId: 'demo-vendor', note: 'Bitte prüfen' });
    expect((await view('demo-bela', id)).requester).toBeUndefined();
    expect((await view('demo-vendor', id)).requester).toEqual(requester);
    await step('demo-vendor', 'acknowledgement', id, { externalId: `VENDOR-${marker}` });
    await step('demo-vendor', 'comments', id, { text: 'Vorlage wird repariert', visibility: 'public' });
    await step('demo-vendor', 'resolution', id, { code: 'solved', text: 'Vorlage repariert' });
    expect((await view('demo-vendor', id)).requester).toBeUndefined();
    await step('demo-mila', 'close', id, {});

    // Every party got its deliveries (the vendor the forward and the close, the others more).
    await eventually('every party to receive the close', async () =>
      (await Promise.all(['demo-mila', 'demo-bela', 'demo-vendor'].map((p) => deliveries(p, id)))).every((d) => d.length >= 2),
    );
    // The purge runs 2 s after the close; the API then says so to the origin.
    await eventually('the requester to be purged', async () => (await view('demo-mila', id)).requesterPurgedAt !== undefined, 30_000);
    const purgedView = await view('demo-mila', id);
    expect(purgedView.requester).toBeUndefined();

    // Deliveries: to nobody, entitled or not (the spec: never sent in deliveries); the subject does arrive.
    for (const participant of ['demo-mila', 'demo-bela', 'demo-vendor']) {
      const got = await deliveries(participant, id);
      const text = got.map((d) => `${JSON.stringify(d.raw.headers)}\n${d.raw.body}`).join('\n');
      expect(text).toContain(subjectToken);
      expect({ participant, found: found(text) }).toEqual({ participant, found: [] });
    }

    // Logs: every line of every process, up to and including the purge.
    const logs = PROCESSES.map((name) => ({ name, text: stack.log(name) }));
    expect(stack.log('worker')).toContain('purged the requester data of tickets whose retention passed');
    for (const { name, text } of logs) {
      const lines = text.split('\n').filter((line) => found(line).length > 0);
      expect({ process: name, lines }).toEqual({ process: name, lines: [] });
    }

    // The database after the purge: no column of any table; the scan itself finds the subject.
    expect(await databaseHits(subjectToken)).toEqual(expect.arrayContaining(['tickets.subject', 'ticket_events.snapshot', 'outbox_messages.payload']));
    for (const needle of needles) expect({ needle, hits: await databaseHits(needle) }).toEqual({ needle, hits: [] });
  });

  it('runs the operator’s rotate-data-key against the running stack: nothing under another key, exit 0', async () => {
    const output = await stack.runCli(['rotate-data-key']);
    expect(output).toMatch(/^data key [0-9a-f]{8}: re-encrypted tickets\.requester_enc 0, .*; 0 values left under other keys$/m);
  });
});
