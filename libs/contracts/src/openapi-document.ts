import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const OPENAPI_FILE = 'openapi/drehscheibe.v1.yaml';

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Finds the repository root from source (jest) and from dist/ (runtime) alike. */
function findSpec(): string {
  if (process.env.OPENAPI_FILE) return process.env.OPENAPI_FILE;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, OPENAPI_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${OPENAPI_FILE} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let cached: OpenApiDocument | undefined;

/** The hand-written contract, parsed once per process. Callers must not mutate it. */
export function loadOpenApiDocument(): OpenApiDocument {
  cached ??= parse(readFileSync(findSpec(), 'utf8')) as OpenApiDocument;
  return cached;
}
