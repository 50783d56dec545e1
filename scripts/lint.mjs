// `npm run lint` (and a step of `npm test`): ESLint with type-aware rules,
// Prettier's formatting check and two lints of the OpenAPI document (Redocly;
// Spectral with the OpenAPI and OWASP rulesets, see .spectral.yaml). Exits
// non-zero on any finding (Spectral: on any error).
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

/** Spectral: `spectral:oas` and the OWASP ruleset, both from node_modules (no network). */
export const lintOpenApiSpectral = () =>
  runTool('@stoplight/spectral-cli/dist/index.js', [
    'lint',
    'openapi/drehscheibe.v1.yaml',
    '--ruleset',
    join(root, '.spectral.yaml'),
    '--fail-severity',
    'error',
  ]);

export async function runLint() {
  const [eslint, prettier, openapi, spectral] = await Promise.all([
    runTool('eslint/bin/eslint.js', ['--max-warnings=0', '.']),
    runTool('prettier/bin/prettier.cjs', ['--check', '--log-level=warn', '.']),
    lintOpenApi(),
    lintOpenApiSpectral(),
  ]);
  if (eslint !== 0) console.error('ESLint found problems');
  if (prettier !== 0) console.error('Prettier found unformatted files (npx prettier --write .)');
  if (openapi !== 0) console.error('the OpenAPI document has lint findings');
  if (spectral !== 0) console.error('the OpenAPI document has Spectral errors (npm run lint:openapi)');
  return eslint === 0 && prettier === 0 && openapi === 0 && spectral === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `--openapi`: only the two lints of the OpenAPI document (`npm run lint:openapi`).
  if (process.argv.includes('--openapi')) {
    const [redocly, spectral] = await Promise.all([lintOpenApi(), lintOpenApiSpectral()]);
    process.exit(redocly === 0 && spectral === 0 ? 0 : 1);
  }
  process.exit((await runLint()) ? 0 : 1);
}
