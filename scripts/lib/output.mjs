// Keeping the last lines of a server's output, for error messages that say why it failed.
import { readFileSync } from 'node:fs';

/** Keeps the last `max` lines of a stream of text chunks. */
export class LineTail {
  /** @param {number} [max] */
  constructor(max = 40) {
    this.max = max;
    /** @type {string[]} */
    this.lines = [];
    this.partial = '';
  }
  /** @param {unknown} chunk */
  push(chunk) {
    const parts = (this.partial + String(chunk)).split('\n');
    this.partial = /** @type {string} */ (parts.pop());
    for (const line of parts) if (line.trim() !== '') this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  /** @param {number} [n] */
  text(n = this.max) {
    return [...this.lines, ...(this.partial.trim() ? [this.partial] : [])].slice(-n).join('\n');
  }
}

/**
 * The last `n` non-empty lines of a file; '' when it cannot be read.
 * @param {string} file
 * @param {number} [n]
 */
export function fileTail(file, n = 30) {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-n)
      .join('\n');
  } catch {
    return '';
  }
}

/** @param {string} text */
export function indent(text) {
  return text ? text.replace(/^/gm, '    ') : '    (no output)';
}
