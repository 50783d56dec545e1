import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '../..');

/**
 * The libraries' layers (docs/architecture.md): a library imports only
 * libraries of lower layers, never a sibling of its own layer except
 * through a port that the lower one defines. Apps compose everything.
 */
const LAYERS: Record<string, number> = {
  // Foundation: rules, contract and plain utilities, no capability.
  domain: 0,
  availability: 0,
  config: 0,
  codelists: 0,
  webhooks: 0,
  // Hashes, Merkle trees and checkpoint signatures of the tamper-evident audit.
  evidence: 0,
  contracts: 1,
  observability: 1,
  client: 2,
  // Infrastructure.
  persistence: 2,
  security: 2,
  // Shared capabilities and the ports the aggregates plug into.
  outbox: 3,
  feed: 3,
  idempotency: 3,
  routing: 3,
  registry: 3,
  // Translation between each participant's own format and the canonical model.
  mapping: 3,
  // Checkpoints over the tickets' hash chains, their proofs and the whole-database check.
  audit: 3,
  // Aggregates.
  tickets: 4,
  notices: 4,
  // Transport: drains the outbox, knows no event kind.
  delivery: 5,
  connectors: 5,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]);
}

const libraries = readdirSync(join(root, 'libs')).filter((name) => statSync(join(root, 'libs', name)).isDirectory());

describe('library layers', () => {
  it('every library has a layer', () => {
    expect(libraries.filter((name) => LAYERS[name] === undefined)).toEqual([]);
  });

  it.each(libraries)('%s imports only libraries of lower layers, and only through their index', (name) => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, 'libs', name, 'src'))) {
      for (const target of importsOf(file)) {
        const where = relative(root, file);
        const library = /^@drehscheibe\/([a-z-]+)(\/.*)?$/.exec(target);
        if (library) {
          const [, other, deep] = library;
          if (deep) violations.push(`${where}: ${target} reaches past the index of ${other}`);
          if (other !== name && !(LAYERS[other] < LAYERS[name]))
            violations.push(`${where}: ${name} (layer ${LAYERS[name]}) imports ${other} (layer ${LAYERS[other]})`);
        } else if (target.startsWith('.') && !join(file, '..', target).startsWith(join(root, 'libs', name))) {
          violations.push(`${where}: ${target} leaves the library`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
