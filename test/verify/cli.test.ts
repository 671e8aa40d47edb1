// `oci-manifest verify` as a process (dist/cli.js): text and JSON output in lint's formats, positions of
// the findings, and the exit codes 0 (all verified), 1 (mismatch, missing, invalid layout), 2 (usage, I/O).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { cli, ensureCli, where } from '../cli/cli';
import {
  blobFile,
  copyLayout,
  firstManifest,
  flipByte,
  makeLayouts,
  push,
  startRegistry,
  tempDir,
} from './tools';

let tmp: { dir: string; remove: () => void };
let clean: string;
let n = 0;
const fresh = (): string => copyLayout(clean, path.join(tmp.dir, `copy${n++}`));

before(async () => {
  await ensureCli();
  tmp = tempDir();
  clean = makeLayouts(tmp.dir).clean;
});
after(() => tmp.remove());

test('a clean layout: exit 0, the summary line', () => {
  const r = cli(['verify', clean]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^0 errors, 0 warnings, 0 infos in 3 files$/m);
  assert.ok(
    r.stdout.includes(`${clean}: 4 verified, 0 mismatches, 0 not found; 4 blobs, 0 unreferenced, 0 misnamed`),
    r.stdout,
  );
});

test('a tampered layout: exit 1, the finding at the line and column of the layer digest', () => {
  const dir = fresh();
  const m = firstManifest(dir);
  flipByte(blobFile(dir, m.layers[0]!.digest));
  const r = cli(['verify', dir]);
  assert.equal(r.status, 1);
  const at = where(m.text, JSON.stringify(m.layers[0]!.digest));
  assert.ok(
    r.stdout.includes(
      `${m.file}:${at.line}:${at.col} error oci/blob-digest-mismatch The content of layers[0]`,
    ),
    r.stdout,
  );
  assert.match(r.stdout, /3 verified, 1 mismatch, 0 not found/);
});

test('a missing blob in a layout is a warning and exits 0 (a layout may lack blobs); --require-complete exits 1', () => {
  const dir = fresh();
  const m = firstManifest(dir);
  fs.rmSync(blobFile(dir, m.config.digest));
  const r = cli(['verify', dir]);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /warning oci\/blob-missing .*An OCI layout may lack blobs that an external store/);
  assert.match(r.stdout, /3 verified, 0 mismatches, 1 not found/);
  const strict = cli(['verify', '--require-complete', dir]);
  assert.equal(strict.status, 1, strict.stdout);
  assert.match(strict.stdout, /error oci\/blob-missing/);
});

test('unreferenced blobs alone (info) exit 0; an invalid layout structure exits 1', () => {
  const dir = fresh();
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', 'aa'.repeat(32)), 'not referenced and misnamed');
  const r = cli(['verify', dir]);
  assert.equal(r.status, 1, 'the misnamed blob is an error');
  assert.match(r.stdout, /error oci\/layout-blob-name/);
  assert.match(r.stdout, /info oci\/layout-blob-unreferenced/);
  const ok = fresh();
  const content = 'unreferenced but well named';
  fs.writeFileSync(
    path.join(ok, 'blobs', 'sha256', createHash('sha256').update(content).digest('hex')),
    content,
  );
  const r2 = cli(['verify', ok]);
  assert.equal(r2.status, 0, r2.stdout);
  const broken = fresh();
  fs.rmSync(path.join(broken, 'index.json'));
  const r3 = cli(['verify', broken]);
  assert.equal(r3.status, 1);
  assert.match(r3.stdout, /error oci\/layout-missing-file/);
});

test('a manifest file in a layout uses the layout; --format json has diagnostics, results and the summary', () => {
  const dir = fresh();
  const m = firstManifest(dir);
  fs.truncateSync(blobFile(dir, m.layers[1]!.digest), 10);
  const r = cli(['verify', '--format', 'json', m.file]);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as {
    files: {
      file: string;
      kind: string;
      diagnostics: { code: string; range: { start: { line: number; character: number } } }[];
      results: { status: string; actualSize?: number }[];
    }[];
    summary: { verified: number; sizeMismatch: number; text: string };
  };
  assert.equal(out.files.length, 1);
  assert.equal(out.files[0]!.kind, 'image-manifest');
  assert.deepEqual(
    out.files[0]!.results.map((x) => x.status),
    ['verified', 'verified', 'size-mismatch'],
  );
  assert.equal(out.files[0]!.results[2]!.actualSize, 10);
  const d = out.files[0]!.diagnostics[0]!;
  assert.equal(d.code, 'oci/blob-size-mismatch');
  const at = where(m.text, JSON.stringify(m.layers[1]!.digest));
  assert.deepEqual(d.range.start, { line: at.line - 1, character: at.col - 1 });
  assert.equal(out.summary.text, '2 verified, 1 mismatch, 0 not found');
});

test('usage errors exit 2', () => {
  for (const args of [
    ['verify'],
    ['verify', '--registry', 'https://example.com/app', 'x.json'],
    ['verify', '--registry', 'example.com', 'x.json'],
    ['verify', '--registry', 'example.com/App:latest', 'x.json'],
    ['verify', '--format', 'sarif', 'x.json'],
    ['verify', '--insecure', 'not a host', 'x.json'],
    ['verify', '--timeout', '0', 'x.json'],
    ['verify', '--bogus', 'x.json'],
  ]) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /^oci-manifest: /);
  }
  const missing = cli(['verify', path.join(tmp.dir, 'no-such-file.json')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file or directory/);
});

test('against a real registry: exit 0, then 1 after tampering; an unreachable or stalled registry exits 2', async () => {
  const reg = await startRegistry();
  try {
    push(clean, reg.host, 'app');
    const m = firstManifest(clean);
    const lone = path.join(tmp.dir, 'lone.manifest.json');
    fs.writeFileSync(lone, m.text);
    const ok = cli(['verify', '--registry', `${reg.host}/app`, lone]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /3 verified, 0 mismatches, 0 not found/);
    flipByte(reg.blobData(m.layers[1]!.digest));
    const bad = cli(['verify', '--registry', `${reg.host}/app`, lone]);
    assert.equal(bad.status, 1);
    assert.match(
      bad.stdout,
      /error oci\/blob-digest-mismatch The content of layers\[1\] from http:\/\/127\.0\.0\.1/,
    );
    const noRegistry = cli(['verify', lone]);
    assert.equal(noRegistry.status, 1, 'nothing to read the blobs from: all missing');
    assert.match(noRegistry.stdout, /0 verified, 0 mismatches, 3 not found/);
  } finally {
    await reg.stop();
  }
  const lone = path.join(tmp.dir, 'lone.manifest.json');
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const refused = cli(['verify', '--registry', `127.0.0.1:${port}/app`, lone]);
  assert.equal(refused.status, 2);
  assert.match(refused.stdout, /warning oci\/blob-unreadable .*connection refused/);
  assert.match(refused.stderr, /could not be read/);

  // The stalled server runs in a child process: cli() blocks this one.
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s=require('net').createServer(()=>{}).listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const stalledPort = await new Promise<string>((resolve) =>
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
    );
    const t = Date.now();
    const stalled = cli(['verify', '--timeout', '1', '--registry', `127.0.0.1:${stalledPort}/app`, lone]);
    assert.ok(Date.now() - t < 8000, `took ${Date.now() - t} ms`);
    assert.equal(stalled.status, 2);
    assert.match(stalled.stdout, /did not answer within 1 s/);
  } finally {
    child.kill();
  }
});

test('manifests fetched from a registry are walked like layout ones: a layer the registry lacks is an error', async () => {
  const reg = await startRegistry();
  try {
    push(clean, reg.host, 'walk');
    const m = firstManifest(clean);
    const lone = path.join(tmp.dir, 'walk.index.json');
    fs.copyFileSync(path.join(clean, 'index.json'), lone);
    const ok = cli(['verify', '--registry', `${reg.host}/walk`, lone]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    // The index entry, then the manifest's config and two layers, all read from the registry.
    assert.match(ok.stdout, /: 4 verified, 0 mismatches, 0 not found/);
    fs.rmSync(path.dirname(reg.blobData(m.layers[1]!.digest)), { recursive: true });
    const bad = cli(['verify', '--registry', `${reg.host}/walk`, lone]);
    // Before: "1 verified", exit 0 (the manifest was hashed, never walked).
    assert.equal(bad.status, 1, bad.stdout);
    assert.match(
      bad.stdout,
      new RegExp(
        `^http://${reg.host.replace(/\./g, '\\.')}/v2/walk/manifests/${m.digest}:\\d+:\\d+ error oci/blob-missing No content for layers\\[1\\]`,
        'm',
      ),
    );
    assert.match(bad.stdout, /: 3 verified, 0 mismatches, 1 not found/);
  } finally {
    await reg.stop();
  }
});
