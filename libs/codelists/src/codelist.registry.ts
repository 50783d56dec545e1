import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Codelist } from './codelist.js';
import { CodelistFormatError, parseGenericode } from './genericode.parser.js';

/** The code lists the canonical model v1 needs; the hub refuses to start without them. */
export const CODELIST_IDS = ['ticket-status', 'ticket-type', 'priority', 'impact', 'urgency', 'channel', 'category', 'resolution-code'] as const;
export type CodelistId = (typeof CODELIST_IDS)[number];

export class UnknownCodelistError extends Error {
  constructor(readonly id: string) {
    super(`code list ${id} is not loaded`);
    this.name = 'UnknownCodelistError';
  }
}

/**
 * The repository's `codelists/` folder, found by walking up from this module so
 * it works from `libs/` (jest) and from `dist/libs/` (runtime); `CODELIST_DIR` overrides.
 */
export function defaultCodelistDirectory(): string {
  const override = process.env.CODELIST_DIR?.trim();
  if (override) return resolve(override);
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    // Look for a known file, not the folder name: libs/codelists/ is a folder too.
    const candidate = join(dir, 'codelists');
    if (existsSync(join(candidate, 'ticket-status.xml'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no codelists/ directory found above ${start}; set CODELIST_DIR`);
  }
}

function deepFreeze(list: Codelist): Codelist {
  for (const code of list.codes) Object.freeze(code);
  Object.freeze(list.codes);
  return Object.freeze(list);
}

/** Code lists loaded once at boot; shared read-only, lookups are O(1). */
export class CodelistRegistry {
  private readonly byId = new Map<string, Codelist>();
  private readonly codeSets = new Map<string, ReadonlySet<string>>();
  private readonly sorted: readonly Codelist[];

  private constructor(
    lists: Codelist[],
    private readonly origin: string,
  ) {
    for (const list of lists) {
      if (this.byId.has(list.id)) throw new CodelistFormatError(origin, `code list ${list.id} is given twice`);
      // A private frozen copy: callers (e.g. controllers) cannot change what validation relies on.
      const frozen = deepFreeze(structuredClone(list));
      this.byId.set(list.id, frozen);
      this.codeSets.set(list.id, new Set(frozen.codes.map((c) => c.code)));
    }
    this.sorted = [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  static fromCodelists(lists: Codelist[]): CodelistRegistry {
    return new CodelistRegistry(lists, 'code lists');
  }

  /** Reads every `*.xml` in `dir`, each named `<id>.xml`, and requires all of {@link CODELIST_IDS}. */
  static fromDirectory(dir: string): CodelistRegistry {
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.xml') && !f.startsWith('.'))
        .sort();
    } catch (e) {
      throw new Error(`cannot read code list directory ${dir}: ${(e as Error).message}`, { cause: e });
    }
    const lists = files.map((file) => {
      const path = join(dir, file);
      const list = parseGenericode(readFileSync(path, 'utf8'), path);
      // The file name is the id, so a copied file that kept its old ShortName is caught here.
      if (list.id !== basename(file, '.xml')) throw new CodelistFormatError(path, `ShortName ${list.id} does not match the file name`);
      return list;
    });
    return new CodelistRegistry(lists, dir).requireAll(CODELIST_IDS);
  }

  /** Throws unless every one of `ids` is loaded. */
  requireAll(ids: readonly string[]): this {
    const missing = ids.filter((id) => !this.byId.has(id));
    if (missing.length > 0) throw new CodelistFormatError(this.origin, `missing code list(s) ${missing.join(', ')}`);
    return this;
  }

  /** All loaded lists, sorted by id. */
  list(): Codelist[] {
    return [...this.sorted];
  }

  find(id: string): Codelist | undefined {
    return this.byId.get(id);
  }

  get(id: string): Codelist {
    const list = this.byId.get(id);
    if (!list) throw new UnknownCodelistError(id);
    return list;
  }

  /** Whether `code` is in list `id`; false for an unknown list, so callers need not check first. */
  has(id: string, code: string): boolean {
    return this.codeSets.get(id)?.has(code) ?? false;
  }

  /** The codes of list `id` in document order. */
  codes(id: string): string[] {
    return this.get(id).codes.map((c) => c.code);
  }
}
