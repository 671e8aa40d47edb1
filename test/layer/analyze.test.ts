// Deep layer analysis (node/layer/analyze.ts) on real layers: gzip layers made by umoci, the same layers
// recompressed to zstd by skopeo, zstd streams from the zstd command, each diff_id checked against
// `gzip -dc | sha256sum` / `zstd -dc | sha256sum` and the config's rootfs.diff_ids; a wrong label found from the
// result; corrupt, truncated and hostile streams reported (never a hang); the tar facts of layer.md on crafted
// layers, each beside a correct twin with none.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { open } from 'node:fs/promises';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { compressionOfMediaType } from '../../server/src/core/layer/compression';
import { analyzeLayer, type LayerAnalysis } from '../../server/src/node/layer/analyze';
import { readChunks } from '../../server/src/node/verify/hash';
import {
  blobFile,
  firstManifest,
  flipByte,
  makeLayouts,
  requireTool,
  sh,
  sha256,
  tempDir,
} from '../verify/tools';
import { diffIds } from '../archive/images';
import { makeTar, type TarSpec } from '../archive/tarWriter';

let tmp: { dir: string; remove: () => void };
let clean: string;
let zstdLayout: string;
let n = 0;
before(() => {
  requireTool('zstd');
  requireTool('skopeo');
  tmp = tempDir('oci-layer-');
  clean = makeLayouts(tmp.dir).clean;
  zstdLayout = path.join(tmp.dir, 'zstd');
  sh('skopeo', [
    'copy',
    '--quiet',
    '--dest-compress-format',
    'zstd',
    `oci:${clean}:1`,
    `oci:${zstdLayout}:1`,
  ]);
});
after(() => tmp.remove());

const analyzeFile = async (file: string, options = {}): Promise<LayerAnalysis> =>
  analyzeLayer(readChunks(await open(file), { chunkSize: 64 * 1024 }), options);

/** `sha256:<hex>` of a shell pipeline's output (`gzip -dc < f | sha256sum`). */
const pipeDigest = (cmd: string): string => `sha256:${sh('bash', ['-c', `${cmd} | sha256sum`]).slice(0, 64)}`;

const write = (bytes: Uint8Array, name = `f${n++}`): string => {
  const f = path.join(tmp.dir, name);
  fs.writeFileSync(f, bytes);
  return f;
};

/** A source that yields `bytes` in `step`-sized chunks. */
async function* chunked(bytes: Uint8Array, step: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
}

/** Random-looking but reproducible bytes and text, so that layers have some size and compress partly. */
function content(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = i % 3 === 0 ? 0x61 + ((x >>> 16) % 26) : x >>> 24;
  }
  return b;
}

test('the umoci gzip layers: layer digest, gzip, and the diff_id of gzip -dc and of the config', async () => {
  const m = firstManifest(clean);
  const ids = diffIds(clean);
  for (const [i, layer] of m.layers.entries()) {
    const file = blobFile(clean, layer.digest);
    const r = await analyzeFile(file);
    assert.equal(r.compressedDigest, layer.digest);
    assert.equal(r.compressedSize, layer.size);
    assert.equal(r.compression, 'gzip');
    assert.equal(r.compression, compressionOfMediaType(layer.mediaType));
    assert.equal(r.diffId, pipeDigest(`gzip -dc < '${file}'`));
    assert.equal(r.diffId, ids[i]);
    assert.equal(r.uncompressedSize, Number(sh('bash', ['-c', `gzip -dc < '${file}' | wc -c`]).trim()));
    assert.equal(r.decompressError, undefined);
    assert.equal(r.tarFacts!.valid, true);
    assert.deepEqual(r.tarFacts!.findings, []);
    assert.equal(r.tarFacts!.counts.entries, sh('tar', ['-tzf', file]).trim().split('\n').length);
  }
});

test('the layers skopeo recompressed to zstd: the same diff_ids as zstd -dc and the unchanged config', async () => {
  const m = firstManifest(zstdLayout);
  const ids = diffIds(zstdLayout);
  assert.deepEqual(ids, diffIds(clean));
  for (const [i, layer] of m.layers.entries()) {
    const file = blobFile(zstdLayout, layer.digest);
    const r = await analyzeFile(file);
    assert.equal(r.compressedDigest, layer.digest);
    assert.equal(r.compression, 'zstd');
    assert.equal(r.compression, compressionOfMediaType(layer.mediaType));
    assert.equal(r.diffId, pipeDigest(`zstd -dc < '${file}'`));
    assert.equal(r.diffId, ids[i]);
    assert.equal(r.tarFacts!.valid, true);
    assert.deepEqual(r.tarFacts!.findings, []);
  }
});

test('a wrong label is visible in the result: gzip bytes described as zstd, a plain tar described as gzip', async () => {
  const gzipLayer = firstManifest(clean).layers[0]!;
  const r = await analyzeFile(blobFile(clean, gzipLayer.digest));
  const claimed = compressionOfMediaType('application/vnd.oci.image.layer.v1.tar+zstd');
  assert.equal(claimed, 'zstd');
  assert.notEqual(r.compression, claimed);
  assert.equal(r.compression, 'gzip');
  // The correct twin agrees.
  assert.equal(compressionOfMediaType(gzipLayer.mediaType), r.compression);

  const tar = write(
    Buffer.from(
      sh('bash', ['-c', `gzip -dc < '${blobFile(clean, gzipLayer.digest)}' | base64 -w0`]),
      'base64',
    ),
  );
  const plain = await analyzeFile(tar);
  assert.equal(plain.compression, 'none');
  assert.equal(plain.diffId, plain.compressedDigest);
  assert.equal(plain.diffId, diffIds(clean)[0]);
  assert.notEqual(
    compressionOfMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip'),
    plain.compression,
  );
  assert.equal(compressionOfMediaType('application/vnd.oci.image.layer.v1.tar'), plain.compression);
  assert.equal(compressionOfMediaType('application/vnd.oci.image.layer.v1.tar+gzip+encrypted'), undefined);
});

test('a zstd stream of several MiB from the zstd command, with and without its content checksum, split in chunks of any size', async () => {
  const tar = makeTar([
    { name: 'a.bin', data: content(3_000_000, 1) },
    { name: 'b.txt', data: content(1_500_000, 2) },
  ]);
  const tarFile = write(tar, 'big.tar');
  const expected = sha256(tar);
  for (const flags of [['-3'], ['-19', '--no-check'], ['--ultra', '-22']]) {
    const zst = `${tarFile}.${n++}.zst`;
    sh('zstd', ['-q', '-f', ...flags, tarFile, '-o', zst]);
    const r = await analyzeFile(zst);
    assert.equal(r.compression, 'zstd', flags.join(' '));
    assert.equal(r.diffId, expected, flags.join(' '));
    assert.equal(r.compressedDigest, sha256(fs.readFileSync(zst)));
    assert.equal(r.tarFacts!.counts.files, 2);
  }
  const zst = `${tarFile}.zst`;
  sh('zstd', ['-q', '-f', tarFile, '-o', zst]);
  const bytes = fs.readFileSync(zst);
  for (const step of [1000, 65_536, 1 << 22]) {
    const r = await analyzeLayer(chunked(bytes, step));
    assert.equal(r.diffId, expected, `chunks of ${step}`);
  }
});

test('zstd: several frames, and a skippable frame first (as zstd:chunked writes them), decode as zstd -dc does', async () => {
  const tar = makeTar([
    { name: 'x', data: content(200_000, 3) },
    { name: 'y', data: content(10_000, 4) },
  ]);
  const a = write(tar.subarray(0, 100_001));
  const b = write(tar.subarray(100_001));
  sh('zstd', ['-q', '-f', a, '-o', `${a}.zst`]);
  sh('zstd', ['-q', '-f', b, '-o', `${b}.zst`]);
  const skippable = Buffer.concat([Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from('hello')]);
  const joined = write(
    Buffer.concat([skippable, fs.readFileSync(`${a}.zst`), skippable, fs.readFileSync(`${b}.zst`)]),
  );
  assert.equal(pipeDigest(`zstd -dc < '${joined}'`), sha256(tar));
  const r = await analyzeFile(joined);
  assert.equal(r.compression, 'zstd');
  assert.equal(r.diffId, sha256(tar));
  assert.equal(r.tarFacts!.valid, true);
});

test('corrupt, truncated and oversized-window zstd streams are reported, with the layer digest still computed', async () => {
  const tar = makeTar([{ name: 'a', data: content(500_000, 5) }]);
  const src = write(tar);
  sh('zstd', ['-q', '-f', src, '-o', `${src}.zst`]);
  const good = fs.readFileSync(`${src}.zst`);

  const flipped = write(good);
  flipByte(flipped, Math.floor(good.length / 2));
  const r1 = await analyzeFile(flipped);
  assert.equal(r1.compression, 'zstd');
  assert.equal(r1.compressedDigest, sha256(fs.readFileSync(flipped)));
  assert.equal(r1.diffId, undefined);
  assert.match(
    r1.decompressError!,
    /^The zstd stream (is corrupt|fails its content checksum.*) \(near compressed byte \d+\)\.$/,
  );
  assert.equal(r1.tarFacts!.valid, false);

  const cut = write(good.subarray(0, good.length - 100));
  const r2 = await analyzeFile(cut);
  assert.equal(r2.diffId, undefined);
  assert.equal(
    r2.decompressError,
    `The zstd stream ends inside a frame (after ${good.length - 100} compressed bytes): it was cut short.`,
  );
  assert.equal(r2.tarFacts!.error, 'The tar was not read to its end, because decompression stopped.');

  // A frame header asking for a 2 GiB window (Window_Descriptor exponent 21: 2^(10+21)), then an empty last block.
  const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00]);
  const r3 = await analyzeLayer(chunked(huge, huge.length));
  assert.equal(r3.compression, 'zstd');
  assert.match(r3.decompressError!, /has a frame that needs a window larger than 128 MiB/);

  // Garbage after the magic: an error, not an endless loop (zstddec's own loop spins on it).
  const garbage = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(2000, 0xff)]);
  const r4 = await analyzeLayer(chunked(garbage, 300));
  assert.equal(r4.diffId, undefined);
  assert.match(r4.decompressError!, /^The zstd stream /);
});

test('corrupt and truncated gzip streams are reported; concatenated gzip members decode as gzip -dc does', async () => {
  const tar = makeTar([{ name: 'a', data: content(300_000, 6) }]);
  const gz = gzipSync(tar);
  const flipped = Buffer.from(gz);
  const mid = Math.floor(gz.length / 2);
  flipped[mid] = flipped[mid]! ^ 0xff;
  const r1 = await analyzeLayer(chunked(flipped, 10_000));
  assert.equal(r1.compression, 'gzip');
  assert.equal(r1.compressedDigest, sha256(flipped));
  assert.equal(r1.diffId, undefined);
  assert.match(
    r1.decompressError!,
    /^The gzip stream cannot be decompressed: (invalid|incorrect) .+ \(after \d+ bytes of output\)\.$/,
  );

  const r2 = await analyzeLayer(chunked(gz.subarray(0, gz.length - 20), 10_000));
  assert.match(
    r2.decompressError!,
    /^The gzip stream cannot be decompressed: unexpected end of file \(after \d+ bytes of output\)\.$/,
  );
  assert.equal(r2.compressedSize, gz.length - 20);

  const twoMembers = Buffer.concat([gzipSync(tar.subarray(0, 1000)), gzipSync(tar.subarray(1000))]);
  const f = write(twoMembers);
  const r3 = await analyzeFile(f);
  assert.equal(r3.diffId, sha256(tar));
  assert.equal(r3.diffId, pipeDigest(`gzip -dc < '${f}'`));
});

test('what is not a layer: unknown compression, an empty blob, gzip of something that is not a tar', async () => {
  const xz = await analyzeLayer(chunked(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]), 4));
  assert.deepEqual(
    { compression: xz.compression, detail: xz.compressionDetail, diffId: xz.diffId, facts: xz.tarFacts },
    { compression: 'unknown', detail: 'xz', diffId: undefined, facts: undefined },
  );
  assert.equal(xz.compressedDigest, sha256(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3])));
  const empty = await analyzeLayer(chunked(Buffer.alloc(0), 1));
  assert.equal(empty.compression, 'unknown');
  assert.equal(empty.compressionDetail, 'empty');
  assert.equal(empty.compressedDigest, sha256(''));
  const json = await analyzeLayer(chunked(gzipSync(Buffer.from('{"not":"a tar"}'.repeat(100))), 100));
  assert.equal(json.compression, 'gzip');
  assert.equal(json.diffId, sha256('{"not":"a tar"}'.repeat(100)));
  assert.equal(json.tarFacts!.valid, false);
  assert.equal(
    json.tarFacts!.error,
    'The uncompressed layer is not a valid tar (this is not a tar archive: its first 512 bytes are not a valid tar header).',
  );
});

test('a source that reuses one buffer for every chunk gives the same result (each chunk is used before the next is asked for)', async () => {
  const tar = makeTar([{ name: 'r', data: content(400_000, 7) }]);
  for (const bytes of [gzipSync(tar), tar]) {
    const shared = Buffer.alloc(3000);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += shared.length) {
        const k = Math.min(shared.length, bytes.length - i);
        bytes.copy(shared, 0, i, i + k);
        yield shared.subarray(0, k);
        shared.fill(0xee); // what a reusing source does once the consumer asks for more
      }
    }
    const r = await analyzeLayer(reusing());
    assert.equal(r.compressedDigest, sha256(bytes));
    assert.equal(r.diffId, sha256(tar));
    assert.equal(r.tarFacts!.valid, true);
  }
});

test('maxUncompressedBytes stops a decompression bomb; the layer digest is still complete', async () => {
  const tar = makeTar([{ name: 'zeros', data: Buffer.alloc(5_000_000) }]);
  const zst = write(tar);
  sh('zstd', ['-q', '-f', zst, '-o', `${zst}.zst`]);
  for (const bytes of [gzipSync(tar), fs.readFileSync(`${zst}.zst`), tar]) {
    const r = await analyzeLayer(chunked(bytes, 50_000), { maxUncompressedBytes: 1_000_000 });
    assert.equal(
      r.decompressError,
      'The layer decompresses to more than 1000000 bytes, the limit; decompression stopped there.',
    );
    assert.equal(r.diffId, undefined);
    assert.equal(r.compressedDigest, sha256(bytes));
  }
});

test('cancelling stops the analysis with an AbortError and releases the source', async () => {
  const bytes = gzipSync(makeTar([{ name: 'a', data: content(2_000_000, 8) }]));
  const ac = new AbortController();
  let released = false;
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for (let i = 0; i < bytes.length; i += 10_000) {
        if (i > 100_000) ac.abort();
        yield bytes.subarray(i, i + 10_000);
      }
    } finally {
      released = true;
    }
  }
  await assert.rejects(analyzeLayer(source(), { signal: ac.signal }), { name: 'AbortError' });
  assert.equal(released, true);
  assert.ok(bytes.length > 200_000, 'the source had more to give');
});

test('sha512 digests on request, for the layer and for the diff_id', async () => {
  const file = blobFile(clean, firstManifest(clean).layers[0]!.digest);
  const r = await analyzeFile(file, { algorithm: 'sha512', diffIdAlgorithm: 'sha512' });
  assert.equal(r.compressedDigest, `sha512:${sh('sha512sum', [file]).slice(0, 128)}`);
  assert.equal(r.diffId, `sha512:${sh('bash', ['-c', `gzip -dc < '${file}' | sha512sum`]).slice(0, 128)}`);
});

/** Analyses a crafted layer (gzip of the tar) and returns its findings as `rule path` strings. */
async function facts(specs: TarSpec[]): Promise<string[]> {
  const r = await analyzeLayer(chunked(gzipSync(makeTar(specs)), 4096));
  assert.equal(r.tarFacts!.valid, true);
  return r.tarFacts!.findings.map((f) => `${f.rule} ${f.severity} ${f.path}`);
}

test('tar facts: duplicate paths (in normal form) are an error; the twin with distinct paths has none', async () => {
  const r = await analyzeLayer(
    chunked(
      gzipSync(makeTar([{ name: './etc/' }, { name: './etc/a', data: '1' }, { name: 'etc/a', data: '2' }])),
      100,
    ),
  );
  assert.deepEqual(r.tarFacts!.findings, [
    {
      rule: 'duplicate-path',
      severity: 'error',
      path: 'etc/a',
      offset: 1536,
      otherOffset: 512,
      message:
        'The layer has two entries for "etc/a" (headers at offsets 512 and 1536 of the uncompressed tar); a layer must not hold duplicate entries for a path (image-spec layer.md).',
    },
  ]);
  assert.deepEqual(
    await facts([{ name: './etc/' }, { name: './etc/a', data: '1' }, { name: 'etc/b', data: '2' }]),
    [],
  );
});

test('tar facts: a whiteout without a name, a whiteout with content or of another type; twins with proper whiteouts have none', async () => {
  assert.deepEqual(await facts([{ name: 'etc/' }, { name: 'etc/.wh.' }]), [
    'whiteout-without-name warning etc/.wh.',
  ]);
  assert.deepEqual(await facts([{ name: 'etc/' }, { name: 'etc/.wh.passwd' }]), []);
  assert.deepEqual(
    await facts([
      { name: '.wh.full', data: 'content' },
      { name: '.wh.dir/', type: '5' },
      { name: 'a/.wh..wh..opq', type: '2', linkname: 'x' },
    ]),
    [
      'whiteout-not-empty-file warning .wh.full',
      'whiteout-not-empty-file warning .wh.dir',
      'whiteout-not-empty-file warning a/.wh..wh..opq',
    ],
  );
  assert.deepEqual(await facts([{ name: '.wh.full' }, { name: '.wh.dir' }, { name: 'a/.wh..wh..opq' }]), []);
});

test('tar facts: a whiteout beside the path it names in the same layer is noted (info); the opaque whiteout of the spec example is not', async () => {
  assert.deepEqual(
    await facts([{ name: 'bin/' }, { name: 'bin/.wh.tool' }, { name: 'bin/tool', data: 'new' }]),
    ['whiteout-same-layer info bin/.wh.tool'],
  );
  assert.deepEqual(
    await facts([{ name: 'bin/' }, { name: 'bin/.wh.tool' }, { name: 'bin/other', data: 'new' }]),
    [],
  );
  // layer.md: the opaque whiteout applies "regardless of the ordering" — after its siblings here.
  assert.deepEqual(
    await facts([
      { name: 'a/' },
      { name: 'a/b/' },
      { name: 'a/b/c/' },
      { name: 'a/b/c/foo', data: 'f' },
      { name: 'a/.wh..wh..opq' },
    ]),
    [],
  );
});

test('tar facts: a sparse file written by GNU tar (GNU and pax formats) is a warning; the same file without --sparse is not', async () => {
  requireTool('tar');
  const dir = path.join(tmp.dir, `sparse${n++}`);
  fs.mkdirSync(dir);
  const fd = fs.openSync(path.join(dir, 'holes'), 'w');
  fs.writeSync(fd, 'start', 0);
  fs.writeSync(fd, 'end', 4 * 1024 * 1024);
  fs.closeSync(fd);
  for (const format of ['gnu', 'posix']) {
    const sparse = path.join(tmp.dir, `sparse-${format}.tar.gz`);
    sh('tar', [`--format=${format}`, '--sparse', '-czf', sparse, '-C', dir, 'holes']);
    const r = await analyzeFile(sparse);
    assert.equal(r.diffId, pipeDigest(`gzip -dc < '${sparse}'`));
    assert.deepEqual(
      r.tarFacts!.findings.map((f) => `${f.rule} ${f.severity} ${f.path}`),
      ['sparse-file warning holes'],
      format,
    );
    const dense = path.join(tmp.dir, `dense-${format}.tar.gz`);
    sh('tar', [`--format=${format}`, '-czf', dense, '-C', dir, 'holes']);
    assert.deepEqual((await analyzeFile(dense)).tarFacts!.findings, [], `${format} without --sparse`);
  }
});

test('tar facts: counts by kind, the end marker, and a layer whose tar is cut short', async () => {
  const tar = makeTar([
    { name: 'd/' },
    { name: 'd/f', data: 'x' },
    { name: 'd/l', type: '2', linkname: 'f' },
    { name: 'd/h', type: '1', linkname: 'd/f' },
    { name: 'd/.wh.gone' },
    { name: 'd/.wh..wh..opq' },
    { name: 'fifo', type: '6' },
  ]);
  const r = await analyzeLayer(chunked(gzipSync(tar), 333));
  assert.deepEqual(r.tarFacts!.counts, {
    entries: 7,
    files: 3,
    directories: 1,
    symlinks: 1,
    hardlinks: 1,
    other: 1,
    whiteouts: 1,
    opaqueWhiteouts: 1,
  });
  assert.equal(r.tarFacts!.endMarker, true);
  const cut = await analyzeLayer(chunked(gzipSync(tar.subarray(0, 1712)), 333));
  assert.equal(cut.diffId, sha256(tar.subarray(0, 1712)));
  assert.equal(cut.tarFacts!.valid, false);
  assert.equal(
    cut.tarFacts!.error,
    'The uncompressed layer is not a valid tar (the tar ends inside the header at offset 1536: 176 of its 512 bytes are there).',
  );
  const inPadding = await analyzeLayer(chunked(gzipSync(tar.subarray(0, 1200)), 333));
  assert.equal(
    inPadding.tarFacts!.error,
    'The uncompressed layer is not a valid tar (the tar ends in the padding after member "d/f" (header at offset 512): 336 of 511 padding bytes are missing).',
  );
});
