// Runs every test file (unit, conformance, LSP over stdio, CLI, fuzz, verify, archives, layers) in one node:test run, with tsx for TypeScript.
// node 20's --test takes no globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [
      'test/unit',
      'test/cli',
      'test/lsp',
      'test/package',
      'test/fuzz',
      'test/verify',
      'test/registry',
      'test/archive',
      'test/layer',
    ];
const files = [];
const walk = (dir) => {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.test\.(ts|mjs)$/.test(e)) files.push(p);
  }
};
roots.forEach(walk);
if (files.length === 0) {
  console.error('No test files found.');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
