// The pieces of the content source design that are pure: the streaming descriptor scan of documents too large
// to hold (core/content/scan.ts), reading bytes as a document (core/content/document.ts), and the linear queue
// of the verification engine (core/verify/verify.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { documentFromBytes, documentFromScan } from '../../server/src/core/content/document';
import { DescriptorScanner } from '../../server/src/core/content/scan';
import { readAll } from '../../server/src/core/content/source';
import { limiter } from '../../server/src/core/verify/verify';
import { descriptorOf, MT, text } from '../layouts';

/** Feeds `bytes` in chunks of the given sizes through ONE reused buffer, as the file reader does. */
function scanReused(bytes: Uint8Array, sizes: readonly number[], maxDescriptors = 1e6) {
  const s = new DescriptorScanner({ maxDescriptors });
  const scratch = Buffer.alloc(Math.max(1, ...sizes));
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
    scratch.set(bytes.subarray(at, at + n));
    s.write(scratch.subarray(0, n));
    scratch.fill(0x2a); // what the next read would leave there
    at += n;
  }
  return s.end();
}

const config = text({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });

test('the scan keeps the kind facts and every descriptor at its index, however the bytes are cut', () => {
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: descriptorOf(MT.config, config),
      layers: [
        descriptorOf(MT.layer, 'a'),
        'not a descriptor',
        descriptorOf(MT.layer, 'b "quoted" \\ and \u00e9', { annotations: { '}': ']{' } }),
      ],
      annotations: { 'org.example.note': 'layers: [ {"digest": "x"} ]' },
      subject: descriptorOf(MT.manifest, 'elsewhere'),
    },
    null,
    2,
  );
  const bytes = Buffer.from(manifest);
  const expected = JSON.parse(manifest) as Record<string, unknown>;
  for (const sizes of [[bytes.length], [1], [7, 3, 64], [4096]]) {
    const r = scanReused(bytes, sizes);
    assert.equal(r.problem, undefined);
    assert.equal(r.dropped, 0);
    assert.deepEqual(r.skeleton.config, expected.config);
    assert.deepEqual(r.skeleton.subject, expected.subject);
    assert.equal(r.skeleton.mediaType, MT.manifest);
    assert.equal(r.skeleton.schemaVersion, 2);
    const layers = r.skeleton.layers as unknown[];
    assert.equal(layers.length, 3);
    assert.equal(1 in layers, false, 'a non-object entry is a hole');
    assert.deepEqual(layers[2], (expected.layers as unknown[])[2]);
    const doc = documentFromScan(r, 'manifest', MT.manifest);
    assert.equal(doc.kind, 'image-manifest');
    assert.deepEqual(
      doc.refs.map((x) => x.path),
      [['config'], ['layers', 0], ['layers', 2], ['subject']],
    );
  }
});

test('property: the descriptors the scan keeps are those JSON.parse finds, for any chunking', () => {
  const descriptor = fc.record({
    mediaType: fc.constantFrom(MT.layer, MT.manifest, 'x/"y"'),
    digest: fc.string(),
    size: fc.nat(),
    annotations: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  });
  fc.assert(
    fc.property(
      fc.record({
        schemaVersion: fc.constant(2),
        manifests: fc.array(fc.oneof(descriptor, fc.integer(), fc.constant(null)), { maxLength: 20 }),
        annotations: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
      }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }),
      fc.boolean(),
      (doc, sizes, pretty) => {
        const bytes = Buffer.from(JSON.stringify(doc, null, pretty ? 1 : undefined));
        const r = scanReused(bytes, sizes);
        assert.equal(r.problem, undefined);
        const kept = r.skeleton.manifests as unknown[];
        assert.equal(kept.length, doc.manifests.length);
        doc.manifests.forEach((m, i) => {
          if (typeof m === 'object' && m !== null) assert.deepEqual(kept[i], JSON.parse(JSON.stringify(m)));
          else assert.equal(i in kept, false);
        });
      },
    ),
    { numRuns: 300, seed: 14 },
  );
});

test('the scan says why bytes are not a JSON object, and counts what it could not keep', () => {
  const problem = (b: Uint8Array | string): string | undefined =>
    scanReused(typeof b === 'string' ? Buffer.from(b) : b, [5]).problem;
  assert.match(problem(Buffer.from([0x1f, 0x8b, 0x08, 0x00]))!, /not start like a JSON object/);
  assert.match(problem(Buffer.from([0xff, 0xfe, 0x7b, 0x00]))!, /UTF-16 or binary/);
  assert.match(problem(Buffer.from('{\u0000}', 'utf16le'))!, /NUL bytes/);
  assert.match(problem('[1, 2]')!, /array/);
  assert.match(problem('')!, /is empty/);
  assert.match(problem('{"layers": [')!, /cut off/);
  assert.match(problem('{} {}')!, /more after its closing brace/);
  const few = scanReused(Buffer.from(text({ manifests: [{ a: 1 }, { b: 2 }, { c: 3 }] })), [3], 2);
  assert.equal(few.dropped, 1);
  const long = new DescriptorScanner({ maxDescriptors: 10, maxDescriptorBytes: 16 });
  long.write(Buffer.from(text({ layers: [{ digest: 'x'.repeat(100) }, { d: 1 }] })));
  const r = long.end();
  assert.equal(r.dropped, 1);
  assert.deepEqual((r.skeleton.layers as unknown[])[1], { d: 1 });
});

test('bytes read as a document: what a blob named as a manifest must be', () => {
  const ok = documentFromBytes(
    Buffer.from(text({ schemaVersion: 2, mediaType: MT.index, manifests: [] })),
    'manifest',
  );
  assert.equal(ok.kind, 'image-index');
  assert.equal(ok.problem, undefined);
  const cases: [Uint8Array, RegExp][] = [
    [Buffer.alloc(0), /is empty/],
    [Buffer.from([0x1f, 0x8b, 0x08]), /not UTF-8 text \(byte 0x8B near offset 1\)/],
    [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]), /UTF-16/],
    [Buffer.from('{"a": 1,}'), /not valid JSON/],
    [Buffer.from('{"foo":1}'), /neither "config" and "layers" nor "manifests"/],
    [Buffer.from('[]'), /not an object/],
    [Buffer.from(config), /reads as OCI image config/],
  ];
  for (const [bytes, why] of cases) {
    const d = documentFromBytes(bytes, 'manifest', MT.manifest);
    assert.match(d.problem ?? '', why);
    assert.deepEqual(d.refs, []);
  }
  // Not recognisable: linted as the kind its descriptor names.
  assert.equal(documentFromBytes(Buffer.from('{"foo":1}'), 'manifest', MT.manifest).kind, 'image-manifest');
});

test('readAll: sized to what arrives, undefined past the bound', async () => {
  const chunks = async function* () {
    yield Buffer.from('abc');
    yield Buffer.from('defg');
  };
  assert.equal(Buffer.from((await readAll(chunks(), 7))!).toString(), 'abcdefg');
  assert.equal(await readAll(chunks(), 6), undefined);
  assert.equal((await readAll(chunks(), 100, 7))!.buffer.byteLength, 7);
});

test('the engine queue hands work out in order, however long it is', async () => {
  const run = limiter(2);
  const order: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const tasks = Array.from({ length: 5000 }, (_, i) =>
    run(async () => {
      if (i < 2) await gate;
      order.push(i);
    }),
  );
  release();
  await Promise.all(tasks);
  assert.equal(order.length, 5000);
  assert.deepEqual(order.slice(2, 10), [2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(
    order.slice(2).every((v, i, a) => i === 0 || v > a[i - 1]!),
    'first in, first out',
  );
});
