import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const root = join(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** package.json's `engines.node`: the one statement of which Node.js versions the hub runs on. */
const declared = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;

/** The Node.js versions of the image's `FROM node:<version>-…` lines, with `${ARG}` defaults filled in. */
function imageVersions(dockerfile: string): string[] {
  const args = new Map([...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map(([, name, value]) => [name, value]));
  return [...dockerfile.matchAll(/^FROM\s+node:(\S+?)(?:-\S+)?(?:\s|$)/gm)].map(([, tag]) =>
    tag.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? ''),
  );
}

describe('one Node.js version everywhere', () => {
  it('declares a valid range in package.json', () => {
    expect(semver.validRange(declared)).not.toBeNull();
  });

  it('runs on this machine, the kind CI runs on, inside the declared range', () => {
    expect({ node: process.version, inRange: semver.satisfies(process.version, declared) }).toEqual({ node: process.version, inRange: true });
  });

  it('builds the image on one LTS line of Node.js that the declared range admits', () => {
    const versions = imageVersions(read('docker/Dockerfile'));
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions).size).toBe(1);
    const [version] = versions;
    const major = Number(version.split('.')[0]);
    expect(major % 2).toBe(0); // even lines become LTS; odd ones never do
    // A tag such as `24` floats to the newest 24.x, so the range must admit the top of that line.
    const newest = semver.valid(version) ?? `${major}.999.0`;
    expect({ image: version, inRange: semver.satisfies(newest, declared) }).toEqual({ image: version, inRange: true });
  });

  it('declares only versions that every locked dependency supports', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; engines?: { node?: unknown } }> };
    const conflicts = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && typeof p.engines?.node === 'string' && !semver.subset(declared, p.engines.node))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version}: engines ${String(p.engines?.node)}`);
    // A dependency that needs more than `declared`: pin one that supports it (package.json
    // overrides) or narrow the range, and keep CI's machine and the image inside it.
    expect(conflicts).toEqual([]);
  });
});
