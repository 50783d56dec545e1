import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import { RestConnector, type ConnectorConfig, type PollResult } from '@drehscheibe/connectors';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { MappingEngine, type CompiledProfile, type MappingProfileDocument, type NativeRequest } from '@drehscheibe/mapping';
import { AUTOMATION_USER, HelpdeskSystem } from '../support/helpdesk-system.js';

/**
 * The worked example of docs/connectors.md (the generic REST connector and
 * a system that is not built in, Helpdesk) is real: the profile shown there
 * is docs/examples/helpdesk/profile.json, it validates, and it reads and
 * writes the Helpdesk system (test/support/helpdesk-system.ts) as the text
 * says: the system's changes become canonical commands, the hub's events
 * become Helpdesk requests, and the hub's own writes are not read back.
 */
const ROOT = resolve(import.meta.dirname ?? '.', '../..');
const profileDocument = JSON.parse(readFileSync(join(ROOT, 'docs/examples/helpdesk/profile.json'), 'utf8')) as MappingProfileDocument;
const engine = new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument());
const context = { participantId: 'de-hd-helpdesk' };
const HUB_USER = 'drehscheibe';
const TOKEN = 'helpdesk-token-of-the-hub';

/** The ```json block of docs/connectors.md after `<!-- file: helpdesk/profile.json -->`. */
function documentedProfile(): unknown {
  const text = readFileSync(join(ROOT, 'docs/connectors.md'), 'utf8');
  const block = /<!-- file: helpdesk\/profile\.json -->\s*```json\n([\s\S]*?)```/.exec(text);
  return block ? JSON.parse(block[1]) : undefined;
}

/** A canonical event as the hub's feed carries it. */
function event(id: string, type: string, ticket: Record<string, unknown>, data: Record<string, unknown> = {}) {
  const body = {
    id,
    type,
    ticketId: '0193a1b2-0000-7000-8000-0000000000a1',
    ticketVersion: 3,
    occurredAt: '2026-12-01T10:00:00.000Z',
    actor: { participantId: 'de-by-bayernportal' },
    data,
    ticket: { id: '0193a1b2-0000-7000-8000-0000000000a1', subject: 'Wohngeldantrag hängt', description: 'Seit Montag', ...ticket },
  };
  return { type, body };
}

describe('the worked connector example (generic REST connector, Helpdesk)', () => {
  let system: HelpdeskSystem;
  let profile: CompiledProfile;
  let connector: RestConnector;

  beforeAll(async () => {
    system = new HelpdeskSystem({ bearer: { [HUB_USER]: TOKEN, agent: 'agent-token' } });
    const config: ConnectorConfig = {
      participantId: context.participantId,
      kind: 'rest',
      baseUrl: await system.start(),
      auth: { kind: 'bearer', token: TOKEN },
      settings: { pollIntervalMs: 2000, settleMs: 0, systemUser: HUB_USER, automaticUsers: [AUTOMATION_USER] },
      enabled: true,
      configuredAt: '2026-01-01T00:00:00.000Z',
    };
    profile = engine.compile(profileDocument);
    connector = new RestConnector(config, profile);
  });
  afterAll(() => system.stop());

  /** The native request for an event, with `{externalId}` filled in as the runtime does. */
  async function render(e: ReturnType<typeof event>, externalId?: string): Promise<NativeRequest> {
    const { request } = await profile.outbound(e, context);
    if (!request) throw new Error(`the profile renders no request for ${e.type}`);
    return externalId ? { ...request, path: request.path.replace('{externalId}', externalId) } : request;
  }

  it('shows the profile file in docs/connectors.md, and it validates', () => {
    expect(documentedProfile()).toEqual(profileDocument);
    expect(engine.validate(profileDocument)).toEqual([]);
  });

  let watermark: PollResult['watermark'] | null = null;
  async function poll(): Promise<PollResult> {
    const result = await connector.poll(watermark);
    watermark = result.watermark;
    return result;
  }

  it("turns a ticket created in Helpdesk into the hub's createTicket, with the change as source reference", async () => {
    system.createTicket('agent', 'Drucker druckt nicht', 'Fehler 0x42');
    const result = await poll();
    const commands = await Promise.all(result.changes.map((c) => profile.inbound(c.payload, context)));

    expect(result.changes.map((c) => c.sourceRef)).toEqual(['helpdesk-change-1']);
    expect(commands).toMatchObject([
      {
        rule: 'created',
        operation: 'createTicket',
        body: { externalId: 'HD-1', subject: 'Drucker druckt nicht', description: 'Fehler 0x42', type: 'incident', channel: 'web_form' },
      },
    ]);
    expect(watermark).toEqual({ after: 1 });
  });

  it("creates a forwarded ticket in Helpdesk once, even when written twice, and reads Helpdesk's number from the answer", async () => {
    const forwarded = event('0193a1b2-0000-7000-8000-0000000000e1', 'ticket.forwarded', { status: 'forwarded' });
    const request = await render(forwarded);
    const outcome = await connector.write(request);
    const again = await connector.write(request); // after a crash: confirm() cannot tell, so the runtime writes again

    expect(request).toMatchObject({ method: 'POST', path: '/api/tickets', headers: { 'idempotency-key': forwarded.body.id } });
    expect(again).toEqual(outcome);
    expect(system.tickets.size).toBe(2);
    expect(await profile.answer(request.name, outcome.body, context)).toEqual({ state: { status: 'acknowledged', externalId: 'HD-2' } });
  });

  it("writes a comment and a resolution, and never reads the hub's own writes back", async () => {
    const comment = event(
      '0193a1b2-0000-7000-8000-0000000000e2',
      'ticket.comment_added',
      { status: 'in_progress' },
      { comment: { text: 'Bitte neu starten.' } },
    );
    await connector.write(await render(comment, 'HD-2'));
    const resolved = event(
      '0193a1b2-0000-7000-8000-0000000000e3',
      'ticket.resolved',
      { status: 'resolved', resolution: { code: 'solved', text: 'Treiber erneuert.' } },
      { status: 'resolved', resolution: { code: 'solved', text: 'Treiber erneuert.' } },
    );
    await connector.write(await render(resolved, 'HD-2'));

    const result = await poll();

    expect(system.tickets.get('HD-2')).toMatchObject({
      status: 'solved',
      resolution: 'fixed',
      notes: [{ text: 'Bitte neu starten.' }, { text: 'Treiber erneuert.' }],
    });
    expect(result).toMatchObject({ changes: [], echoes: 4 });
  });

  it("maps a person's changes in Helpdesk, with the system's automatic reopen after a reply on a solved ticket", async () => {
    system.addNote('agent', 'HD-2', 'Geht wieder nicht.'); // Helpdesk reopens it by itself, as automation
    system.setStatus('agent', 'HD-1', 'solved', 'answered');

    const result = await poll();
    const commands = await Promise.all(result.changes.map((c) => profile.inbound(c.payload, context)));

    expect(commands.map((c) => [c.operation, c.ticket, c.body])).toEqual([
      ['addComment', 'HD-2', { text: 'Geht wieder nicht.', visibility: 'public' }],
      ['setTicketState', 'HD-2', { status: 'in_progress', text: 'Helpdesk: open' }],
      ['setTicketState', 'HD-1', { status: 'resolved', resolutionCode: 'information_provided', text: 'Helpdesk: solved (answered)' }],
    ]);
    expect(result.echoes).toBe(0);
  });
});
