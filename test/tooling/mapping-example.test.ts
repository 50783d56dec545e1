import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { MappingEngine, type MappingProfileDocument } from '@drehscheibe/mapping';

/**
 * The worked example of docs/mappings.md (a Land's own system, Landesticket)
 * is real: the profile and messages shown there are the files in
 * docs/examples/landesticket, the profile validates, and the messages map
 * to what the text says they do.
 */
const ROOT = resolve(import.meta.dirname ?? '.', '../..');
const DIR = join(ROOT, 'docs/examples/landesticket');
const read = (name: string): unknown => JSON.parse(readFileSync(join(DIR, name), 'utf8'));
const profileDocument = read('profile.json') as MappingProfileDocument;
const engine = new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument());
const context = { participantId: 'de-xy-landesticket' };

/** The ```json blocks of docs/mappings.md that follow a `<!-- file: NAME -->` marker, by file name. */
function documentedFiles(): Map<string, string> {
  const text = readFileSync(join(ROOT, 'docs/mappings.md'), 'utf8');
  return new Map([...text.matchAll(/<!-- file: ([\w.-]+) -->\s*```json\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]));
}

describe('the worked mapping example', () => {
  it('shows exactly the files, all of them', () => {
    const shown = documentedFiles();
    expect([...shown.keys()].sort()).toEqual(['profile.json', 'ticket-angelegt-antwort.json', 'ticket-angelegt.json', 'ticket-geaendert.json']);
    for (const [name, block] of shown) expect(JSON.parse(block)).toEqual(read(name));
  });

  it('validates', () => {
    expect(engine.validate(profileDocument)).toEqual([]);
  });

  it('maps a new Landesticket ticket to a canonical create', async () => {
    const result = await engine.compile(profileDocument).inbound(read('ticket-angelegt.json'), context);
    expect(result).toMatchObject({
      rule: 'angelegt',
      operation: 'createTicket',
      body: {
        externalId: 'LT-2026-0042',
        type: 'incident',
        subject: 'Anmeldung mit BundID schlägt fehl',
        serviceId: 'wohngeld',
        impact: 2,
        urgency: 1,
        channel: 'phone_115',
      },
    });
  });

  it('maps a resolution to the desired state resolved, with its change as source reference', async () => {
    const result = await engine.compile(profileDocument).inbound(read('ticket-geaendert.json'), context);
    expect(result).toEqual({
      rule: 'geaendert',
      operation: 'setTicketState',
      ticket: 'LT-2026-0042',
      sourceRef: 'chg-0007',
      body: { status: 'resolved', text: 'Das Zertifikat des Dienstes wurde erneuert.', resolutionCode: 'solved', externalId: 'LT-2026-0042' },
    });
  });

  it('renders a forwarded ticket as Landesticket request, and reads its number from the answer', async () => {
    const profile = engine.compile(profileDocument);
    const ticket = {
      id: '0193a1b2-0000-7000-8000-000000000001',
      subject: 'Anmeldung',
      description: 'Fehler 500',
      service: { id: 'wohngeld', name: 'Wohngeld' },
      impact: 2,
      urgency: 1,
    };
    const { request } = await profile.outbound({ type: 'ticket.forwarded', body: { type: 'ticket.forwarded', ticket } }, context);
    expect(request).toEqual({
      name: 'anlegen',
      method: 'POST',
      path: '/api/tickets',
      headers: { 'x-landesticket-mandant': 'drehscheibe' },
      body: { titel: 'Anmeldung', beschreibung: 'Fehler 500', dienst: 'wohngeld', auswirkung: 'mittel', dringlichkeit: 'hoch', referenz: ticket.id },
    });
    expect(await profile.answer('anlegen', read('ticket-angelegt-antwort.json'), context)).toEqual({
      state: { status: 'acknowledged', externalId: 'LT-2026-0042' },
    });
  });

  it('renders a resolution with the native status and resolution kind, the ticket number filled when sent', async () => {
    const profile = engine.compile(profileDocument);
    const ticket = { status: 'resolved', resolution: { code: 'information_provided', text: 'Auskunft erteilt.', resolvedAt: '2026-12-02T10:00:00Z' } };
    const { request } = await profile.outbound({ type: 'ticket.resolved', body: { type: 'ticket.resolved', ticket } }, context);
    expect(request).toMatchObject({
      method: 'PATCH',
      path: '/api/tickets/{externalId}',
      body: { status: 'geloest', loesung: 'Auskunft erteilt.', loesungsart: 'auskunft' },
    });
  });
});
