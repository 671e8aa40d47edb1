// Bundles the client (vscode external), the server and the CLI into dist/.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  logLevel: 'warning',
  legalComments: 'none',
  // jsonc-parser's UMD build (its "main") cannot be bundled; its ESM build can.
  mainFields: ['module', 'main'],
};
const builds = [
  { ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  { ...common, entryPoints: ['server/src/node/main.ts'], outfile: 'dist/server.js' },
  {
    ...common,
    entryPoints: ['server/src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  // The end-to-end suite runs inside the extension host: vscode and mocha come from there and node_modules.
  {
    ...common,
    entryPoints: [
      'test/e2e/suite/index.ts',
      'test/e2e/suite/extension.test.ts',
      'test/e2e/suite/editing.test.ts',
      'test/e2e/suite/verify.test.ts',
      'test/e2e/suite/layouts.test.ts',
      'test/e2e/suite/archives.test.ts',
      'test/e2e/suite/authoring.test.ts',
      'test/e2e/suite/registries.test.ts',
      'test/e2e/suite/push.test.ts',
    ],
    outdir: 'out/e2e/suite',
    external: ['vscode', 'mocha'],
  },
];
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  const t = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.error(`esbuild: dist/client.js, dist/server.js, dist/cli.js in ${Date.now() - t} ms`);
}
