// `npm run lint` (and a step of `npm test`): ESLint with type-aware rules,
// Prettier's formatting check and a lint of the OpenAPI document. Exits
// non-zero on any finding.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint, loadConfig } from '@redocly/openapi-core';
import { run } from './lib/run.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @param {string} script path under node_modules
 * @param {string[]} args
 */
const runTool = (script, args) => run(process.execPath, [join(root, 'node_modules', script), ...args], { cwd: root });

async function lintOpenApi() {
  const config = await loadConfig({ configPath: join(root, 'redocly.yaml') });
  const problems = await lint({ ref: join(root, 'openapi/drehscheibe.v1.yaml'), config });
  for (const p of problems) {
    console.error(`openapi/drehscheibe.v1.yaml ${p.location[0]?.pointer ?? ''}: ${p.severity} ${p.ruleId}: ${p.message}`);
  }
  return problems.length === 0 ? 0 : 1;
}

export async function runLint() {
  const [eslint, prettier, openapi] = await Promise.all([
    runTool('eslint/bin/eslint.js', ['--max-warnings=0', '.']),
    runTool('prettier/bin/prettier.cjs', ['--check', '--log-level=warn', '.']),
    lintOpenApi(),
  ]);
  if (eslint !== 0) console.error('ESLint found problems');
  if (prettier !== 0) console.error('Prettier found unformatted files (npx prettier --write .)');
  if (openapi !== 0) console.error('the OpenAPI document has lint findings');
  return eslint === 0 && prettier === 0 && openapi === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit((await runLint()) ? 0 : 1);
}
