// `npm run typecheck` (and a step of `npm test`): tsc over the TypeScript of
// apps/, libs/, test/ (tsconfig.json) and over the JavaScript of scripts/ and
// bench/ from its JSDoc types (tsconfig.scripts.json), both at once. Exits
// non-zero on any error.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/run.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PROJECTS = ['tsconfig.json', 'tsconfig.scripts.json'];

/** @returns {Promise<boolean>} whether every project type-checks */
export async function runTypecheck() {
  const codes = await Promise.all(
    PROJECTS.map((project) => run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project, '--noEmit'], { cwd: root })),
  );
  PROJECTS.forEach((project, i) => codes[i] !== 0 && console.error(`type errors in ${project}`));
  return codes.every((code) => code === 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit((await runTypecheck()) ? 0 : 1);
}
