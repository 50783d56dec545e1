import { XMLParser } from 'fast-xml-parser';
import type { Code, Codelist } from './codelist.js';

/** A code list document the hub cannot use; the message names the document and the problem. */
export class CodelistFormatError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'CodelistFormatError';
  }
}

// Elements genericode allows to repeat: always arrays, so one row reads like many.
const REPEATABLE = new Set(['LongName', 'Description', 'Column', 'Key', 'ColumnRef', 'Row', 'Value']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false, // codes such as "1" must stay strings
  parseAttributeValue: false,
  trimValues: true,
  // Numeric character references (&#228;) are plain XML but only decoded with this on.
  htmlEntities: true,
  isArray: (name) => REPEATABLE.has(name),
});

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const nodes = (value: unknown): Node[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(isNode);
const attr = (node: Node, name: string): string | undefined => text(node[`@${name}`]);

/** Text content of an element whether it came out as a string, an element with attributes, or a list of them. */
function text(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = text(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'string' || typeof value === 'number') return String(value).trim() || undefined;
  if (isNode(value)) return text(value['#text']);
  return undefined;
}

/** Column ids mapped to the canonical model's code fields; other columns are allowed and ignored. */
const FIELDS: Record<string, keyof Code> = { code: 'code', name: 'name', name_en: 'nameEn', description: 'description', parent: 'parent' };
const REQUIRED_COLUMNS = ['code', 'name', 'name_en'];
const IDENTIFICATION = ['ShortName', 'LongName', 'Version', 'CanonicalUri', 'CanonicalVersionUri'] as const;

/** Parses one genericode 1.0 `CodeList` document; `source` (usually the file path) names it in errors. */
export function parseGenericode(xml: string, source = 'genericode document'): Codelist {
  const fail = (problem: string): never => {
    throw new CodelistFormatError(source, problem);
  };

  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (e) {
    return fail(`not well-formed XML (${(e as Error).message})`);
  }
  const root = doc.CodeList;
  if (!isNode(root)) return fail('the root element is not a genericode CodeList');

  const ident = isNode(root.Identification) ? root.Identification : {};
  const missing = IDENTIFICATION.filter((field) => identification(ident, field) === undefined);
  if (missing.length > 0) fail(`Identification lacks ${missing.join(', ')}`);
  const field = (name: (typeof IDENTIFICATION)[number]) => identification(ident, name) as string;

  const columns = readColumns(root, fail);
  const codes = readRows(root, columns, fail);
  checkParents(codes, fail);

  const codelist: Codelist = {
    id: field('ShortName'),
    name: field('LongName'),
    uri: field('CanonicalUri'),
    version: field('Version'),
    versionUri: field('CanonicalVersionUri'),
    codes,
  };
  const description = text(nodes(root.Annotation).flatMap((a) => a.Description ?? []));
  if (description !== undefined) codelist.description = description;
  return codelist;
}

function identification(ident: Node, field: string): string | undefined {
  if (field !== 'LongName') return text(ident[field]);
  // Alternate long names carry an Identifier; the plain one is the list's name.
  const names: unknown[] = Array.isArray(ident.LongName) ? ident.LongName : [ident.LongName];
  return text(names.filter((n) => !isNode(n) || attr(n, 'Identifier') === undefined)) ?? text(names);
}

/** Column ids in document order (positional Values need the order), after checking the key. */
function readColumns(root: Node, fail: (problem: string) => never): string[] {
  const columnSet = root.ColumnSet;
  if (!isNode(columnSet)) fail(root.ColumnSetRef !== undefined ? 'ColumnSetRef is not supported; the ColumnSet must be inline' : 'ColumnSet is missing');
  const set = columnSet;

  const columns = nodes(set.Column).map((c, i) => attr(c, 'Id') ?? fail(`column ${i + 1} has no Id`));
  const absent = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (absent.length > 0) fail(`ColumnSet lacks the column(s) ${absent.join(', ')}`);

  const keys = nodes(set.Key).map((k) => nodes(k.ColumnRef).map((ref) => attr(ref, 'Ref')));
  if (keys.length === 0) fail('ColumnSet has no Key; the key column must be "code"');
  if (!keys.some((refs) => refs.length === 1 && refs[0] === 'code')) {
    fail(`the key column must be "code", found ${keys.map((refs) => refs.join('+') || '(none)').join(', ')}`);
  }
  return columns;
}

function readRows(root: Node, columns: string[], fail: (problem: string) => never): Code[] {
  const rows = isNode(root.SimpleCodeList) ? nodes(root.SimpleCodeList.Row) : [];
  if (rows.length === 0) fail('SimpleCodeList has no rows');

  const rowOf = new Map<string, number>();
  return rows.map((row, index) => {
    const n = index + 1;
    const values = new Map<string, string>();
    let position = -1;
    for (const value of nodes(row.Value)) {
      // A Value without ColumnRef belongs to the column after the previous one (genericode 1.0).
      const ref = attr(value, 'ColumnRef');
      position = ref !== undefined ? columns.indexOf(ref) : position + 1;
      if (position < 0) fail(`row ${n} refers to undeclared column ${ref}`);
      if (position >= columns.length) fail(`row ${n} has more values than the ColumnSet has columns`);
      const column = columns[position];
      if (value.ComplexValue !== undefined) fail(`row ${n} has a ComplexValue in column ${column}; only SimpleValue is supported`);
      if (values.has(column)) fail(`row ${n} has two values for column ${column}`);
      const content = text(value.SimpleValue);
      if (content !== undefined) values.set(column, content);
    }

    const code = values.get('code') ?? fail(`row ${n} has no value in the key column code`);
    const first = rowOf.get(code);
    if (first !== undefined) fail(`code ${code} appears twice (rows ${first} and ${n})`);
    rowOf.set(code, n);

    const entry: Code = { code, name: '', nameEn: '' };
    for (const [column, content] of values) {
      const field = FIELDS[column];
      if (field) entry[field] = content;
    }
    if (!entry.name) fail(`code ${code} (row ${n}) has no name`);
    if (!entry.nameEn) fail(`code ${code} (row ${n}) has no name_en`);
    return entry;
  });
}

function checkParents(codes: Code[], fail: (problem: string) => never): void {
  const parentOf = new Map(codes.map((c) => [c.code, c.parent]));
  for (const code of codes) {
    if (code.parent !== undefined && !parentOf.has(code.parent)) fail(`code ${code.code} refers to unknown parent ${code.parent}`);
    // A loop would make every walk up the hierarchy run forever.
    const seen = new Set([code.code]);
    for (let p = code.parent; p !== undefined; p = parentOf.get(p)) {
      if (seen.has(p)) fail(`the parents of code ${code.code} form a loop through ${p}`);
      seen.add(p);
    }
  }
}
