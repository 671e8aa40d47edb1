/**
 * Property-based fuzzing of layout verification with hostile layouts on disk (issue 13): sizes that are not
 * sizes (-1, 2^63, 1.5, a string, absent, wrong), blobs of every type (manifests, indexes, configs, binary,
 * UTF-16, empty, `{"foo":1}`), entries that are symbolic links (inside `blobs/`, to the layout's own files, out
 * of the layout to a secret file, dangling, through `..`), FIFOs, folders and badly named files in place of
 * blobs, `blobs` itself linked out, `index.json` and `oci-layout` linked out or replaced by FIFOs, nested and
 * looping indexes, and counts from none to a few hundred entries. The oracle:
 * - verification resolves (no exception, no hang) and every finding is well formed (a known code, a sentence);
 * - nothing outside the layout is read or listed: the secret's digest is never computed, and no report names
 *   the outside folder or a file in it;
 * - "verified" only for content that is there and hashes to its digest (checked against the files);
 * - the summary counts every result once, and never counts a blob that is not a manifest or was not checked.
 *
 * The seed is fixed (`FUZZ_SEED` picks another); `FUZZ_RUNS` / 100 layouts (at least 25) per run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { RULE_BY_CODE } from '../../server/src/core/index';
import { verifyLayoutFolder } from '../../server/src/node/content/layoutSource';

const RUNS = Math.max(25, Math.round(Number(process.env.FUZZ_RUNS ?? 2000) / 100));
const SEED = Number(process.env.FUZZ_SEED ?? 0x0c1f00d);

const sha = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
const SECRET = Buffer.from('a secret outside the layout; never to be read');

/** What a blob's bytes are. */
const contentArb: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => ({ kind: 'layer', bytes: Buffer.from(`layer ${s}`) })),
  fc.constant({
    kind: 'config',
    bytes: Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
  }),
  fc.constant({ kind: 'binary', bytes: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00]) }),
  fc.constant({
    kind: 'utf16',
    bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"schemaVersion":2}', 'utf16le')]),
  }),
  fc.constant({ kind: 'empty', bytes: Buffer.alloc(0) }),
  fc.constant({ kind: 'foo', bytes: Buffer.from('{"foo":1}') }),
);

/** How a descriptor states the size of the blob it names. */
const sizeArb = fc.constantFrom<'right' | 'wrong' | -1 | 'big' | 1.5 | 'string' | 'absent'>(
  'right',
  'right',
  'right',
  'wrong',
  -1,
  'big',
  1.5,
  'string',
  'absent',
);

/** How an entry of `blobs/sha256/` is stored. */
const storeArb = fc.constantFrom<
  | 'file'
  | 'misnamed'
  | 'absent'
  | 'link-inside'
  | 'link-out'
  | 'link-dotdot-out'
  | 'link-root-file'
  | 'dangling'
  | 'fifo'
  | 'dir'
>(
  'file',
  'file',
  'file',
  'file',
  'misnamed',
  'absent',
  'link-inside',
  'link-out',
  'link-dotdot-out',
  'link-root-file',
  'dangling',
  'fifo',
  'dir',
);

const layoutArb = fc.record({
  blobs: fc.array(
    fc.record({ content: contentArb, store: storeArb, size: sizeArb, asManifest: fc.boolean() }),
    { maxLength: 12 },
  ),
  manifests: fc.array(
    fc.record({ layers: fc.array(fc.nat(), { maxLength: 6 }), size: sizeArb, subject: fc.option(fc.nat()) }),
    { maxLength: 4 },
  ),
  nested: fc.boolean(),
  loop: fc.boolean(),
  repeat: fc.constantFrom(1, 1, 1, 50, 300),
  blobsDir: fc.constantFrom('dir', 'dir', 'dir', 'dir', 'link-out', 'absent'),
  rootFiles: fc.constantFrom('files', 'files', 'files', 'index-link-out', 'index-fifo', 'layout-missing'),
  strays: fc.array(fc.constantFrom('partial.tmp', 'AB'.repeat(32), '../x', 'SHA256'), { maxLength: 2 }),
});

function sizeOf(
  kind: 'right' | 'wrong' | -1 | 'big' | 1.5 | 'string' | 'absent',
  actual: number,
): Record<string, unknown> {
  switch (kind) {
    case 'right':
      return { size: actual };
    case 'wrong':
      return { size: actual + 3 };
    case 'big':
      return { size: 2 ** 63 };
    case 'string':
      return { size: String(actual) };
    case 'absent':
      return {};
    default:
      return { size: kind };
  }
}

let serial = 0;

/** Writes one generated layout; returns its folder and the outside folder holding the secret. */
type LayoutSpec = typeof layoutArb extends fc.Arbitrary<infer T> ? T : never;

function writeLayout(base: string, spec: LayoutSpec): { dir: string; outside: string } {
  const dir = path.join(base, `l${serial++}`);
  const outside = path.join(base, `outside${serial}`);
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret'), SECRET);
  const shaDir = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(shaDir, { recursive: true });
  const hex = (d: string): string => d.slice(7);
  const put = (bytes: Buffer, store: string): string => {
    const digest = sha(bytes);
    const at = path.join(shaDir, hex(digest));
    if (fs.lstatSync(at, { throwIfNoEntry: false })) return digest; // stored already
    switch (store) {
      case 'file':
        fs.writeFileSync(at, bytes);
        break;
      case 'misnamed':
        fs.writeFileSync(path.join(shaDir, hex(sha(Buffer.concat([bytes, Buffer.from('x')])))), bytes);
        break;
      case 'link-inside':
        fs.mkdirSync(path.join(dir, 'blobs', 'store'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'blobs', 'store', hex(digest)), bytes);
        fs.symlinkSync(path.join('..', 'store', hex(digest)), at);
        break;
      case 'link-out':
        fs.symlinkSync(path.join(outside, 'secret'), at);
        break;
      case 'link-dotdot-out':
        fs.symlinkSync(path.relative(shaDir, path.join(outside, 'secret')), at);
        break;
      case 'link-root-file':
        fs.symlinkSync(path.join(dir, 'oci-layout'), at);
        break;
      case 'dangling':
        fs.symlinkSync(path.join(dir, 'no-such-file'), at);
        break;
      case 'fifo':
        execFileSync('mkfifo', [at]);
        break;
      case 'dir':
        fs.mkdirSync(at);
        break;
      default:
        break; // absent
    }
    return digest;
  };
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const blobs = spec.blobs.map((b) => {
    const digest = put(b.content.bytes, b.store);
    return {
      mediaType: b.asManifest ? MT.manifest : b.content.kind === 'config' ? MT.config : MT.layer,
      digest,
      ...sizeOf(b.size, b.content.bytes.length),
    };
  });
  const entries: Record<string, unknown>[] = [];
  for (const m of spec.manifests) {
    const pick = (i: number) => blobs[i % Math.max(1, blobs.length)];
    const text = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: blobs.find((b) => b.mediaType === MT.config) ?? {
        mediaType: MT.config,
        digest: sha('{}'),
        size: 2,
      },
      layers: m.layers.map(pick).filter(Boolean),
      ...(m.subject !== null && blobs.length
        ? { subject: { ...pick(m.subject)!, mediaType: MT.manifest } }
        : {}),
    });
    const bytes = Buffer.from(text);
    entries.push({ mediaType: MT.manifest, digest: put(bytes, 'file'), ...sizeOf(m.size, bytes.length) });
  }
  for (const b of blobs) if (b.mediaType === MT.manifest) entries.push(b);
  let top = entries;
  if (spec.nested) {
    const inner = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: entries }));
    top = [{ mediaType: MT.index, digest: put(inner, 'file'), size: inner.length }];
  }
  if (spec.loop) {
    // An index stored under a digest it names itself.
    const self = `sha256:${'7'.repeat(64)}`;
    const looping = Buffer.from(
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MT.index, digest: self, size: 99 }] }),
    );
    fs.writeFileSync(path.join(shaDir, hex(self)), looping);
    top = [...top, { mediaType: MT.index, digest: self, size: looping.length }];
  }
  const repeated: Record<string, unknown>[] = [];
  for (let i = 0; i < spec.repeat; i++) for (const e of top) repeated.push(e);
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: repeated }));
  for (const s of spec.strays) {
    if (s === 'SHA256') fs.mkdirSync(path.join(dir, 'blobs', 'SHA256'), { recursive: true });
    else if (s !== '../x') fs.writeFileSync(path.join(shaDir, s), 'stray');
  }
  if (spec.rootFiles === 'index-link-out') {
    fs.renameSync(path.join(dir, 'index.json'), path.join(outside, 'index.json'));
    fs.symlinkSync(path.join(outside, 'index.json'), path.join(dir, 'index.json'));
  } else if (spec.rootFiles === 'index-fifo') {
    fs.rmSync(path.join(dir, 'index.json'));
    execFileSync('mkfifo', [path.join(dir, 'index.json')]);
  } else if (spec.rootFiles === 'layout-missing') {
    fs.rmSync(path.join(dir, 'oci-layout'));
  }
  if (spec.blobsDir === 'link-out') {
    fs.renameSync(path.join(dir, 'blobs'), path.join(outside, 'blobs'));
    fs.symlinkSync(path.join(outside, 'blobs'), path.join(dir, 'blobs'));
  } else if (spec.blobsDir === 'absent') {
    fs.rmSync(path.join(dir, 'blobs'), { recursive: true });
  }
  return { dir, outside };
}

/** The bytes a layout really holds for a digest (following only links that stay in blobs/), or undefined. */
function inLayout(dir: string, digest: string): Buffer | undefined {
  try {
    const blobs = fs.realpathSync(path.join(dir, 'blobs'));
    if (!blobs.startsWith(fs.realpathSync(dir) + path.sep)) return undefined;
    const real = fs.realpathSync(path.join(dir, 'blobs', ...digest.split(':')));
    if (!real.startsWith(blobs + path.sep) || !fs.statSync(real).isFile()) return undefined;
    return fs.readFileSync(real);
  } catch {
    return undefined;
  }
}

test(
  `verify: hostile layouts on disk never read outside, never claim "verified" for what was not checked (${RUNS} layouts, seed ${SEED})`,
  { timeout: 3_600_000 },
  async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-fuzz-layouts-'));
    try {
      await fc.assert(
        fc.asyncProperty(layoutArb, async (spec) => {
          const { dir, outside } = writeLayout(base, spec);
          const r = await verifyLayoutFolder(dir);
          const all = JSON.stringify(r);
          assert.ok(!all.includes(outside), `a report names the folder outside: ${outside}`);
          assert.ok(!all.includes(sha(SECRET).slice(7)), 'the secret outside was hashed');
          let total = 0;
          for (const f of r.files) {
            assert.ok(f.path === dir || f.path.startsWith(dir + path.sep), `a report for ${f.path}`);
            for (const x of f.findings) {
              assert.ok(RULE_BY_CODE.has(x.code), x.code);
              assert.match(x.message, /[.)]$/, x.message);
            }
            for (const res of f.results) {
              total++;
              if (res.status !== 'verified') continue;
              const bytes = inLayout(dir, res.digest!);
              if (res.source === 'layout') {
                assert.ok(bytes, `verified ${res.digest} but the layout has no such regular file`);
                assert.equal(sha(bytes), res.digest);
                assert.equal(bytes.length, res.size);
              }
            }
          }
          // Every result counted once (no root document here is large enough to be counted on its own).
          assert.equal(r.summary.total, total);
          assert.ok(r.summary.verified <= total);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  },
);
