// Issue 13, the hostile layouts: `oci-manifest verify` as a process on layouts built to make it say "verified"
// for content it did not check, crash, list or hash files outside the layout. Each test failed on the code
// before the content-source redesign (run it against another build with OCI_MANIFEST_CLI=path/to/cli.js).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { cli, ensureCli } from '../cli/cli';
import { descriptorOf, MT, sha256, text, writeLayout } from '../layouts';
import { tempDir } from './tools';

let tmp: { dir: string; remove: () => void };
let n = 0;
const dirFor = (name: string): string => path.join(tmp.dir, `${name}-${n++}`);

before(async () => {
  await ensureCli();
  tmp = tempDir('oci-hostile-');
});
after(() => tmp.remove());

/** A guard against a hang for the runs over hundreds of thousands of descriptors (the machine may be busy). */
const GUARD_MS = 300_000;

const config = text({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const layer = 'layer bytes';

interface JsonReport {
  files: {
    file: string;
    diagnostics: { code: string; severity: string; message: string }[];
    results: { status: string; path: (string | number)[] }[];
  }[];
  summary: {
    verified: number;
    missing: number;
    invalid: number;
    unchecked: number;
    total: number;
    text: string;
  };
}
const json = (stdout: string): JsonReport => JSON.parse(stdout) as JsonReport;

test('a manifest over 16 MiB is still walked: its missing layer is found, and it is reported as not checked (exit 1)', () => {
  const dir = dirFor('big');
  const big = text({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, config),
    layers: [descriptorOf(MT.layer, layer), descriptorOf(MT.layer, 'a layer the layout does not hold')],
    annotations: { 'org.example.padding': 'x'.repeat(17 * 1024 * 1024) },
  });
  writeLayout(dir, { schemaVersion: 2, manifests: [descriptorOf(MT.manifest, big)] }, [config, layer, big]);
  const r = cli(['verify', '--format', 'json', dir]);
  assert.equal(r.status, 1, r.stderr);
  const out = json(r.stdout);
  // Before: "1 verified, 0 mismatches, 0 not found", exit 0, the layers never looked at.
  assert.equal(out.summary.verified, 2, out.summary.text); // the config and the first layer
  assert.equal(out.summary.unchecked, 1);
  assert.equal(out.summary.missing, 1);
  const index = out.files.find((f) => f.file.endsWith('index.json'))!;
  const notChecked = index.diagnostics.find((d) => d.code === 'oci/blob-not-checked')!;
  assert.equal(notChecked.severity, 'warning');
  assert.match(
    notChecked.message,
    /is 17\.0 MiB, above the 16 MiB a manifest or an index is checked in full/,
  );
  const manifestFile = out.files.find((f) => f.file.endsWith(sha256(big).slice(7)))!;
  assert.deepEqual(
    manifestFile.results.map((x) => x.status),
    ['verified', 'verified', 'missing'],
  );
  assert.match(manifestFile.diagnostics.find((d) => d.code === 'oci/blob-missing')!.message, /layers\[1\]/);
});

test(
  'a manifest with 200,000 layers is walked in full while it streams; each distinct blob is read once',
  { timeout: GUARD_MS + 60_000 },
  () => {
    const dir = dirFor('many');
    const missing = 'the one layer that is not there';
    const layers = Array.from({ length: 200_000 }, () => descriptorOf(MT.layer, layer));
    layers.push(descriptorOf(MT.layer, missing));
    const many = text({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: descriptorOf(MT.config, config),
      layers,
    });
    assert.ok(many.length > 16 * 1024 * 1024);
    writeLayout(dir, { schemaVersion: 2, manifests: [descriptorOf(MT.manifest, many)] }, [
      config,
      layer,
      many,
    ]);
    const r = cli(['verify', '--format', 'json', dir], undefined, GUARD_MS);
    assert.equal(r.status, 1, r.stderr);
    const out = json(r.stdout);
    assert.equal(out.summary.verified, 200_001, out.summary.text);
    assert.equal(out.summary.missing, 1);
    assert.equal(out.summary.unchecked, 1);
    const manifestFile = out.files.find((f) => f.file.endsWith(sha256(many).slice(7)))!;
    assert.equal(manifestFile.results.length, 200_002);
    assert.deepEqual(manifestFile.results.at(-1)!.path, ['layers', 200_000]);
    assert.equal(manifestFile.results.at(-1)!.status, 'missing');
  },
);

test('index entries whose blobs are not manifests (binary, UTF-16, empty, {"foo":1}, a config) are not verified', () => {
  const dir = dirFor('not-manifests');
  const manifestText = text({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, config),
    layers: [],
  });
  const binary = gzipSync(Buffer.from('a tarball, not a manifest'));
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(manifestText, 'utf16le')]);
  const blobs: Uint8Array[] = [binary, utf16, Buffer.alloc(0), Buffer.from('{"foo":1}'), Buffer.from(config)];
  const entries = blobs.map((b) => ({ mediaType: MT.manifest, digest: sha256(b), size: b.length }));
  writeLayout(
    dir,
    { schemaVersion: 2, manifests: entries },
    blobs.map((b) => ({ content: b, at: sha256(b) })),
  );
  const r = cli(['verify', '--format', 'json', dir]);
  assert.equal(r.status, 1);
  const out = json(r.stdout);
  const index = out.files.find((f) => f.file.endsWith('index.json'))!;
  // Before: "5 verified", exit 0.
  assert.deepEqual(
    index.results.map((x) => x.status),
    ['invalid', 'invalid', 'invalid', 'invalid', 'invalid'],
  );
  const why = index.diagnostics.filter((d) => d.code === 'oci/blob-not-manifest').map((d) => d.message);
  assert.equal(why.length, 5);
  assert.match(why[0]!, /not UTF-8 text/);
  assert.match(why[1]!, /UTF-16/);
  assert.match(why[2]!, /is empty/);
  assert.match(why[3]!, /is JSON, but not a manifest or an index/);
  assert.match(why[4]!, /reads as OCI image config/);
  assert.equal(out.summary.verified, 0);
  assert.equal(out.summary.invalid, 5);
});

test(
  'an index.json with 125,000 entries is verified without a crash (no spread of an input-sized array)',
  { timeout: GUARD_MS + 60_000 },
  () => {
    const dir = dirFor('wide');
    const absent = text({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: descriptorOf(MT.config, config),
      layers: [],
    });
    const entry = descriptorOf(MT.manifest, absent);
    writeLayout(dir, { schemaVersion: 2, manifests: Array.from({ length: 125_000 }, () => entry) }, [config]);
    const r = cli(['verify', dir], undefined, GUARD_MS);
    // Before: "Maximum call stack size exceeded", exit 2, no report.
    assert.doesNotMatch(r.stderr, /call stack/);
    assert.notEqual(r.status, 2, r.stderr);
    assert.match(r.stdout, /: 0 verified, 0 mismatches, 125000 not found/);
  },
);

test('a blobs folder that is a symbolic link out of the layout is not listed or read', () => {
  const dir = dirFor('blobs-link');
  writeLayout(dir, { schemaVersion: 2, manifests: [] });
  const outside = dirFor('outside-blobs');
  fs.mkdirSync(path.join(outside, 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'sha256', 'name-outside-the-layout'), 'x');
  fs.writeFileSync(path.join(outside, 'sha256', 'ab'.repeat(32)), 'secret');
  fs.rmSync(path.join(dir, 'blobs'), { recursive: true });
  fs.symlinkSync(outside, path.join(dir, 'blobs'));
  const r = cli(['verify', dir]);
  assert.equal(r.status, 1);
  // Before: both names were printed (a bad blob name and an unreferenced, misnamed blob).
  assert.doesNotMatch(r.stdout, /name-outside-the-layout|abababab/);
  assert.match(
    r.stdout,
    /error oci\/layout-missing-file The layout's "blobs" is a symbolic link that leads outside the layout/,
  );
});

test('swapping blobs/sha256 for a link out of the layout while verify runs never hashes a file outside', async () => {
  const dir = dirFor('race');
  const layers = Array.from({ length: 200 }, (_, i) => `layer number ${String(i).padStart(3, '0')}`);
  const manifestText = text({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, config),
    layers: layers.map((l) => descriptorOf(MT.layer, l)),
  });
  writeLayout(dir, { schemaVersion: 2, manifests: [descriptorOf(MT.manifest, manifestText)] }, [
    config,
    manifestText,
    ...layers,
  ]);
  // Outside: the same names, other bytes of the same length; reading them would be a digest mismatch.
  const outside = dirFor('outside-race');
  fs.mkdirSync(outside);
  for (const name of fs.readdirSync(path.join(dir, 'blobs', 'sha256'))) {
    const size = fs.statSync(path.join(dir, 'blobs', 'sha256', name)).size;
    fs.writeFileSync(path.join(outside, name), Buffer.alloc(size, 0x21));
  }
  const swapper = spawn(
    process.execPath,
    [
      '-e',
      // Swapped about half of the time, for a fraction of a millisecond at a time.
      `const fs = require('fs'); const [d, o] = process.argv.slice(1);
       const pause = new Int32Array(new SharedArrayBuffer(4));
       for (let i = 0; ; i++) { try { fs.renameSync(d + '/sha256', d + '/real'); fs.symlinkSync(o, d + '/sha256');
         Atomics.wait(pause, 0, 0, (i % 3) * 0.2); fs.unlinkSync(d + '/sha256'); fs.renameSync(d + '/real', d + '/sha256');
         Atomics.wait(pause, 0, 0, (i % 2) * 0.2); } catch {} }`,
      path.join(dir, 'blobs'),
      outside,
    ],
    { stdio: 'ignore' },
  );
  try {
    let mismatches = 0;
    for (let i = 0; i < 20; i++) {
      const r = cli(['verify', dir]);
      if (/blob-digest-mismatch|blob-size-mismatch|layout-blob-name/.test(r.stdout)) mismatches++;
    }
    assert.equal(mismatches, 0, 'a file outside the layout was hashed');
  } finally {
    swapper.kill('SIGKILL');
    await new Promise((r) => swapper.once('exit', r));
  }
});
