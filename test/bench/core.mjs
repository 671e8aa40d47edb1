// Bundles the pure core (server/src/core) once into out/ and loads it, for the benchmarks that call it in process.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

export async function loadCore(name = 'bench-core') {
  const esbuild = await import('esbuild');
  const outfile = join(ROOT, 'out', `${name}.cjs`);
  mkdirSync(dirname(outfile), { recursive: true });
  await esbuild.build({
    entryPoints: [join(ROOT, 'server', 'src', 'core', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    // As in esbuild.mjs: jsonc-parser's UMD "main" cannot be bundled, its ESM build can.
    mainFields: ['module', 'main'],
  });
  return require(outfile);
}
