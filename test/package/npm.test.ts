// The npm package (`npm pack`) holds the two self-contained bundles and nothing else, and `npm install -g` of it
// gives a working `oci-manifest` command with no dependencies to fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCli, ROOT } from '../cli/cli';

// What an outer `npm test` exports (its prefix, its config) must not steer the npm commands run here.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/.test(k)));
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

test('npm pack holds the bundles; npm install -g of it runs `oci-manifest lint` with no dependencies', async () => {
  await ensureCli();
  assert.ok(existsSync(join(ROOT, 'dist/server.js')), 'dist/server.js is built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'oci-npm-pack-'));
  try {
    // --ignore-scripts: the bundles are built already, and rebuilding them here would rewrite dist/ under the
    // CLI tests that run at the same time.
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      }),
    )[0] as { filename: string; files: { path: string }[] };
    assert.deepEqual(packed.files.map((f) => f.path).sort(), [
      'README.md',
      'dist/cli.js',
      'dist/server.js',
      'package.json',
    ]);
    const prefix = join(dir, 'prefix');
    execFileSync(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        join(dir, packed.filename),
      ],
      { env, stdio: 'pipe' },
    );
    assert.equal(
      existsSync(join(prefix, 'lib/node_modules/oci-manifest/node_modules')),
      false,
      'no dependencies',
    );
    const bin = join(prefix, 'bin/oci-manifest');
    const lint = spawnSync(bin, ['lint', 'examples/broken.manifest.json'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(lint.status, 1, lint.stderr);
    assert.match(lint.stdout, /^examples\/broken\.manifest\.json:2:20 error oci\/schema-version /m);
    assert.equal(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim(), version);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
