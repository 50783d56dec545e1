import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { MappingEngine, type CompiledProfile, type MappingProfileDocument, type NativeRequest } from '@drehscheibe/mapping';
import { AUTOMATION_USER, HelpdeskSystem } from '../../../../test/support/helpdesk-system.js';
import type { ConnectorAuth, ConnectorConfig, ConnectorSettings } from '../connector-config.js';
import { ConnectorFault } from '../connector-session.js';
import { SystemError, type PollResult } from '../system-connector.js';
import { ECHO_TICKETS_KEY, RestConnector, type RestConnectorOptions } from './rest-connector.js';

/**
 * The generic REST connector against a real HTTP system that is not built in
 * (test/support/helpdesk-system.ts), driven by a profile's `poll` section.
 */
const engine = new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument());

const PAGE = 3;
const document: MappingProfileDocument = {
  poll: {
    request: { method: 'GET', path: `'/api/changes?after=' & watermark.after & '&limit=${PAGE}'` },
    initialWatermark: "{'after': 0}",
    changes: 'changes',
    more: 'more',
    sourceRef: "'hd-' & id",
    ticket: 'ticket',
    author: 'author',
    at: 'at',
    watermark: "{'after': record.id}",
    payload: '$',
  },
};
const profile: CompiledProfile = engine.compile(document);

const HUB = 'drehscheibe';
const SECRETS = { basic: 's3cret-basic', bearer: 's3cret-bearer', apiKey: 's3cret-key' };
const AUTH: Record<ConnectorAuth['kind'], ConnectorAuth> = {
  basic: { kind: 'basic', username: HUB, password: SECRETS.basic },
  bearer: { kind: 'bearer', token: SECRETS.bearer },
  'api-key': { kind: 'api-key', header: 'X-Api-Key', prefix: 'Key ', value: SECRETS.apiKey },
};

let system: HelpdeskSystem;
let baseUrl: string;

beforeEach(async () => {
  system = new HelpdeskSystem({ basic: { [HUB]: SECRETS.basic }, bearer: { [HUB]: SECRETS.bearer }, apiKey: { [HUB]: SECRETS.apiKey } });
  baseUrl = await system.start();
});
afterEach(() => system.stop());

function configFor(settings: Partial<ConnectorSettings> = {}, auth: ConnectorAuth = AUTH.bearer, url = baseUrl): ConnectorConfig {
  return {
    participantId: 'de-hd-helpdesk',
    kind: 'rest',
    baseUrl: `${url}/`,
    auth,
    settings: { pollIntervalMs: 1000, settleMs: 0, systemUser: HUB, automaticUsers: [AUTOMATION_USER], ...settings },
    enabled: true,
    configuredAt: '2026-01-01T00:00:00.000Z',
  };
}

function connector(settings: Partial<ConnectorSettings> = {}, auth: ConnectorAuth = AUTH.bearer, options: RestConnectorOptions = {}, url = baseUrl) {
  return new RestConnector(configFor(settings, auth, url), profile, fetch, options);
}

const note = (ticket: string, text: string): NativeRequest => ({
  name: 'note',
  method: 'POST',
  path: `/api/tickets/${ticket}/notes`,
  headers: {},
  body: { text },
});

/** Polls until nothing more waits: all changes and echoes, and the last watermark. */
async function drain(rest: RestConnector, watermark: Record<string, unknown> | null) {
  const all = { changes: [] as PollResult['changes'], echoes: 0, watermark };
  for (let more = true; more;) {
    const result = await rest.poll(all.watermark);
    all.changes.push(...result.changes);
    all.echoes += result.echoes;
    all.watermark = result.watermark;
    more = result.more;
  }
  return all;
}

async function refusal(promise: Promise<unknown>): Promise<SystemError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SystemError);
  return error as SystemError;
}

describe('RestConnector: authentication', () => {
  it.each(['basic', 'bearer', 'api-key'] as const)('reads and writes with %s credentials, as the hub user', async (kind) => {
    const ticket = system.createTicket('alice', 'Printer on fire');
    const rest = connector({}, AUTH[kind]);

    const result = await rest.poll(null);
    expect(result.changes.map((c) => c.sourceRef)).toEqual(['hd-1']);
    await rest.write(note(ticket.id, 'On our way'));

    expect(system.writes).toMatchObject([{ method: 'POST', path: `/api/tickets/${ticket.id}/notes`, author: HUB }]);
    expect(system.refusedAuth).toEqual([]);
  });

  it('refuses a wrong credential as system-refused 401, without the secret in the message', async () => {
    const rest = connector({}, { kind: 'basic', username: HUB, password: 'wrong-password' });

    const error = await refusal(rest.poll(null));

    expect({ reason: error.reason, status: error.status }).toEqual({ reason: 'system-refused', status: 401 });
    expect(error.message).toBe('GET /api/changes?after=0&limit=3 answered 401');
    expect(system.refusedAuth).toEqual(['GET /api/changes']);
  });
});

describe('RestConnector: reading changes', () => {
  it('pages through the change log by watermark, oldest first, and says when more waits', async () => {
    const ticket = system.createTicket('alice', 'VPN down', 'since 8:00');
    for (const text of ['one', 'two', 'three', 'four']) system.addNote('bob', ticket.id, text);
    const rest = connector();

    const first = await rest.poll(null);
    const second = await rest.poll(first.watermark);
    const third = await rest.poll(second.watermark);

    expect([first, second, third].map((p) => [p.changes.map((c) => c.sourceRef), p.watermark, p.more])).toEqual([
      [['hd-1', 'hd-2', 'hd-3'], { after: 3 }, true],
      [['hd-4', 'hd-5'], { after: 5 }, false],
      [[], { after: 5 }, false],
    ]);
    expect(first.changes[0]).toEqual({
      sourceRef: 'hd-1',
      payload: system.log[0],
      at: new Date(system.log[0].at),
    });
  });

  it("skips the hub's own writes by author, counts them, and moves the watermark past them", async () => {
    const ticket = system.createTicket('alice', 'Mail bounces');
    const rest = connector();
    const before = await rest.poll(null);

    await rest.write(note(ticket.id, 'Which address?'));
    await rest.write({ name: 'status', method: 'PATCH', path: `/api/tickets/${ticket.id}`, headers: {}, body: { status: 'pending' } });
    system.addNote('alice', ticket.id, 'info@example.org');
    const after = await rest.poll(before.watermark);

    expect(after.changes.map((c) => c.payload)).toEqual([expect.objectContaining({ kind: 'note', author: 'alice', text: 'info@example.org' })]);
    expect(after.echoes).toBe(2);
    expect(after.watermark).toEqual({ after: 4 });
  });

  it("attributes the system's automatic reaction to the change that caused it: skipped after an echo, kept after a person's change", async () => {
    const mine = system.createTicket('alice', 'Solved by the hub side');
    const theirs = system.createTicket('alice', 'Solved, then the user writes');
    system.setStatus('alice', mine.id, 'solved', 'fixed');
    system.setStatus('alice', theirs.id, 'solved', 'fixed');
    const rest = connector();
    const start = await drain(rest, null);

    await rest.write(note(mine.id, 'Reopened by the other side')); // the system reopens it by itself, as automation
    system.addNote('carol', theirs.id, 'It is broken again'); // likewise
    const result = await drain(rest, start.watermark);

    expect(start.changes).toHaveLength(4);
    expect(system.log.slice(-4).map((c) => [c.ticket, c.kind, c.author])).toEqual([
      [mine.id, 'note', HUB],
      [mine.id, 'status', AUTOMATION_USER],
      [theirs.id, 'note', 'carol'],
      [theirs.id, 'status', AUTOMATION_USER],
    ]);
    expect(result.changes.map((c) => c.payload)).toEqual([
      expect.objectContaining({ ticket: theirs.id, kind: 'note', author: 'carol' }),
      expect.objectContaining({ ticket: theirs.id, kind: 'status', author: AUTOMATION_USER, status: 'open' }),
    ]);
    expect(result.echoes).toBe(2);
  });

  it("recognises an automatic reaction to the hub's write also when it comes one poll later", async () => {
    const ticket = system.createTicket('alice', 'Slow reaction');
    const rest = connector();
    await rest.write(note(ticket.id, 'We are on it'));
    const first = await rest.poll(null);
    system.setStatus(AUTOMATION_USER, ticket.id, 'open');
    system.setStatus('alice', ticket.id, 'pending');
    const second = await rest.poll(first.watermark);

    expect(first).toMatchObject({ echoes: 1, watermark: { after: 2, [ECHO_TICKETS_KEY]: [ticket.id] } });
    expect(second.changes.map((c) => c.payload)).toEqual([expect.objectContaining({ author: 'alice', status: 'pending' })]);
    expect(second).toMatchObject({ echoes: 1, watermark: { after: 4 } });
    expect(second.watermark).not.toHaveProperty(ECHO_TICKETS_KEY);
  });

  it('holds back the first record younger than the settle time, and everything after it, until it has settled', async () => {
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    let now = t0 + 60_000;
    const rest = connector({ settleMs: 5_000 }, AUTH.bearer, { now: () => now });
    system.setClock(() => new Date(t0)); // a minute old
    const ticket = system.createTicket('alice', 'Old news');
    system.setClock(() => new Date(now - 1_000)); // a second old
    system.addNote('alice', ticket.id, 'first half');
    system.setStatus('alice', ticket.id, 'pending');

    const early = await rest.poll(null);
    now += 5_000;
    const settled = await rest.poll(early.watermark);

    expect([early.changes.map((c) => c.sourceRef), early.watermark, early.more]).toEqual([['hd-1'], { after: 1 }, false]);
    expect([settled.changes.map((c) => c.sourceRef), settled.watermark]).toEqual([['hd-2', 'hd-3'], { after: 3 }]);
  });

  it('answers a system that refuses the poll with system-refused and its status', async () => {
    system.refuseNext(503);
    const error = await refusal(connector().poll({ after: 7 }));
    expect([error.reason, error.status, error.message]).toEqual(['system-refused', 503, 'GET /api/changes?after=7&limit=3 answered 503']);
  });
});

describe('RestConnector: a profile that cannot read the system', () => {
  it('fails as mapping-failed with the pointer of the expression', async () => {
    system.createTicket('alice', 'No ticket number in the record');
    const broken = engine.compile({ poll: { ...document.poll!, ticket: 'number' } });
    const rest = new RestConnector(configFor(), broken);

    const error = await rest.poll(null).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ConnectorFault);
    expect([(error as ConnectorFault).reason, (error as ConnectorFault).message]).toEqual(['mapping-failed', '/poll/ticket: a change record names no ticket']);
    await expect(new RestConnector(configFor(), engine.compile({})).poll(null)).rejects.toMatchObject({ reason: 'mapping-failed' });
  });
});

describe('RestConnector: writing', () => {
  it("sends the rendered request with the profile's headers and answers the system's JSON", async () => {
    const rest = connector({}, AUTH['api-key']);
    const outcome = await rest.write({
      name: 'create',
      method: 'POST',
      path: '/api/tickets',
      headers: { 'idempotency-key': 'evt-1' },
      body: { subject: 'From the hub', description: 'forwarded' },
    });
    const again = await rest.write({
      name: 'create',
      method: 'POST',
      path: '/api/tickets',
      headers: { 'idempotency-key': 'evt-1' },
      body: { subject: 'From the hub' },
    });

    expect(outcome).toMatchObject({ status: 201, body: { id: 'HD-1', subject: 'From the hub' } });
    expect(again).toEqual(outcome);
    expect(system.tickets.size).toBe(1);
    expect(system.writes[0].headers).toMatchObject({ 'idempotency-key': 'evt-1', 'x-api-key': `Key ${SECRETS.apiKey}`, 'content-type': 'application/json' });
    expect(await rest.before()).toEqual({});
    expect(await rest.confirm()).toBeNull();
  });

  it('refuses a write the system does not take (any status but 2xx), with the status', async () => {
    const ticket = system.createTicket('alice', 'Locked');
    const rest = connector();
    system.refuseNext(409);

    const conflict = await refusal(rest.write(note(ticket.id, 'hello')));
    const missing = await refusal(rest.write(note('HD-404', 'hello')));

    expect([conflict.reason, conflict.status, conflict.message]).toEqual(['system-refused', 409, `POST /api/tickets/${ticket.id}/notes answered 409`]);
    expect([missing.reason, missing.status]).toEqual(['system-refused', 404]);
    expect(system.log).toHaveLength(1);
  });
});

describe('RestConnector: a system that cannot be reached or answers nonsense', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers system-unreachable when nothing listens, naming the network error but no credential', async () => {
    await system.stop();
    const error = await refusal(connector({}, AUTH.basic).poll(null));
    expect([error.reason, error.message]).toEqual(['system-unreachable', 'GET /api/changes?after=0&limit=3: ECONNREFUSED']);
    const write = await refusal(connector({}, AUTH.basic).write(note('HD-1', 'x')));
    expect(write.reason).toBe('system-unreachable');
    expect(`${error.message} ${write.message}`).not.toContain(SECRETS.basic);
  });

  it('answers system-unreachable when the system does not answer in time', async () => {
    const url = await serve(() => undefined); // takes the request, never answers
    const error = await refusal(connector({}, AUTH.bearer, { timeoutMs: 200 }, url).poll(null));
    expect([error.reason, error.message]).toEqual(['system-unreachable', 'GET /api/changes?after=0&limit=3: no answer within 200 ms']);
  });

  it('answers system-answer-invalid when the change log is not JSON', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    const error = await refusal(connector({}, AUTH.bearer, {}, url).poll(null));
    expect([error.reason, error.message]).toEqual(['system-answer-invalid', 'GET /api/changes?after=0&limit=3 answered 200 with a body that is not JSON']);
  });
});
