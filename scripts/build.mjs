// Compiles apps/ and libs/ to dist/ with swc (ESM, decorator metadata for Nest
// and TypeORM) from the options in .swcrc. Type checking is separate (`npm run typecheck`): swc only strips
// types, which keeps a rebuild to about a second.
import { readdirSync, mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');

/**
 * @param {string} dir
 * @returns {Generator<string>}
 */
function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

export async function build() {
  rmSync(out, { recursive: true, force: true });
  const files = ['apps', 'libs'].flatMap((d) => (existsSync(join(root, d)) ? [...sources(join(root, d))] : []));
  await Promise.all(
    files.map(async (file) => {
      const { code, map } = await swc.transformFile(file, {
        swcrc: true,
        cwd: root,
        sourceMaps: true,
        jsc: { baseUrl: root, paths: { '@drehscheibe/*': ['libs/*/src/index.ts'] } },
      });
      const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code + `\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
      if (map) writeFileSync(target + '.map', map);
    }),
  );
  return files.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const n = await build();
  console.log(`built ${n} files into dist/ in ${Date.now() - t0} ms`);
}
