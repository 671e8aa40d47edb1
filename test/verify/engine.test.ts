// The pure engine (core/verify) with in-memory sources: statuses, ranges, messages, data, source order,
// concurrency bound, cancellation, progress and the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  BlobSourceError,
  createVerifier,
  embeddedDataSource,
  verifyDocument,
  type ContentSource,
} from '../../server/src/core/verify/index';
import { RULE_BY_CODE } from '../../server/src/core/codes';
import { covered } from './tools';

const sha = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A source over a map digest → bytes, with counters and an optional delay per chunk. */
function memorySource(
  blobs: Map<string, Uint8Array>,
  opts: { name?: string; chunk?: number; delayMs?: number; statSize?: boolean } = {},
): ContentSource & { opened: number; active: number; maxActive: number; served: number } {
  const s = {
    name: opts.name ?? 'memory',
    label: `the ${opts.name ?? 'memory'} store`,
    opened: 0,
    active: 0,
    maxActive: 0,
    served: 0,
    async stat(ref: { digest: string }) {
      const b = blobs.get(ref.digest);
      return b
        ? { ...(opts.statSize === false ? {} : { size: b.length }), where: `mem:${ref.digest}` }
        : undefined;
    },
    async open(ref: { digest: string }, o: { signal: AbortSignal; maxBytes: number }) {
      const b = blobs.get(ref.digest);
      if (!b) return undefined;
      s.opened++;
      const chunk = opts.chunk ?? 1024;
      const self = s;
      return {
        where: `mem:${ref.digest}`,
        chunks: (async function* () {
          self.active++;
          self.maxActive = Math.max(self.maxActive, self.active);
          try {
            for (let i = 0; i < Math.min(b.length, o.maxBytes); i += chunk) {
              if (o.signal.aborted) throw new Error('aborted');
              if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
              const part = b.subarray(i, Math.min(i + chunk, b.length, o.maxBytes));
              self.served += part.length;
              yield part;
            }
          } finally {
            self.active--;
          }
        })(),
      };
    },
  };
  return s;
}

const layerA = new TextEncoder().encode('layer A content\n');
const layerB = new TextEncoder().encode('layer B, which is longer\n');
const config = new TextEncoder().encode('{"architecture":"amd64","os":"linux"}');

function manifest(
  layers: { digest: string; size: number }[],
  cfg = { digest: sha(config), size: config.length },
): string {
  return JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
    },
    null,
    2,
  );
}

test('every descriptor verified: results, no findings, summary words', async () => {
  const store = memorySource(
    new Map([
      [sha(config), config],
      [sha(layerA), layerA],
      [sha(layerB), layerB],
    ]),
  );
  const text = manifest([
    { digest: sha(layerA), size: layerA.length },
    { digest: sha(layerB), size: layerB.length },
  ]);
  const r = await verifyDocument(text, { sources: [store] });
  assert.equal(r.kind, 'image-manifest');
  assert.deepEqual(
    r.results.map((x) => x.status),
    ['verified', 'verified', 'verified'],
  );
  assert.deepEqual(r.findings, []);
  assert.equal(r.summary.text, '3 verified, 0 mismatches, 0 not found');
  assert.equal(covered(text, r.results[1]!.span), JSON.stringify(sha(layerA)));
  assert.equal(r.results[1]!.source, 'memory');
});

test('size mismatch is found from the size alone, on the digest value, with both sizes', async () => {
  const store = memorySource(
    new Map([
      [sha(config), config],
      [sha(layerA), layerA],
    ]),
  );
  const text = manifest([{ digest: sha(layerA), size: layerA.length + 5 }]);
  const r = await verifyDocument(text, { sources: [store] });
  const f = r.findings.find((x) => x.code === 'oci/blob-size-mismatch');
  assert.ok(f);
  assert.equal(f.severity, 'error');
  assert.equal(covered(text, f), JSON.stringify(sha(layerA)));
  assert.match(
    f.message,
    new RegExp(`is ${layerA.length} bytes long, but the descriptor's size is ${layerA.length + 5}`),
  );
  assert.equal(f.data?.actualSize, layerA.length);
  assert.equal(store.opened, 1, 'the config was read, the layer was not');
  assert.equal(r.summary.text, '1 verified, 1 mismatch, 0 not found');
});

test('digestOnSizeMismatch reads to the end and gives the real digest for a quick-fix', async () => {
  const store = memorySource(new Map([[sha(layerA), layerA]]));
  const text = manifest([{ digest: sha(layerA), size: 3 }], { digest: sha(layerA), size: layerA.length });
  const r = await verifyDocument(text, { sources: [store], digestOnSizeMismatch: true });
  const f = r.findings.find((x) => x.code === 'oci/blob-size-mismatch')!;
  assert.equal(f.data?.actualDigest, sha(layerA));
  assert.match(f.message, new RegExp(`Its digest is "${sha(layerA)}"`));
});

test('a longer blob whose source does not announce its size is cut off after size + 1 bytes', async () => {
  const big = new Uint8Array(1 << 20).fill(7);
  const store = memorySource(new Map([[sha(big), big]]), { statSize: false, chunk: 4096 });
  const text = manifest([{ digest: sha(big), size: 100 }], { digest: sha(big), size: big.length });
  const verifier = createVerifier({ sources: [store], concurrency: 1 });
  const r = await verifyDocument(text, { sources: [], verifier });
  const layer = r.results[1]!;
  assert.equal(layer.status, 'size-mismatch');
  assert.equal(layer.sizeIsLowerBound, true);
  assert.match(layer.finding!.message, /is longer than the descriptor's size of 100 bytes/);
  // The config read the whole MiB; the layer stopped after its first chunk past 100 bytes.
  assert.ok(store.served <= big.length + 4096, `served ${store.served}`);
});

test('digest mismatch names the computed digest and keeps it in data', async () => {
  const fake = new TextEncoder().encode('layer A content?'); // same length as layerA
  assert.equal(fake.length, layerA.length);
  const store = memorySource(
    new Map([
      [sha(config), config],
      [sha(layerA), fake],
    ]),
  );
  const text = manifest([{ digest: sha(layerA), size: layerA.length }]);
  const r = await verifyDocument(text, { sources: [store] });
  const f = r.findings.find((x) => x.code === 'oci/blob-digest-mismatch')!;
  assert.equal(f.severity, 'error');
  assert.equal(covered(text, f), JSON.stringify(sha(layerA)));
  assert.ok(f.message.includes(sha(fake)) && f.message.includes(sha(layerA)));
  assert.equal(f.data?.actualDigest, sha(fake));
  assert.equal(f.data?.expectedDigest, sha(layerA));
});

test('missing: says where it looked; with no source at all, says why nothing was looked at', async () => {
  const text = manifest([{ digest: sha(layerA), size: layerA.length }]);
  const a = await verifyDocument(text, {
    sources: [memorySource(new Map(), { name: 'one' }), memorySource(new Map(), { name: 'two' })],
  });
  const f = a.findings.find((x) => x.code === 'oci/blob-missing')!;
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /was found in the one store and the two store\./);
  const b = await verifyDocument(text, { sources: [] });
  assert.match(
    b.findings[0]!.message,
    /not inside an OCI image layout, the descriptor has no embedded data, and no registry was given/,
  );
  assert.equal(b.summary.text, '0 verified, 0 mismatches, 2 not found');
});

test('sources in priority order: the first that has the blob decides', async () => {
  const good = memorySource(new Map([[sha(layerA), layerA]]), { name: 'good' });
  const bad = memorySource(new Map([[sha(layerA), new Uint8Array(layerA.length)]]), { name: 'bad' });
  const text = manifest([{ digest: sha(layerA), size: layerA.length }], {
    digest: sha(layerA),
    size: layerA.length,
  });
  assert.equal((await verifyDocument(text, { sources: [good, bad] })).results[1]!.source, 'good');
  const r = await verifyDocument(text, { sources: [bad, good] });
  assert.equal(r.results[1]!.status, 'digest-mismatch');
  assert.equal(r.results[1]!.source, 'bad');
});

test('embedded data is a source; non-canonical base64 counts as absent', async () => {
  const data = Buffer.from(layerA).toString('base64');
  const doc = (d: string): string =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha('{}'), size: 2, data: 'e30=' },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: sha(layerA),
          size: layerA.length,
          data: d,
        },
      ],
    });
  const ok = await verifyDocument(doc(data), { sources: [embeddedDataSource()] });
  assert.deepEqual(
    ok.results.map((r) => [r.status, r.source]),
    [
      ['verified', 'data'],
      ['verified', 'data'],
    ],
  );
  const wrong = await verifyDocument(doc(Buffer.from(layerB.subarray(0, layerA.length)).toString('base64')), {
    sources: [embeddedDataSource()],
  });
  assert.equal(wrong.results[1]!.status, 'digest-mismatch');
  const bad = await verifyDocument(doc(data.replace(/=*$/, '') + '\n'), { sources: [embeddedDataSource()] });
  assert.equal(bad.results[1]!.status, 'missing');
});

test('malformed digests and unknown algorithms are skipped, never looked up', async () => {
  let looked = 0;
  const spy: ContentSource = {
    name: 'spy',
    label: 'the spy',
    stat: async () => {
      looked++;
      return undefined;
    },
    open: async () => undefined,
  };
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:../../etc/passwd', size: 1 },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: '/etc/passwd', size: 1 },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'md5:d41d8cd98f00b204e9800998ecf8427e',
        size: 1,
      },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 },
    ],
  });
  const r = await verifyDocument(text, { sources: [spy] });
  assert.deepEqual(
    r.results.map((x) => x.status),
    ['skipped', 'skipped', 'skipped', 'skipped'],
  );
  assert.equal(looked, 0);
  assert.deepEqual(r.findings, []);
  assert.match(r.results[2]!.reason!, /"md5"/);
  assert.equal(r.summary.text, '0 verified, 0 mismatches, 0 not found, 4 skipped');
});

test('a source error becomes an unreadable result with its sentence', async () => {
  const failing: ContentSource = {
    name: 'registry',
    label: 'registry example/app',
    stat: async () => {
      throw new BlobSourceError('timeout', 'example sent nothing for 1 s');
    },
    open: async () => undefined,
  };
  const text = manifest([]);
  const r = await verifyDocument(text, { sources: [failing] });
  assert.equal(r.results[0]!.status, 'unreadable');
  assert.deepEqual(r.results[0]!.error, { reason: 'timeout', message: 'example sent nothing for 1 s' });
  assert.equal(r.findings[0]!.code, 'oci/blob-unreadable');
  assert.match(
    r.findings[0]!.message,
    /could not be read from registry example\/app: example sent nothing for 1 s\.$/,
  );
});

test('concurrency is bounded, duplicates are read once, progress counts up to the total', async () => {
  const blobs = new Map<string, Uint8Array>();
  const layers: { digest: string; size: number }[] = [];
  for (let i = 0; i < 12; i++) {
    const b = new TextEncoder().encode(`blob number ${i}\n`.repeat(50));
    blobs.set(sha(b), b);
    layers.push({ digest: sha(b), size: b.length });
  }
  blobs.set(sha(config), config);
  layers.push(layers[0]!); // the same blob twice
  const store = memorySource(blobs, { chunk: 64, delayMs: 1 });
  const seen: number[] = [];
  const r = await verifyDocument(manifest(layers), {
    sources: [store],
    concurrency: 3,
    onProgress: (p) => {
      assert.ok(p.done <= p.total);
      seen.push(p.done);
    },
  });
  assert.equal(r.summary.verified, 14);
  assert.equal(store.maxActive, 3);
  assert.equal(store.opened, 13, 'the duplicate layer was read once');
  assert.equal(Math.max(...seen), 13);
});

test('cancellation stops the reads and resolves with cancelled results', async () => {
  const big = new Uint8Array(4 << 20);
  const blobs = new Map([
    [sha(big), big],
    [sha(config), config],
  ]);
  const store = memorySource(blobs, { chunk: 1024, delayMs: 1 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const t = Date.now();
  const r = await verifyDocument(manifest([{ digest: sha(big), size: big.length }]), {
    sources: [store],
    signal: controller.signal,
  });
  assert.ok(Date.now() - t < 2000, 'stopped promptly');
  assert.equal(r.cancelled, true);
  assert.equal(r.results[1]!.status, 'cancelled');
  assert.ok(store.served < big.length, 'not read to the end');
  assert.equal(store.active, 0, 'the read was closed');
});

test('blake3 and sha512 digests are computed (default hasher)', async () => {
  const b3 = `blake3:${bytesToHex(blake3(layerA, { dkLen: 32 }))}`;
  const s512 = `sha512:${createHash('sha512').update(layerB).digest('hex')}`;
  const store = memorySource(
    new Map([
      [b3, layerA],
      [s512, layerB],
      [sha(config), config],
    ]),
  );
  const r = await verifyDocument(
    manifest([
      { digest: b3, size: layerA.length },
      { digest: s512, size: layerB.length },
    ]),
    { sources: [store] },
  );
  assert.deepEqual(
    r.results.map((x) => x.status),
    ['verified', 'verified', 'verified'],
  );
});

test('severity overrides apply; off drops the finding but keeps the result', async () => {
  const text = manifest([{ digest: sha(layerA), size: layerA.length }]);
  const r = await verifyDocument(text, { sources: [], severities: { 'oci/blob-missing': 'off' } });
  assert.deepEqual(r.findings, []);
  assert.equal(r.summary.missing, 2);
  const e = await verifyDocument(text, { sources: [], severities: { 'oci/blob-missing': 'error' } });
  assert.equal(e.findings[0]!.severity, 'error');
});

test('the verification rules are in the rule table', () => {
  for (const code of [
    'oci/blob-missing',
    'oci/blob-size-mismatch',
    'oci/blob-digest-mismatch',
    'oci/blob-unreadable',
    'oci/layout-missing-file',
    'oci/layout-blob-name',
    'oci/layout-blob-path',
    'oci/layout-blob-not-file',
    'oci/layout-blob-unreferenced',
  ])
    assert.ok(RULE_BY_CODE.has(code), code);
});

/** A source holding one large blob made up as it is read (nothing held), counting what it serves. */
function virtualSource(digest: string, size: number): ContentSource & { served: number; opened: number } {
  const s = {
    name: 'virtual',
    label: 'the virtual store',
    served: 0,
    opened: 0,
    async stat(ref: { digest: string }) {
      return ref.digest === digest ? { size, where: 'virtual' } : undefined;
    },
    async open(ref: { digest: string }, o: { maxBytes: number }) {
      if (ref.digest !== digest) return undefined;
      s.opened++;
      const chunk = new Uint8Array(1 << 20);
      return {
        size,
        where: 'virtual',
        chunks: (async function* () {
          for (let at = 0; at < Math.min(size, o.maxBytes); at += chunk.length) {
            const part = chunk.subarray(0, Math.min(chunk.length, size - at, o.maxBytes - at));
            s.served += part.length;
            yield part;
          }
        })(),
      };
    },
  };
  return s;
}

test('a size that is not a non-negative integer means the content is not read; one blob named 21 times is read once', async () => {
  const size = 64 << 20;
  const digest = `sha256:${'ab'.repeat(32)}`;
  const bad: unknown[] = [-1, 2 ** 63, 1.5, '12', null];
  const layers: Record<string, unknown>[] = bad.map((s) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest,
    size: s,
  }));
  layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest });
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha('{}'), size: 2, data: 'e30=' },
    layers,
  });
  const store = virtualSource(digest, size);
  const r = await verifyDocument(text, { sources: [embeddedDataSource(), store] });
  // Before: each invalid size read the whole blob (its content unbounded).
  assert.equal(store.served, 0);
  assert.deepEqual(
    r.results.slice(1).map((x) => x.status),
    ['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped'],
  );
  assert.match(
    r.results[1]!.reason!,
    /its size -1 is not a non-negative integer, so its content was not read/,
  );
  assert.match(r.results[4]!.reason!, /its size "12" is not/);
  assert.match(r.results[6]!.reason!, /it has no size/);
  assert.equal(r.summary.verified, 1);

  // The same blob with its right size, named 21 times: read once, to its end.
  const again = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha('{}'), size: 2, data: 'e30=' },
    layers: Array.from({ length: 21 }, () => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest,
      size,
    })),
  });
  const once = virtualSource(digest, size);
  const r2 = await verifyDocument(again, { sources: [embeddedDataSource(), once] });
  assert.equal(once.opened, 1);
  assert.equal(once.served, size);
  assert.equal(r2.summary.digestMismatch, 21);
});

test('a blob named as a manifest is read as one in the same read that hashes it: invalid when it is not one', async () => {
  const config = new TextEncoder().encode(
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
  );
  const fine = new TextEncoder().encode(manifest([]));
  const store = memorySource(
    new Map([
      [sha(config), config],
      [sha(fine), fine],
    ]),
  );
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(fine), size: fine.length },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(config), size: config.length },
    ],
  });
  const r = await verifyDocument(index, { sources: [store] });
  assert.deepEqual(
    r.results.map((x) => x.status),
    ['verified', 'invalid'],
  );
  assert.equal(store.opened, 2, 'one read each');
  const f = r.findings.find((x) => x.code === 'oci/blob-not-manifest')!;
  assert.equal(f.severity, 'error');
  assert.equal(covered(index, f), JSON.stringify(sha(config)));
  assert.match(f.message, /is named as a manifest or an index, but it reads as OCI image config/);
  assert.equal(r.summary.text, '1 verified, 0 mismatches, 0 not found, 1 not a manifest');
});

test('a missing blob: a warning where a layout may lack it, an error where a registry must have it or completeness is required', async () => {
  const text = manifest([{ digest: sha(layerA), size: layerA.length }]);
  const partial = {
    ...memorySource(new Map([[sha(config), config]]), { name: 'layout' }),
    completeness: 'partial' as const,
  };
  const complete = { ...memorySource(new Map(), { name: 'registry' }), completeness: 'complete' as const };
  const layout = await verifyDocument(text, { sources: [partial] });
  const missing = layout.findings.find((x) => x.code === 'oci/blob-missing')!;
  assert.equal(missing.severity, 'warning');
  assert.match(missing.message, /may lack blobs that an external store/);
  assert.equal(layout.results[1]!.mayBeElsewhere, true);
  const registry = await verifyDocument(text, { sources: [partial, complete] });
  assert.equal(registry.findings.find((x) => x.code === 'oci/blob-missing')!.severity, 'error');
  const strict = await verifyDocument(text, { sources: [partial], requireComplete: true });
  assert.equal(strict.findings.find((x) => x.code === 'oci/blob-missing')!.severity, 'error');
  // A user's level wins.
  const quiet = await verifyDocument(text, {
    sources: [partial, complete],
    severities: { 'oci/blob-missing': 'info' },
  });
  assert.equal(quiet.findings.find((x) => x.code === 'oci/blob-missing')!.severity, 'info');
});

test('presenceOnly: blobs are looked up, not read (present, or a size mismatch); manifests are still read and hashed', async () => {
  const layer = Buffer.from('layer bytes\n');
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const subject = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha(config),
        size: config.length,
      },
      layers: [],
    }),
  );
  const src = memorySource(
    new Map([
      [sha(layer), layer],
      [sha(config), config],
      [sha(subject), subject],
    ]),
  );
  const L = 'application/vnd.oci.image.layer.v1.tar';
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha(config),
      size: config.length,
    },
    layers: [
      { mediaType: L, digest: sha(layer), size: layer.length + 1 },
      { mediaType: L, digest: sha('absent'), size: 6 },
    ],
    subject: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha(subject),
      size: subject.length,
    },
  });
  const r = await verifyDocument(text, { sources: [src], presenceOnly: true });
  assert.deepEqual(
    r.results.map((x) => [x.role, x.status]),
    [
      ['config', 'present'],
      ['layer', 'size-mismatch'],
      ['layer', 'missing'],
      ['subject', 'verified'],
    ],
  );
  assert.equal(r.results[0]!.finding, undefined, 'present is no problem');
  assert.equal(r.results[0]!.actualSize, config.length);
  assert.equal(r.summary.text, '1 verified, 1 present, 1 mismatch, 1 not found');
  assert.equal(src.opened, 1, 'only the manifest was read');
  // Without it, every blob is read and hashed.
  const full = await verifyDocument(text, { sources: [src] });
  assert.equal(full.results[0]!.status, 'verified');
});
