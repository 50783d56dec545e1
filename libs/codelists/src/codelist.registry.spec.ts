import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CODELIST_IDS,
  CodelistFormatError,
  CodelistRegistry,
  defaultCodelistDirectory,
  UnknownCodelistError,
  type Code,
  type Codelist,
} from '@drehscheibe/codelists';

const dir = defaultCodelistDirectory();
const registry = CodelistRegistry.fromDirectory(dir);

const EXPECTED: Record<(typeof CODELIST_IDS)[number], string[]> = {
  'ticket-status': ['new', 'forwarded', 'acknowledged', 'rejected', 'in_progress', 'waiting', 'resolved', 'closed', 'cancelled'],
  'ticket-type': ['incident', 'service_request', 'question', 'complaint'],
  priority: ['1', '2', '3', '4', '5'],
  impact: ['1', '2', '3'],
  urgency: ['1', '2', '3'],
  channel: ['phone_115', 'email', 'web_form', 'chat', 'letter', 'in_person'],
  category: [
    'access',
    'access.login',
    'access.account',
    'form',
    'form.validation',
    'form.upload',
    'form.submission',
    'payment',
    'payment.failed',
    'payment.refund',
    'status_inquiry',
    'technical',
    'technical.outage',
    'technical.performance',
    'technical.error_message',
    'data_protection',
    'feedback',
    'other',
  ],
  'resolution-code': [
    'solved',
    'workaround_provided',
    'information_provided',
    'duplicate',
    'not_reproducible',
    'no_action_required',
    'referred_elsewhere',
    'cancelled_by_requester',
  ],
};

const list = (id: string, codes: Code[] = [{ code: 'a', name: 'A', nameEn: 'A' }]): Codelist => ({
  id,
  name: id,
  uri: `urn:x:${id}`,
  version: '1.0',
  versionUri: `urn:x:${id}_1.0`,
  codes,
});

/** A scratch copy of the shipped directory, to break one thing at a time. */
function scratchCopy(without: string[] = []): string {
  const scratch = mkdtempSync(join(tmpdir(), 'codelists-'));
  for (const id of CODELIST_IDS) if (!without.includes(id)) copyFileSync(join(dir, `${id}.xml`), join(scratch, `${id}.xml`));
  return scratch;
}
const scratches: string[] = [];
const scratch = (without?: string[]) => {
  const path = scratchCopy(without);
  scratches.push(path);
  return path;
};
afterAll(() => scratches.forEach((path) => rmSync(path, { recursive: true, force: true })));

describe('the shipped code lists', () => {
  it('are exactly the eight lists, sorted by id', () => {
    expect(registry.list().map((l) => l.id)).toEqual([...CODELIST_IDS].sort());
  });

  it.each(Object.entries(EXPECTED))('%s has exactly its codes, in order', (id, codes) => {
    expect(registry.codes(id)).toEqual(codes);
  });

  it.each([...CODELIST_IDS])('%s is identified by URN and version and says what it is for', (id) => {
    const l = registry.get(id);
    expect(l).toMatchObject({
      id,
      version: '1.0',
      uri: `urn:xoev-de:drehscheibe:codeliste:${id}`,
      versionUri: `urn:xoev-de:drehscheibe:codeliste:${id}_1.0`,
    });
    expect(l.name).not.toBe('');
    expect(l.description?.length).toBeGreaterThan(20);
  });

  it('have German and English labels for every code, read as UTF-8', () => {
    for (const l of registry.list()) {
      for (const c of l.codes) {
        expect(c.name.trim()).not.toBe('');
        expect(c.nameEn.trim()).not.toBe('');
      }
    }
    expect(registry.get('priority').name).toBe('Priorität');
    expect(registry.get('category').codes.find((c) => c.code === 'form.validation')?.name).toBe('Eingabeprüfung');
    expect(registry.get('ticket-status').codes.find((c) => c.code === 'in_progress')).toMatchObject({ name: 'In Bearbeitung', nameEn: 'In progress' });
  });

  it('label priority critical … planning', () => {
    expect(registry.get('priority').codes.map((c) => [c.code, c.name, c.nameEn])).toEqual([
      ['1', 'Kritisch', 'Critical'],
      ['2', 'Hoch', 'High'],
      ['3', 'Mittel', 'Medium'],
      ['4', 'Niedrig', 'Low'],
      ['5', 'Planung', 'Planning'],
    ]);
    expect(registry.get('priority').description).toMatch(/Auswirkung.*Dringlichkeit.*ITIL/);
  });

  it('give every sub-category its top-level parent', () => {
    const category = registry.get('category');
    for (const c of category.codes) {
      const dot = c.code.indexOf('.');
      expect([c.code, c.parent]).toEqual([c.code, dot < 0 ? undefined : c.code.slice(0, dot)]);
    }
    const parents = new Set(category.codes.map((c) => c.parent).filter((p) => p !== undefined));
    expect([...parents]).toEqual(['access', 'form', 'payment', 'technical']);
    for (const p of parents) expect(category.codes.find((c) => c.code === p)?.parent).toBeUndefined();
  });

  it('use parent only in category', () => {
    const withParent = registry.list().filter((l) => l.codes.some((c) => c.parent !== undefined));
    expect(withParent.map((l) => l.id)).toEqual(['category']);
  });
});

describe('CodelistRegistry lookups', () => {
  it('answers membership for every shipped code and nothing else', () => {
    for (const [id, codes] of Object.entries(EXPECTED)) for (const code of codes) expect(registry.has(id, code)).toBe(true);
    expect(registry.has('category', 'payment.refund')).toBe(true);
    expect(registry.has('category', 'payment.teleport')).toBe(false);
    expect(registry.has('category', 'Payment.refund')).toBe(false);
    expect(registry.has('priority', '6')).toBe(false);
    expect(registry.has('ticket-status', 'new ')).toBe(false);
    expect(registry.has('impact', 'access')).toBe(false);
    expect(registry.has('nope', 'x')).toBe(false);
  });

  it('gets known lists and refuses unknown ones', () => {
    expect(registry.find('channel')?.id).toBe('channel');
    expect(registry.find('nope')).toBeUndefined();
    expect(() => registry.get('nope')).toThrow(UnknownCodelistError);
    expect(() => registry.get('nope')).toThrow('code list nope is not loaded');
    expect(() => registry.codes('nope')).toThrow(UnknownCodelistError);
  });

  it('hands out lists that cannot be changed behind its back', () => {
    const status = registry.get('ticket-status');
    // Message, not class: jest's sandbox has its own TypeError.
    expect(() => status.codes.push({ code: 'hacked', name: 'x', nameEn: 'x' })).toThrow(/not extensible/);
    expect(() => {
      status.codes[0].code = 'hacked';
    }).toThrow(/read only/);
    expect(registry.has('ticket-status', 'hacked')).toBe(false);
    expect(registry.codes('ticket-status')[0]).toBe('new');
  });

  it('copies the lists it is given', () => {
    const given = list('x');
    const r = CodelistRegistry.fromCodelists([given]);
    given.codes.push({ code: 'b', name: 'B', nameEn: 'B' });
    expect(r.codes('x')).toEqual(['a']);
    expect(r.has('x', 'b')).toBe(false);
  });

  it('sorts by id and does not demand the standard lists', () => {
    const r = CodelistRegistry.fromCodelists([list('b'), list('a')]);
    expect(r.list().map((l) => l.id)).toEqual(['a', 'b']);
    expect(() => r.requireAll(['a', 'b'])).not.toThrow();
    expect(() => r.requireAll(['a', 'c', 'd'])).toThrow('missing code list(s) c, d');
  });

  it('refuses the same list id twice', () => {
    expect(() => CodelistRegistry.fromCodelists([list('a'), list('a')])).toThrow(/code list a is given twice/);
  });
});

describe('CodelistRegistry.fromDirectory', () => {
  it('loads a complete copy', () => {
    expect(CodelistRegistry.fromDirectory(scratch()).codes('urgency')).toEqual(['1', '2', '3']);
  });

  it('refuses a directory that lacks a required list, naming it', () => {
    const path = scratch(['urgency', 'channel']);
    expect(() => CodelistRegistry.fromDirectory(path)).toThrow(CodelistFormatError);
    expect(() => CodelistRegistry.fromDirectory(path)).toThrow(`${path}: missing code list(s) urgency, channel`);
  });

  it('names the file that is broken', () => {
    const path = scratch();
    writeFileSync(join(path, 'impact.xml'), readFileSync(join(dir, 'impact.xml'), 'utf8').replace('<ShortName>impact</ShortName>', ''));
    expect(() => CodelistRegistry.fromDirectory(path)).toThrow(`${join(path, 'impact.xml')}: Identification lacks ShortName`);
  });

  it('refuses a file whose ShortName is not its file name', () => {
    const path = scratch();
    copyFileSync(join(dir, 'impact.xml'), join(path, 'impact-old.xml'));
    expect(() => CodelistRegistry.fromDirectory(path)).toThrow(/impact-old\.xml: ShortName impact does not match the file name/);
  });

  it('ignores files that are not XML', () => {
    const path = scratch();
    writeFileSync(join(path, 'README.md'), '# not a code list');
    expect(CodelistRegistry.fromDirectory(path).list()).toHaveLength(CODELIST_IDS.length);
  });

  it('says which directory it cannot read', () => {
    const missing = join(tmpdir(), 'no-such-codelists-dir');
    expect(() => CodelistRegistry.fromDirectory(missing)).toThrow(`cannot read code list directory ${missing}`);
  });
});

describe('defaultCodelistDirectory', () => {
  const saved = process.env.CODELIST_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CODELIST_DIR;
    else process.env.CODELIST_DIR = saved;
  });

  it('finds the repository codelists/ folder', () => {
    delete process.env.CODELIST_DIR;
    const found = defaultCodelistDirectory();
    expect(found).toMatch(/[/\\]codelists$/);
    expect(found).not.toMatch(/libs[/\\]codelists$/);
    expect(existsSync(join(found, 'ticket-status.xml'))).toBe(true);
  });

  it('is overridden by CODELIST_DIR', () => {
    process.env.CODELIST_DIR = '/srv/drehscheibe/codelists';
    expect(defaultCodelistDirectory()).toBe('/srv/drehscheibe/codelists');
  });
});
