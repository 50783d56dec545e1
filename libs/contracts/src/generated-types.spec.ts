import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('generated contract types', () => {
  it('are what openapi-typescript makes of the current OpenAPI document (run `npm run generate:types` after editing it)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'openapi-types-')), 'openapi.ts');
    execFileSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', 'openapi/drehscheibe.v1.yaml', '-o', out], { stdio: 'pipe' });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync('libs/contracts/src/generated/openapi.ts', 'utf8'));
  });
});
