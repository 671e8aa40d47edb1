// The .vsix ships only what a user needs: the bundles, schemas, grammar and docs; nothing else, under 1.5 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const vsce = join(root, 'node_modules/.bin/vsce');
const flags = ['--no-dependencies', '--allow-missing-repository', '--skip-license'];

test('the .vsix holds only the allowlisted files and stays under 1.5 MB', () => {
  const files = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
  for (const f of ['dist/client.js', 'dist/server.js', 'dist/cli.js', 'package.json', 'README.md']) {
    assert.ok(files.includes(f), `${f} is packaged`);
  }
  const allowed =
    /^(dist\/(client|server|cli)\.js|schemas\/[\w.-]+\.json|syntaxes\/.+|package\.json|README\.md|CHANGELOG\.md|LICENSE(\.md|\.txt)?|docs\/rules\.md)$/;
  assert.deepEqual(
    files.filter((f) => !allowed.test(f)),
    [],
    'no sources, tests, maps or node_modules',
  );
  const dir = mkdtempSync(join(tmpdir(), 'oci-vsix-'));
  try {
    const out = join(dir, 'oci-manifest.vsix');
    execFileSync(vsce, ['package', ...flags, '-o', out], { cwd: root, stdio: 'ignore' });
    const size = statSync(out).size;
    assert.ok(size < 1.5 * 1024 * 1024, `the .vsix is ${size} bytes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
