// Layouts made by umoci and copied by skopeo (not by our code), tampered with, then verified: each finding
// with its code, severity, the exact range (the descriptor's digest value) and the actual values.
// Plus the safety rules: hostile digests, symbolic links leaving the layout, FIFOs named as blobs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { embeddedDataSource, verifyDocument } from '../../server/src/core/verify/index';
import { hashFile, nodeHasherFactory } from '../../server/src/node/verify/hash';
import { verifyLayout as verifyLayoutSource, type LayoutReport } from '../../server/src/core/verify/layout';
import { findLayoutRoot } from '../../server/src/node/content/layoutRoot';
import {
  openLayoutSource,
  verifyLayoutFolder as verifyLayout,
} from '../../server/src/node/content/layoutSource';
import {
  blobFile,
  copyLayout,
  covered,
  firstManifest,
  flipByte,
  makeLayouts,
  requireTool,
  sh,
  sha256,
  tempDir,
} from './tools';

let tmp: { dir: string; remove: () => void };
let layouts: { umoci: string; clean: string };
let n = 0;
const fresh = (): string => copyLayout(layouts.clean, path.join(tmp.dir, `copy${n++}`));

before(() => {
  tmp = tempDir();
  layouts = makeLayouts(tmp.dir);
});
after(() => tmp.remove());

/** Every finding of a layout report as `relative code`, sorted. */
const codes = (r: LayoutReport): string[] =>
  r.files.flatMap((f) => f.findings.map((x) => `${f.relative} ${x.code}`)).sort();

const file = (r: LayoutReport, relative: string) => {
  const f = r.files.find((x) => x.relative === relative);
  assert.ok(f, `${relative} is in the report`);
  return f;
};

test('the umoci image has two layers, and the clean skopeo copy verifies completely', async () => {
  const m = firstManifest(layouts.clean);
  assert.equal(m.layers.length, 2);
  const r = await verifyLayout(layouts.clean);
  assert.deepEqual(codes(r), []);
  assert.equal(r.summary.text, '4 verified, 0 mismatches, 0 not found');
  assert.equal(r.blobs.entries, 4);
  assert.equal(r.manifests, 1);
  assert.deepEqual(
    r.files.map((f) => f.relative),
    ['oci-layout', 'index.json', `blobs/sha256/${m.digest.slice(7)}`],
  );
});

test('the blobs umoci left behind after repacking are unreferenced (info), and they are named by their content', async () => {
  const r = await verifyLayout(layouts.umoci);
  const unref = r.files.filter((f) => f.findings.some((x) => x.code === 'oci/layout-blob-unreferenced'));
  assert.ok(unref.length >= 2, `umoci left ${unref.length} unreferenced blobs`);
  for (const f of unref) {
    const x = f.findings.find((y) => y.code === 'oci/layout-blob-unreferenced')!;
    assert.equal(x.severity, 'info');
    assert.equal(x.data?.size, fs.statSync(f.path).size);
  }
  assert.equal(r.blobs.misnamed, 0);
  assert.equal(r.summary.verified, 4);
});

test("a flipped byte in a layer: oci/blob-digest-mismatch on that layer's digest, with the real digest", async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  const layer = m.layers[1]!;
  flipByte(blobFile(dir, layer.digest));
  const actual = sha256(fs.readFileSync(blobFile(dir, layer.digest)));
  const r = await verifyLayout(dir);
  assert.deepEqual(codes(r), [`blobs/sha256/${m.digest.slice(7)} oci/blob-digest-mismatch`]);
  const f = file(r, `blobs/sha256/${m.digest.slice(7)}`).findings[0]!;
  assert.equal(f.severity, 'error');
  // The range is the digest value of layers[1] in the manifest's own text.
  assert.equal(covered(m.text, f), JSON.stringify(layer.digest));
  assert.equal(f.offset, m.text.indexOf(JSON.stringify(layer.digest)));
  assert.ok(f.message.includes(actual), f.message);
  assert.ok(f.message.includes(`layers[1]`), f.message);
  assert.equal(f.data?.actualDigest, actual);
  assert.equal(f.data?.actualSize, layer.size);
  assert.equal(r.summary.text, '3 verified, 1 mismatch, 0 not found');
});

test('a truncated config: oci/blob-size-mismatch with the real length', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  fs.truncateSync(blobFile(dir, m.config.digest), m.config.size - 7);
  const r = await verifyLayout(dir);
  const f = file(r, `blobs/sha256/${m.digest.slice(7)}`).findings[0]!;
  assert.equal(f.code, 'oci/blob-size-mismatch');
  assert.equal(covered(m.text, f), JSON.stringify(m.config.digest));
  assert.match(
    f.message,
    new RegExp(`is ${m.config.size - 7} bytes long, but the descriptor's size is ${m.config.size}`),
  );
  assert.equal(f.data?.actualSize, m.config.size - 7);
});

test('a removed layer: oci/blob-missing (warning) saying where it looked', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  fs.rmSync(blobFile(dir, m.layers[0]!.digest));
  const r = await verifyLayout(dir);
  const f = file(r, `blobs/sha256/${m.digest.slice(7)}`).findings[0]!;
  assert.equal(f.code, 'oci/blob-missing');
  assert.equal(f.severity, 'warning');
  assert.equal(covered(m.text, f), JSON.stringify(m.layers[0]!.digest));
  assert.ok(f.message.includes(`the OCI layout at ${dir}`), f.message);
  assert.equal(r.summary.missing, 1);
});

test('a renamed layer: missing on its descriptor, and the renamed file is misnamed (error) and unreferenced (info)', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  const layer = m.layers[0]!;
  const bogus = `sha256:${'0123456789abcdef'.repeat(4)}`;
  fs.renameSync(blobFile(dir, layer.digest), blobFile(dir, bogus));
  const r = await verifyLayout(dir);
  const rel = `blobs/sha256/${bogus.slice(7)}`;
  assert.deepEqual(
    codes(r),
    [
      `${rel} oci/layout-blob-name`,
      `${rel} oci/layout-blob-unreferenced`,
      `blobs/sha256/${m.digest.slice(7)} oci/blob-missing`,
    ].sort(),
  );
  const named = file(r, rel).findings.find((x) => x.code === 'oci/layout-blob-name')!;
  assert.equal(named.severity, 'error');
  assert.equal(named.data?.actualDigest, layer.digest);
  assert.ok(named.message.includes(layer.digest), named.message);
  assert.equal(r.blobs.misnamed, 1);
});

test('a corrupted manifest blob: the mismatch is on index.json, and the walk does not enter it', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  flipByte(m.file, m.text.indexOf('"layers"') + 2);
  const r = await verifyLayout(dir);
  const index = file(r, 'index.json');
  assert.equal(index.findings[0]?.code, 'oci/blob-digest-mismatch');
  assert.equal(covered(index.text, index.findings[0]!), JSON.stringify(m.digest));
  assert.equal(r.manifests, 0);
  // Nothing reachable references the config and layers any more.
  assert.equal(r.blobs.unreferenced, 3);
});

test('missing oci-layout and index.json: oci/layout-missing-file on the folder', async () => {
  const dir = fresh();
  fs.rmSync(path.join(dir, 'index.json'));
  fs.rmSync(path.join(dir, 'oci-layout'));
  const r = await verifyLayout(dir);
  const folder = file(r, '.');
  assert.deepEqual(
    folder.findings.map((f) => [f.code, f.severity, f.data?.file]),
    [
      ['oci/layout-missing-file', 'error', 'oci-layout'],
      ['oci/layout-missing-file', 'error', 'index.json'],
    ],
  );
  assert.equal(r.blobs.unreferenced, 4);
});

test('a broken oci-layout file reports the lint error (structure) on its text', async () => {
  const dir = fresh();
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion": "2.0.0"}');
  const r = await verifyLayout(dir);
  const f = file(r, 'oci-layout').findings[0]!;
  assert.equal(f.code, 'oci/layout-version');
  assert.equal(covered(file(r, 'oci-layout').text, f), '"2.0.0"');
});

test('nested indexes are walked: index.json → index blob → manifest', async () => {
  const dir = fresh();
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
    manifests: Record<string, unknown>[];
  };
  const inner = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [index.manifests[0]],
  });
  const innerDigest = sha256(inner);
  fs.writeFileSync(blobFile(dir, innerDigest), inner);
  const outer = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: innerDigest,
        size: Buffer.byteLength(inner),
      },
    ],
  };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(outer));
  const m = firstManifest(copyLayout(layouts.clean, path.join(tmp.dir, `ref${n++}`)));
  flipByte(blobFile(dir, m.layers[0]!.digest));
  const r = await verifyLayout(dir);
  assert.equal(r.manifests, 2);
  assert.equal(r.summary.text, '4 verified, 1 mismatch, 0 not found');
  assert.deepEqual(codes(r), [`blobs/sha256/${m.digest.slice(7)} oci/blob-digest-mismatch`]);
});

test('a manifest file inside a layout is verified against the layout (verifyDocument + the layout source)', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  flipByte(blobFile(dir, m.config.digest));
  const root = findLayoutRoot(m.file);
  assert.equal(root, dir);
  const r = await verifyDocument(m.text, {
    sources: [openLayoutSource(root!), embeddedDataSource()],
    hasher: nodeHasherFactory,
  });
  assert.deepEqual(
    r.results.map((x) => x.status),
    ['digest-mismatch', 'verified', 'verified'],
  );
  assert.equal(covered(m.text, r.findings[0]!), JSON.stringify(m.config.digest));
  assert.equal(r.summary.text, '2 verified, 1 mismatch, 0 not found');
});

// --- safety ---

test('hostile digests never become paths outside blobs/', async () => {
  const dir = fresh();
  const src = openLayoutSource(dir);
  for (const d of [
    'sha256:../../etc/passwd',
    '../../../etc/passwd:x',
    '/etc/passwd',
    'sha256:/etc/passwd',
    'sha256:..',
    'sha256:a\u0000b',
    'sha256:C:\\Windows',
    'con:aux',
  ]) {
    await assert.rejects(
      src.stat({ digest: d, manifest: false }),
      (e: Error & { reason?: string }) => e.reason === 'refused',
      d,
    );
  }
  // Through the engine they are not even looked up (the digest grammar fails first).
  const text = JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:../../../../etc/passwd',
        size: 10,
      },
    ],
  });
  const r = await verifyDocument(text, { kind: 'image-index', sources: [src] });
  assert.equal(r.results[0]!.status, 'skipped');
});

test('a symbolic link in blobs/ leading outside is refused, even when its target has the right content', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  const layer = m.layers[0]!;
  const outside = path.join(tmp.dir, `outside${n++}`);
  fs.renameSync(blobFile(dir, layer.digest), outside); // the right bytes, but outside the layout
  fs.symlinkSync(outside, blobFile(dir, layer.digest));
  const r = await verifyLayout(dir);
  const res = file(r, `blobs/sha256/${m.digest.slice(7)}`).results.find((x) => x.digest === layer.digest)!;
  assert.equal(res.status, 'unreadable');
  assert.equal(res.error?.reason, 'refused');
  assert.match(res.error!.message, /symbolic link that leads outside/);
  const entry = file(r, `blobs/sha256/${layer.digest.slice(7)}`).findings[0]!;
  assert.equal(entry.code, 'oci/layout-blob-not-file');
  assert.equal(entry.severity, 'error');
  // A symbolic link whose target stays inside blobs/ is fine.
  const dir2 = fresh();
  const m2 = firstManifest(dir2);
  const moved = path.join(dir2, 'blobs', 'sha256', 'keep');
  fs.mkdirSync(moved);
  fs.renameSync(blobFile(dir2, m2.layers[0]!.digest), path.join(moved, 'x'));
  fs.symlinkSync(path.join('keep', 'x'), blobFile(dir2, m2.layers[0]!.digest));
  const r2 = await verifyLayout(dir2);
  assert.equal(r2.summary.verified, 4);
});

test('a symbolic link for the whole algorithm directory leading outside is refused', async () => {
  const dir = fresh();
  const outside = path.join(tmp.dir, `outside-alg${n++}`);
  fs.renameSync(path.join(dir, 'blobs', 'sha256'), outside);
  fs.symlinkSync(outside, path.join(dir, 'blobs', 'sha256'));
  const r = await verifyLayout(dir);
  const index = file(r, 'index.json');
  assert.equal(index.results[0]!.status, 'unreadable');
  assert.equal(index.results[0]!.error?.reason, 'refused');
  assert.deepEqual(
    file(r, 'blobs/sha256').findings.map((f) => f.code),
    ['oci/layout-blob-not-file'],
  );
});

test('a FIFO named as a blob is refused without hanging (referenced and unreferenced)', async () => {
  requireTool('mkfifo');
  const dir = fresh();
  const m = firstManifest(dir);
  const layer = m.layers[1]!;
  fs.rmSync(blobFile(dir, layer.digest));
  sh('mkfifo', [blobFile(dir, layer.digest)]);
  const stray = `sha256:${'ab'.repeat(32)}`;
  sh('mkfifo', [blobFile(dir, stray)]);
  const t = Date.now();
  const r = await verifyLayout(dir);
  assert.ok(Date.now() - t < 10_000);
  const res = file(r, `blobs/sha256/${m.digest.slice(7)}`).results.find((x) => x.digest === layer.digest)!;
  assert.equal(res.status, 'unreadable');
  assert.match(res.error!.message, /FIFO/);
  for (const d of [layer.digest, stray])
    assert.deepEqual(
      file(r, `blobs/sha256/${d.slice(7)}`).findings.map((f) => f.code),
      ['oci/layout-blob-not-file'],
    );
  await assert.rejects(hashFile(blobFile(dir, stray)), /not a regular file/);
});

test('badly named entries under blobs/ are reported, not read', async () => {
  const dir = fresh();
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', 'partial.tmp'), 'x');
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', 'AB'.repeat(32)), 'x');
  fs.writeFileSync(path.join(dir, 'blobs', 'stray-file'), 'x');
  fs.mkdirSync(path.join(dir, 'blobs', 'SHA256'));
  const r = await verifyLayout(dir);
  assert.deepEqual(codes(r), [
    'blobs/SHA256 oci/layout-blob-path',
    `blobs/sha256/${'AB'.repeat(32)} oci/layout-blob-path`,
    'blobs/sha256/partial.tmp oci/layout-blob-path',
    'blobs/stray-file oci/layout-blob-path',
  ]);
  assert.match(file(r, `blobs/sha256/${'AB'.repeat(32)}`).findings[0]!.message, /uppercase hex/);
});

test('hashFile agrees with openssl for sha256 and sha512 and streams blake3', async () => {
  requireTool('openssl');
  const f = path.join(tmp.dir, 'hashme');
  const data = Buffer.alloc(9 * 1024 * 1024 + 17);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  fs.writeFileSync(f, data);
  for (const alg of ['sha256', 'sha512'] as const) {
    const expected = sh('openssl', ['dgst', `-${alg}`, '-r', f]).split(' ')[0];
    const got = await hashFile(f, alg, { chunkSize: 1024 * 1024 });
    assert.equal(got.digest, `${alg}:${expected}`);
    assert.equal(got.size, data.length);
  }
  const { blake3 } = await import('@noble/hashes/blake3.js');
  const { bytesToHex } = await import('@noble/hashes/utils.js');
  assert.equal((await hashFile(f, 'blake3')).digest, `blake3:${bytesToHex(blake3(data, { dkLen: 32 }))}`);
});

test('an index.json that is a symbolic link leading outside the layout is not read', async () => {
  const dir = fresh();
  const secret = path.join(tmp.dir, `secret${n++}.json`);
  fs.writeFileSync(secret, '{"schemaVersion": 2, "manifests": [], "secret": "do not show"}');
  fs.rmSync(path.join(dir, 'index.json'));
  fs.symlinkSync(secret, path.join(dir, 'index.json'));
  const r = await verifyLayout(dir);
  const f = file(r, '.').findings[0]!;
  assert.equal(f.code, 'oci/layout-missing-file');
  assert.match(f.message, /symbolic link that leads outside the layout/);
  assert.ok(!JSON.stringify(r).includes('do not show'));
});

test('Cancel really stops the reads of a large layer (the signal reaches the file reads)', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  // Swap the first layer for a 1 GiB sparse file and point the manifest at it (size right, digest not).
  const layer = m.layers[0]!;
  const big = 1024 * 1024 * 1024;
  fs.rmSync(blobFile(dir, layer.digest));
  fs.writeFileSync(blobFile(dir, layer.digest), '');
  fs.truncateSync(blobFile(dir, layer.digest), big);
  const text = m.text.replace(`"size":${layer.size}`, `"size":${big}`);
  assert.notEqual(text, m.text);
  const controller = new AbortController();
  let last = 0;
  const r = await verifyDocument(text, {
    sources: [openLayoutSource(dir)],
    hasher: nodeHasherFactory,
    signal: controller.signal,
    onProgress: (p) => {
      last = p.bytes;
      if (p.bytes > 0 && p.digest === layer.digest) controller.abort();
    },
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.results.find((x) => x.digest === layer.digest)!.status, 'cancelled');
  assert.ok(last < big / 4, `stopped after ${last} bytes`);
});

test('a small blob is read with buffers sized to it, not two 4 MiB ones (10,000 small manifests stay cheap)', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  const src = openLayoutSource(dir);
  const content = await src.open(
    { digest: m.config.digest, size: m.config.size, manifest: false },
    { signal: new AbortController().signal, maxBytes: m.config.size + 1 },
  );
  const chunks: Uint8Array[] = [];
  for await (const c of content!.chunks) chunks.push(c);
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0]!.length, m.config.size);
  // Before: every blob got two buffers of 4 MiB, whatever its size.
  assert.ok(chunks[0]!.buffer.byteLength < 64 * 1024, `a ${chunks[0]!.buffer.byteLength}-byte buffer`);
});

for (const procFd of [true, false])
  test(`links: followed while they stay in blobs/ (also through ".."), refused once they leave it or the layout (${procFd ? 'through /proc/self/fd' : 'the portable path'})`, async () => {
    const dir = fresh();
    const m = firstManifest(dir);
    const [l0, l1] = m.layers as [(typeof m.layers)[0], (typeof m.layers)[0]];
    const sha = path.join(dir, 'blobs', 'sha256');
    // l0: a relative link through "..", staying in blobs/.
    fs.mkdirSync(path.join(dir, 'blobs', 'store'));
    fs.renameSync(blobFile(dir, l0.digest), path.join(dir, 'blobs', 'store', 'l0'));
    fs.symlinkSync(path.join('..', 'store', 'l0'), blobFile(dir, l0.digest));
    // l1: an absolute link to the layout's own folder, outside blobs/.
    fs.renameSync(blobFile(dir, l1.digest), path.join(dir, 'l1'));
    fs.symlinkSync(path.join(dir, 'l1'), blobFile(dir, l1.digest));
    // The config: a link that climbs out of the layout with "..".
    const outside = path.join(tmp.dir, `outside-config${n++}`);
    fs.renameSync(blobFile(dir, m.config.digest), outside);
    fs.symlinkSync(path.relative(sha, outside), blobFile(dir, m.config.digest));
    const r = await verifyLayoutSource(openLayoutSource(dir, { procFd }), { hasher: nodeHasherFactory });
    const results = file(r, `blobs/sha256/${m.digest.slice(7)}`).results;
    const byDigest = (d: string) => results.find((x) => x.digest === d)!;
    assert.equal(byDigest(l0.digest).status, 'verified');
    assert.equal(byDigest(l1.digest).status, 'unreadable');
    assert.match(byDigest(l1.digest).error!.message, /leads outside the layout's blobs directory/);
    assert.equal(byDigest(m.config.digest).status, 'unreadable');
    assert.match(byDigest(m.config.digest).error!.message, /leads outside/);
  });

test('one read per blob per run: every manifest is hashed in the same read that the walk parses', async () => {
  const dir = fresh();
  const m = firstManifest(dir);
  // The manifest is named twice (two tags): still one read of it, which both hashes it and feeds the walk.
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: unknown[] };
  index.manifests.push({
    ...(index.manifests[0] as object),
    annotations: { 'org.opencontainers.image.ref.name': '2' },
  });
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
  const source = openLayoutSource(dir);
  const opened = new Map<string, number>();
  const counting = Object.assign(Object.create(source) as typeof source, {
    open: (ref: Parameters<typeof source.open>[0], o: Parameters<typeof source.open>[1]) => {
      opened.set(ref.digest, (opened.get(ref.digest) ?? 0) + 1);
      return source.open(ref, o);
    },
  });
  const r = await verifyLayoutSource(counting, { hasher: nodeHasherFactory });
  assert.equal(r.summary.text, '5 verified, 0 mismatches, 0 not found');
  assert.deepEqual(
    [...opened.keys()].sort(),
    [m.digest, m.config.digest, ...m.layers.map((l) => l.digest)].sort(),
  );
  assert.ok(
    [...opened.values()].every((n) => n === 1),
    JSON.stringify([...opened]),
  );
});
