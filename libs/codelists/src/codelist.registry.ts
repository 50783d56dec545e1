import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodelistFormatError, UnknownCodelistError, type Codelist } from './codelist.js';
import { parseGenericode } from './genericode.parser.js';

/** The code lists the canonical model v1 needs; the hub refuses to start without them. */
export const CODELIST_IDS = ['ticket-status', 'ticket-type', 'priority', 'impact', 'urgency', 'channel', 'category', 'resolution-code'] as const;
export type CodelistId = (typeof CODELIST_IDS)[number];

/** The repository's `codelists/` folder, from source and from dist/ alike; `CODELIST_DIR` overrides. */
export function defaultCodelistDirectory(): string {
  if (process.env.CODELIST_DIR) return process.env.CODELIST_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'codelists', 'ticket-status.xml'))) return join(dir, 'codelists');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('codelists/ not found; set CODELIST_DIR');
    dir = parent;
  }
}

/** Loaded once at boot; lookups are O(1). */
export class CodelistRegistry {
  private readonly byId: Map<string, Codelist>;
  private readonly codeSets: Map<string, Set<string>>;

  private constructor(lists: Codelist[]) {
    this.byId = new Map(lists.map((l) => [l.id, l]));
    this.codeSets = new Map(lists.map((l) => [l.id, new Set(l.codes.map((c) => c.code))]));
  }

  static fromCodelists(lists: Codelist[]): CodelistRegistry {
    return new CodelistRegistry(lists);
  }

  static fromDirectory(dir: string): CodelistRegistry {
    const lists = readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .map((f) => parseGenericode(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
    const registry = new CodelistRegistry(lists);
    const missing = CODELIST_IDS.filter((id) => !registry.byId.has(id));
    if (missing.length > 0) throw new CodelistFormatError(dir, `missing code lists: ${missing.join(', ')}`);
    return registry;
  }

  list(): Codelist[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  find(id: string): Codelist | undefined {
    return this.byId.get(id);
  }

  get(id: string): Codelist {
    const list = this.byId.get(id);
    if (!list) throw new UnknownCodelistError(id);
    return list;
  }

  has(id: string, code: string): boolean {
    return this.codeSets.get(id)?.has(code) ?? false;
  }

  codes(id: string): string[] {
    return this.get(id).codes.map((c) => c.code);
  }
}
