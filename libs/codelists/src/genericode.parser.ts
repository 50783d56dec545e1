import { XMLParser } from 'fast-xml-parser';
import { CodelistFormatError, type Code, type Codelist } from './codelist.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['Row', 'Value', 'Column', 'Key', 'ColumnRef'].includes(name),
});

type Node = Record<string, unknown>;
const text = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value).trim() || undefined);

/** Column ids mapped to the canonical model's code fields. */
const FIELDS: Record<string, keyof Code> = { code: 'code', name: 'name', name_en: 'nameEn', description: 'description', parent: 'parent' };

/** Parses one genericode 1.0 `CodeList` document into a code list. */
export function parseGenericode(xml: string, source = 'codelist'): Codelist {
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (e) {
    throw new CodelistFormatError(source, `not well-formed XML (${(e as Error).message})`);
  }
  const root = doc.CodeList as Node | undefined;
  if (!root) throw new CodelistFormatError(source, 'no genericode CodeList element');
  const ident = (root.Identification ?? {}) as Node;
  const required = (field: string) => {
    const value = text(ident[field]);
    if (!value) throw new CodelistFormatError(source, `Identification/${field} is missing`);
    return value;
  };
  const id = required('ShortName');
  const codelist: Codelist = {
    id,
    name: required('LongName'),
    uri: required('CanonicalUri'),
    version: required('Version'),
    versionUri: required('CanonicalVersionUri'),
    description: text(((root.Annotation ?? {}) as Node).Description),
    codes: [],
  };
  if (!codelist.description) delete codelist.description;

  const columnSet = (root.ColumnSet ?? {}) as Node;
  const keyColumn = text(((((columnSet.Key as Node[] | undefined)?.[0]?.ColumnRef as Node[] | undefined) ?? [])[0] ?? {})['@Ref']);
  if (keyColumn !== 'code') throw new CodelistFormatError(source, 'the key column must be "code"');

  const rows = (((root.SimpleCodeList ?? {}) as Node).Row as Node[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const [index, row] of rows.entries()) {
    const code: Partial<Code> = {};
    for (const value of (row.Value as Node[] | undefined) ?? []) {
      const field = FIELDS[String(value['@ColumnRef'])];
      const content = text(value.SimpleValue);
      if (field && content !== undefined) code[field] = content;
    }
    if (!code.code) throw new CodelistFormatError(source, `row ${index + 1} has no code`);
    if (!code.name || !code.nameEn) throw new CodelistFormatError(source, `code ${code.code} lacks name or name_en`);
    if (seen.has(code.code)) throw new CodelistFormatError(source, `code ${code.code} appears twice`);
    seen.add(code.code);
    codelist.codes.push(code as Code);
  }
  if (codelist.codes.length === 0) throw new CodelistFormatError(source, 'the code list has no rows');
  for (const code of codelist.codes) {
    if (code.parent && !seen.has(code.parent)) throw new CodelistFormatError(source, `code ${code.code} refers to unknown parent ${code.parent}`);
  }
  return codelist;
}
