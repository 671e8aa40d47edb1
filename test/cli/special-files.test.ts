/**
 * A file that turns into a FIFO between the walk and the read (or is named on the command line and swapped
 * after the type check): opening a FIFO for reading waits for a writer, so a plain open would hang `lint`
 * forever. The read runs in a child process, which the test kills when it hangs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempDir } from './cli';

/** Walks `dir`, swaps every target file for a FIFO, then lints the targets; prints the outcomes as JSON. */
const SWAP_AND_LINT = `
const { collectTargets } = require('./server/src/cli/walk.ts');
const { lintTarget } = require('./server/src/cli/lint.ts');
const { readRegularFile } = require('./server/src/cli/readFile.ts');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const [dir, named] = process.argv.slice(1);
const walked = collectTargets([dir]).targets;
const explicit = collectTargets([named]).targets;
for (const t of [...walked, ...explicit]) {
  fs.rmSync(t.path);
  execFileSync('mkfifo', [t.path]);
}
const outcomes = [...walked, ...explicit].map((t) => ({ path: t.path, outcome: lintTarget(t, { severities: {} }) }));
console.log(JSON.stringify({ outcomes, direct: readRegularFile(named, 1024) }));
`;

test('lint: a target swapped for a FIFO after the walk is not waited on', () => {
  const dir = tempDir();
  const layout = path.join(dir, 'layout');
  fs.mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
  fs.writeFileSync(path.join(layout, 'blobs', 'sha256', 'ab'.repeat(32)), '{"schemaVersion": 2}');
  const named = path.join(dir, 'named.manifest.json');
  fs.writeFileSync(named, '{"schemaVersion": 2}');

  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', SWAP_AND_LINT, path.join(dir, 'layout'), named],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  assert.equal(r.signal, null, 'the reads hung on a FIFO and were killed');
  assert.equal(r.status, 0, r.stderr);
  const { outcomes, direct } = JSON.parse(r.stdout) as {
    outcomes: { path: string; outcome: { error?: string; skipped?: boolean; note?: string } }[];
    direct: unknown;
  };
  const byName = new Map(outcomes.map((o) => [path.basename(o.path), o.outcome]));
  // Found in the walk: skipped with a note (the oci-layout file and the blob, one by the blob sniffing path).
  for (const name of ['oci-layout', 'ab'.repeat(32)]) {
    const o = byName.get(name);
    assert.ok(o, `${name} in ${r.stdout}`);
    assert.equal(o.skipped, true, JSON.stringify(o));
    assert.match(o.note ?? '', /: skipped, it is a FIFO \(named pipe\), not a regular file\.$/);
  }
  // Named on the command line: an error (exit 2), naming what it is.
  assert.match(
    byName.get('named.manifest.json')?.error ?? '',
    /named\.manifest\.json: not read, it is a FIFO \(named pipe\), not a regular file\.$/,
  );
  assert.deepEqual(direct, { special: 'a FIFO (named pipe)' });
});

test('the reader: bounded by the limit it is given, whatever the size said before', () => {
  const dir = tempDir();
  const file = path.join(dir, 'grows.json');
  fs.writeFileSync(file, 'x'.repeat(100));
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `const { readRegularFile } = require('./server/src/cli/readFile.ts');
       const f = process.argv[1];
       const small = readRegularFile(f, 100);
       const over = readRegularFile(f, 99);
       require('node:fs').appendFileSync(f, 'y');
       const grown = readRegularFile(f, 100);
       console.log(JSON.stringify({ small: small.bytes.length, over, grown }));`,
      file,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { small: 100, over: { tooLarge: 100 }, grown: { tooLarge: 101 } });
});
