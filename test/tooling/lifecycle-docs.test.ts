import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeLifecycle } from '@drehscheibe/domain';
import { lifecycleMarkdown } from '../support/lifecycle-table.js';

const DOC = join(import.meta.dirname, '../../docs/integration.md');
const START = '<!-- lifecycle:start (generated from libs/domain; UPDATE_DOCS=1 npm test -- test/tooling/lifecycle-docs.test.ts) -->';
const END = '<!-- lifecycle:end -->';

describe('docs/integration.md', () => {
  it('shows the lifecycle table that GET /v1/lifecycle serves (the one state machine)', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const expected = `\n${lifecycleMarkdown(describeLifecycle())}\n`;
    const shown = doc.slice(start + START.length, end);
    if (shown !== expected && process.env.UPDATE_DOCS === '1') writeFileSync(DOC, doc.slice(0, start + START.length) + expected + doc.slice(end));
    expect(shown).toBe(expected);
  });
});
