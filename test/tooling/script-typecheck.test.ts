import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Every .mjs file under `dir`, relative to the repository root. */
function modules(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.mjs') && !relative(root, entry.parentPath).startsWith('bench/results'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe('type-checking of the scripts and the benchmark', () => {
  it('covers every module of scripts/ and bench/ (tsconfig.scripts.json, run by npm test)', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.scripts.json', '--listFilesOnly'], {
      cwd: root,
    });
    const checked = new Set(stdout.split('\n').map((file) => relative(root, file.trim())));
    const unchecked = [...modules('scripts'), ...modules('bench')].filter((file) => !checked.has(file));
    expect(unchecked).toEqual([]);
  });
});
