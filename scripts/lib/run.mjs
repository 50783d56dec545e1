// Runs a command with the terminal attached; resolves with its exit code (1 when a signal ended it).
import { spawn } from 'node:child_process';

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<number>}
 */
export function run(command, args, { cwd, env = process.env } = {}) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit', env });
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}
