import { CodelistFormatError, parseGenericode } from './genericode.parser.js';

const NS = 'http://docs.oasis-open.org/codelist/ns/genericode/1.0/';
const COLUMNS = ['code', 'name', 'name_en', 'description', 'parent'];

interface DocParts {
  identification?: string;
  columns?: string[];
  key?: string;
  rows?: string;
  annotation?: string;
}

/** A small genericode document; each part can be replaced to build a broken one. */
function doc(parts: DocParts = {}): string {
  const identification =
    parts.identification ??
    '<ShortName>t</ShortName><LongName>Test</LongName><Version>1.0</Version>' +
      '<CanonicalUri>urn:x:t</CanonicalUri><CanonicalVersionUri>urn:x:t_1.0</CanonicalVersionUri>';
  const columns = (parts.columns ?? COLUMNS)
    .map((id) => `<Column Id="${id}" Use="optional"><ShortName>${id}</ShortName><Data Type="string"/></Column>`)
    .join('');
  const key = parts.key ?? '<Key Id="k"><ShortName>k</ShortName><ColumnRef Ref="code"/></Key>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<gc:CodeList xmlns:gc="${NS}">
  ${parts.annotation ?? ''}
  <Identification>${identification}</Identification>
  <ColumnSet>${columns}${key}</ColumnSet>
  <SimpleCodeList>${parts.rows ?? row('a')}</SimpleCodeList>
</gc:CodeList>`;
}

function row(code: string | undefined, extra: Record<string, string> = {}): string {
  const values: Record<string, string> = { ...(code === undefined ? {} : { code }), name: `Name ${code}`, name_en: `Name en ${code}`, ...extra };
  return `<Row>${Object.entries(values)
    .map(([ref, v]) => `<Value ColumnRef="${ref}"><SimpleValue>${v}</SimpleValue></Value>`)
    .join('')}</Row>`;
}

/** The error parseGenericode throws for `xml`; fails the test if it accepts it. */
function failure(xml: string): CodelistFormatError {
  try {
    parseGenericode(xml, 'bad.xml');
  } catch (e) {
    expect(e).toBeInstanceOf(CodelistFormatError);
    return e as CodelistFormatError;
  }
  throw new Error('parseGenericode accepted a broken document');
}

describe('parseGenericode', () => {
  it('reads identification, annotation and a single row', () => {
    const list = parseGenericode(doc({ annotation: '<Annotation><Description>Wofür</Description></Annotation>' }));
    expect(list).toEqual({
      id: 't',
      name: 'Test',
      uri: 'urn:x:t',
      version: '1.0',
      versionUri: 'urn:x:t_1.0',
      description: 'Wofür',
      codes: [{ code: 'a', name: 'Name a', nameEn: 'Name en a' }],
    });
    expect(list.codes[0]).not.toHaveProperty('description');
    expect(list.codes[0]).not.toHaveProperty('parent');
  });

  it('leaves description out when there is no annotation', () => {
    expect(parseGenericode(doc())).not.toHaveProperty('description');
  });

  it('keeps row order, codes as strings, and optional columns', () => {
    const list = parseGenericode(doc({ rows: row('1') + row('2', { description: 'Zwei', parent: '1' }) + row('10') }));
    expect(list.codes.map((c) => c.code)).toEqual(['1', '2', '10']);
    expect(list.codes[1]).toEqual({ code: '2', name: 'Name 2', nameEn: 'Name en 2', description: 'Zwei', parent: '1' });
  });

  it('does not depend on the namespace prefix', () => {
    const prefixed = doc()
      .replace(/<(\/?)gc:/g, '<$1cl:')
      .replace('xmlns:gc', 'xmlns:cl')
      .replace(/<(\/?)(Identification|ColumnSet|SimpleCodeList|Row|Value|SimpleValue)([\s>])/g, '<$1cl:$2$3');
    const unprefixed = doc()
      .replace(/<(\/?)gc:/g, '<$1')
      .replace('xmlns:gc', 'xmlns');
    expect(prefixed).toContain('<cl:Value ColumnRef="code">');
    expect(parseGenericode(prefixed)).toEqual(parseGenericode(doc()));
    expect(parseGenericode(unprefixed)).toEqual(parseGenericode(doc()));
  });

  it('assigns Values without ColumnRef to the next column, as genericode defines', () => {
    const rows =
      '<Row><Value><SimpleValue>a</SimpleValue></Value><Value><SimpleValue>A</SimpleValue></Value><Value><SimpleValue>A en</SimpleValue></Value></Row>';
    expect(parseGenericode(doc({ rows })).codes).toEqual([{ code: 'a', name: 'A', nameEn: 'A en' }]);
  });

  it('decodes entities and character references', () => {
    const list = parseGenericode(doc({ rows: row('a', { name: 'Pr&#252;fung &amp; Zahlung', name_en: 'Check &#x26; pay' }) }));
    expect(list.codes[0]).toMatchObject({ name: 'Prüfung & Zahlung', nameEn: 'Check & pay' });
  });

  it('takes the plain LongName over alternates with an Identifier', () => {
    const identification =
      '<ShortName>t</ShortName><LongName Identifier="en">Test list</LongName><LongName>Testliste</LongName><Version>1.0</Version>' +
      '<CanonicalUri>urn:x:t</CanonicalUri><CanonicalVersionUri>urn:x:t_1.0</CanonicalVersionUri>';
    expect(parseGenericode(doc({ identification })).name).toBe('Testliste');
  });

  it('ignores extra columns the model does not use', () => {
    const list = parseGenericode(doc({ columns: [...COLUMNS, 'sort'], rows: row('a', { sort: '7' }) }));
    expect(list.codes[0]).toEqual({ code: 'a', name: 'Name a', nameEn: 'Name en a' });
  });
});

describe('parseGenericode refuses', () => {
  it('malformed XML, naming the source', () => {
    const error = failure(doc().replace('</SimpleCodeList>', ''));
    expect(error.message).toMatch(/^bad\.xml: not well-formed XML/);
    expect(error.source).toBe('bad.xml');
  });

  it('a document that is not a CodeList', () => {
    expect(failure(`<gc:CodeListSet xmlns:gc="${NS}"/>`).message).toMatch(/root element is not a genericode CodeList/);
  });

  it.each(['ShortName', 'LongName', 'Version', 'CanonicalUri', 'CanonicalVersionUri'])('a missing Identification/%s', (field) => {
    const xml = doc().replace(new RegExp(`<${field}>[^<]*</${field}>`), '');
    expect(failure(xml).message).toBe(`bad.xml: Identification lacks ${field}`);
  });

  it('an empty identification field like a missing one', () => {
    expect(failure(doc().replace('<Version>1.0</Version>', '<Version> </Version>')).message).toMatch(/Identification lacks Version/);
  });

  it('a missing ColumnSet', () => {
    expect(failure(doc().replace(/<ColumnSet>.*<\/ColumnSet>/s, '')).message).toMatch(/ColumnSet is missing/);
  });

  it('a missing Key', () => {
    expect(failure(doc({ key: '' })).message).toMatch(/ColumnSet has no Key; the key column must be "code"/);
  });

  it('a key on another column', () => {
    expect(failure(doc({ key: '<Key Id="k"><ShortName>k</ShortName><ColumnRef Ref="name"/></Key>' })).message).toMatch(
      /the key column must be "code", found name/,
    );
  });

  it('a ColumnSet without a required column', () => {
    expect(failure(doc({ columns: ['code', 'name'] })).message).toMatch(/ColumnSet lacks the column\(s\) name_en/);
  });

  it('a row without a key value', () => {
    expect(failure(doc({ rows: row('a') + row(undefined) })).message).toBe('bad.xml: row 2 has no value in the key column code');
  });

  it('a row with an empty key value', () => {
    expect(failure(doc({ rows: row('') })).message).toMatch(/row 1 has no value in the key column code/);
  });

  it('a row without an English label', () => {
    const rows = '<Row><Value ColumnRef="code"><SimpleValue>a</SimpleValue></Value><Value ColumnRef="name"><SimpleValue>A</SimpleValue></Value></Row>';
    expect(failure(doc({ rows })).message).toMatch(/code a \(row 1\) has no name_en/);
  });

  it('a duplicate code', () => {
    expect(failure(doc({ rows: row('a') + row('b') + row('a') })).message).toBe('bad.xml: code a appears twice (rows 1 and 3)');
  });

  it('a parent that is not in the list', () => {
    expect(failure(doc({ rows: row('a') + row('a.b', { parent: 'zzz' }) })).message).toBe('bad.xml: code a.b refers to unknown parent zzz');
  });

  it('parents that form a loop', () => {
    expect(failure(doc({ rows: row('a', { parent: 'b' }) + row('b', { parent: 'a' }) })).message).toMatch(/parents of code a form a loop/);
  });

  it('a value for an undeclared column', () => {
    expect(failure(doc({ rows: row('a', { colour: 'rot' }) })).message).toMatch(/row 1 refers to undeclared column colour/);
  });

  it('a list without rows', () => {
    expect(failure(doc({ rows: '' })).message).toMatch(/SimpleCodeList has no rows/);
  });

  it('with a default source name when none is given', () => {
    expect(() => parseGenericode('<gc:CodeList')).toThrow(/^genericode document: not well-formed XML/);
  });
});
