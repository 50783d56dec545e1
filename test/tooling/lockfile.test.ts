import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The platforms people develop and deploy on; `npm ci` must work on each from the committed lock. */
const PLATFORMS = [
  { os: 'linux', cpu: 'x64', libc: 'glibc' },
  { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  { os: 'darwin', cpu: 'arm64' },
  { os: 'darwin', cpu: 'x64' },
];

describe('package-lock.json', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockfile-'));
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(PLATFORMS)('lets npm ci install the locked tree on $os-$cpu (dry run)', async ({ os, cpu, libc }) => {
    const args = ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', `--os=${os}`, `--cpu=${cpu}`, ...(libc ? [`--libc=${libc}`] : [])];
    // A lock that misses a platform's optional binary (e.g. @swc/core-darwin-arm64) makes npm ci fail here.
    const { stdout } = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: dir, env: { ...process.env, npm_config_loglevel: 'error' } });
    expect(stdout).toMatch(/added \d+ packages/);
  });
});
