// Finding and running the system programs the servers need (redis-server,
// apt-get, useradd), and whether this process may install them.
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

export const isRoot = () => process.getuid?.() === 0;

/**
 * The first executable file `name` in PATH, then in `extraDirs`; null when there is none.
 * @param {string} name
 * @param {string[]} [extraDirs]
 * @returns {string | null}
 */
export function findExecutable(name, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Runs a command, printing each line of its output with `prefix`; rejects unless it exits with 0.
 * @param {string} command
 * @param {string[]} args
 * @param {string} prefix
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<void>}
 */
export function runPrefixed(command, args, prefix, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`${prefix}${line}\n`);
      });
    }
    child.once('error', reject);
    child.once('close', (code, sig) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${sig ?? `exit code ${code}`})`))));
  });
}
