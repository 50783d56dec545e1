import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../..');

describe('jest configuration', () => {
  it('gives every test and set-up hook a generous timeout at the level jest-circus reads', async () => {
    const { default: config } = (await import(pathToFileURL(join(root, 'jest.config.js')).href)) as { default: { testTimeout?: number } };
    // A testTimeout inside `projects` is ignored; hooks then time out after 5 s on a busy machine.
    expect(config.testTimeout).toBeGreaterThanOrEqual(60_000);
  });
});
