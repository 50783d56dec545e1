import { CodelistFormatError, CodelistRegistry, defaultCodelistDirectory, parseGenericode, UnknownCodelistError } from '@drehscheibe/codelists';

const registry = CodelistRegistry.fromDirectory(defaultCodelistDirectory());

function doc(rows: string, key = 'code'): string {
  return `<?xml version="1.0"?>
<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/">
  <Identification><ShortName>t</ShortName><LongName>T</LongName><Version>1.0</Version>
    <CanonicalUri>urn:x:t</CanonicalUri><CanonicalVersionUri>urn:x:t_1.0</CanonicalVersionUri></Identification>
  <ColumnSet><Key Id="k"><ColumnRef Ref="${key}"/></Key></ColumnSet>
  <SimpleCodeList>${rows}</SimpleCodeList>
</gc:CodeList>`;
}
const row = (code: string, parent?: string) =>
  `<Row><Value ColumnRef="code"><SimpleValue>${code}</SimpleValue></Value><Value ColumnRef="name"><SimpleValue>N</SimpleValue></Value>` +
  `<Value ColumnRef="name_en"><SimpleValue>E</SimpleValue></Value>${parent ? `<Value ColumnRef="parent"><SimpleValue>${parent}</SimpleValue></Value>` : ''}</Row>`;

describe('the shipped code lists', () => {
  it.each([
    ['ticket-status', ['new', 'forwarded', 'acknowledged', 'rejected', 'in_progress', 'waiting', 'resolved', 'closed', 'cancelled']],
    ['ticket-type', ['incident', 'service_request', 'question', 'complaint']],
    ['priority', ['1', '2', '3', '4', '5']],
    ['impact', ['1', '2', '3']],
    ['urgency', ['1', '2', '3']],
    ['channel', ['phone_115', 'email', 'web_form', 'chat', 'letter', 'in_person']],
    ['resolution-code', ['solved', 'workaround_provided', 'information_provided', 'duplicate', 'not_reproducible', 'no_action_required', 'referred_elsewhere', 'cancelled_by_requester']],
  ])('%s has exactly its codes', (id, codes) => {
    expect(registry.codes(id)).toEqual(codes);
  });

  it('identifies each list by URN and version', () => {
    const status = registry.get('ticket-status');
    expect(status).toMatchObject({ uri: 'urn:xoev-de:drehscheibe:codeliste:ticket-status', version: '1.0', versionUri: 'urn:xoev-de:drehscheibe:codeliste:ticket-status_1.0' });
    expect(status.codes.find((c) => c.code === 'in_progress')).toMatchObject({ name: 'In Bearbeitung', nameEn: 'In progress' });
  });

  it('keeps the category hierarchy', () => {
    const category = registry.get('category');
    expect(category.codes.find((c) => c.code === 'access.login')?.parent).toBe('access');
    expect(category.codes.filter((c) => !c.parent).map((c) => c.code)).toContain('technical');
  });

  it('answers membership and refuses unknown lists', () => {
    expect(registry.has('category', 'payment.refund')).toBe(true);
    expect(registry.has('category', 'payment.teleport')).toBe(false);
    expect(registry.has('nope', 'x')).toBe(false);
    expect(() => registry.get('nope')).toThrow(UnknownCodelistError);
  });
});

describe('parseGenericode', () => {
  it('parses a single row', () => {
    expect(parseGenericode(doc(row('a'))).codes).toEqual([{ code: 'a', name: 'N', nameEn: 'E' }]);
  });

  it.each([
    ['malformed XML', '<gc:CodeList', /not well-formed/],
    ['a missing identification', doc(row('a')).replace('<ShortName>t</ShortName>', ''), /ShortName is missing/],
    ['another key column', doc(row('a'), 'name'), /key column/],
    ['a duplicate code', doc(row('a') + row('a')), /appears twice/],
    ['an unknown parent', doc(row('a', 'zzz')), /unknown parent zzz/],
    ['no rows', doc(''), /no rows/],
  ])('refuses %s with a clear message', (_name, xml, message) => {
    expect(() => parseGenericode(xml, 'test.xml')).toThrow(CodelistFormatError);
    expect(() => parseGenericode(xml, 'test.xml')).toThrow(message);
  });
});
