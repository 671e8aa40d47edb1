import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { createHash } from 'node:crypto';
import { expectNone, expectOne, j, lint, specManifest } from '../helpers';
import { EMPTY_BLOB, MT } from '../../server/src/core/catalog/core';
import { validateBase64 } from '../../server/src/core/checks/data';
import { computeDigest } from '../../server/src/core/digest';

const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const emptyDescriptor = () => ({
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: EMPTY_DIGEST,
  size: 2,
  data: 'e30=',
});
/** Which occurrence of `slice` starts right after `anchor` (for expectOne's `occurrence`). */
const after = (text: string, anchor: string, slice: string): number => {
  const at = text.indexOf(anchor) + anchor.length;
  let n = 0;
  for (let i = text.indexOf(slice); i >= 0 && i < at; i = text.indexOf(slice, i + 1)) n++;
  return n;
};
const sha256 = (s: string | Buffer): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** An artifact manifest (image manifest with the empty config) whose only layer is `layer`. */
const artifact = (
  layer: Record<string, unknown>,
  config: Record<string, unknown> = emptyDescriptor(),
): string =>
  j({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.example+type',
    config,
    layers: [layer],
  });

const HELLO = 'hello world\n';
const helloLayer = (over: Record<string, unknown> = {}) => ({
  mediaType: 'text/plain',
  digest: sha256(HELLO),
  size: HELLO.length,
  data: Buffer.from(HELLO).toString('base64'),
  ...over,
});

test('validateBase64: standard alphabet, padding, canonical bits', () => {
  assert.deepEqual(validateBase64('e30='), { ok: true, byteLength: 2 });
  assert.deepEqual(validateBase64(''), { ok: true, byteLength: 0 });
  assert.deepEqual(validateBase64('aGVsbG8gd29ybGQK'), { ok: true, byteLength: 12 });
  const cases: [string, RegExp, string?][] = [
    ['e30', /padding is missing/, 'e30='],
    ['-_8=', /URL-safe base64url/, '+/8='],
    ['e3\n0=', /line break at position 3/, 'e30='],
    ['e3*0', /"\*" at position 3/],
    ['e3=0', /before the end/],
    ['e', /left over/],
    ['e31=', /unused bits/, 'e30='],
    ['YQ===', /at most two/, 'YQ=='],
  ];
  for (const [s, re, replacement] of cases) {
    const v = validateBase64(s);
    assert.equal(v.ok, false, s);
    if (v.ok) continue;
    assert.match(v.explanation, re, s);
    assert.equal(v.replacement, replacement, s);
  }
});

test('the empty descriptor with data "e30=" lints clean', () => {
  const text = artifact(emptyDescriptor());
  const fs = lint(text).filter((f) => f.code.startsWith('oci/data-') || f.code === 'oci/empty-descriptor');
  assert.deepEqual(fs, []);
  const d = j(emptyDescriptor());
  assert.deepEqual(
    lint(d, { kind: 'descriptor' }).filter((f) => f.severity === 'error'),
    [],
  );
});

test('oci/data-encoding: base64url is named; clean standard base64 is not flagged', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xfe]);
  const layer = { mediaType: 'application/octet-stream', digest: sha256(bytes), size: 3 };
  const f = expectOne(artifact({ ...layer, data: '-__-' }), 'oci/data-encoding', '"-__-"', {
    severity: 'error',
  });
  assert.match(f.message, /layers\[0\]\.data is not standard base64/);
  assert.match(f.message, /base64url/);
  assert.equal(f.data?.replacement, '+//+');
  expectNone(artifact({ ...layer, data: bytes.toString('base64') }), 'oci/data-encoding');
  expectNone(artifact({ ...layer, data: bytes.toString('base64') }), 'oci/data-digest-mismatch');
});

test('oci/data-encoding: missing padding, and no size or digest findings on undecodable data', () => {
  const text = artifact(helloLayer({ data: 'aGVsbG8gd29ybGQ' }));
  expectOne(text, 'oci/data-encoding', '"aGVsbG8gd29ybGQ"');
  expectNone(text, 'oci/data-size-mismatch');
  expectNone(text, 'oci/data-digest-mismatch');
});

test('oci/data-size-mismatch: the message shows both lengths', () => {
  const text = artifact(helloLayer({ size: 13 }));
  const f = expectOne(text, 'oci/data-size-mismatch', '13', {
    severity: 'error',
    occurrence: after(text, '"size": ', '13'),
  });
  assert.match(f.message, /layers\[0\]\.size is 13/);
  assert.match(f.message, /decodes to 12 bytes/);
  assert.equal(f.data?.computed, 12);
  expectNone(artifact(helloLayer()), 'oci/data-size-mismatch');
});

test('oci/data-digest-mismatch: the computed digest is in the message and in data', () => {
  const wrong = 'sha256:' + '0'.repeat(64);
  const text = artifact(helloLayer({ digest: wrong }));
  const f = expectOne(text, 'oci/data-digest-mismatch', JSON.stringify(wrong), { severity: 'error' });
  assert.ok(f.message.includes(sha256(HELLO)), f.message);
  assert.equal(f.data?.computed, sha256(HELLO));
  expectNone(artifact(helloLayer()), 'oci/data-digest-mismatch');
});

test('oci/data-digest-mismatch: sha512 and blake3 are computed; unregistered algorithms are not', () => {
  const bytes = new TextEncoder().encode(HELLO);
  const b3 = computeDigest('blake3', bytes);
  expectNone(artifact(helloLayer({ digest: b3 })), 'oci/data-digest-mismatch');
  const badB3 = `blake3:${'a'.repeat(64)}`;
  const f = expectOne(
    artifact(helloLayer({ digest: badB3 })),
    'oci/data-digest-mismatch',
    JSON.stringify(badB3),
  );
  assert.equal(f.data?.computed, b3);
  const s512 = computeDigest('sha512', bytes);
  expectNone(artifact(helloLayer({ digest: s512 })), 'oci/data-digest-mismatch');
  expectOne(
    artifact(helloLayer({ digest: `sha512:${'b'.repeat(128)}` })),
    'oci/data-digest-mismatch',
    `"sha512:${'b'.repeat(128)}"`,
  );
  expectNone(
    artifact(helloLayer({ digest: 'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564' })),
    'oci/data-digest-mismatch',
  );
  // A malformed digest is the digest module's finding only.
  expectNone(artifact(helloLayer({ digest: 'sha256:abc' })), 'oci/data-digest-mismatch');
});

test('oci/data-large: more than 16 KiB of embedded data is an info on the key', () => {
  const big = Buffer.alloc(16 * 1024 + 1, 0x61);
  const layer = {
    mediaType: 'text/plain',
    digest: sha256(big),
    size: big.length,
    data: big.toString('base64'),
  };
  const text = artifact(layer);
  const f = expectOne(text, 'oci/data-large', '"data"', { severity: 'info', occurrence: 1 });
  assert.match(f.message, /16\.0 KiB/);
  expectNone(text, 'oci/data-digest-mismatch');
  const small = Buffer.alloc(16 * 1024, 0x61);
  expectNone(
    artifact({ ...layer, digest: sha256(small), size: small.length, data: small.toString('base64') }),
    'oci/data-large',
  );
});

test('oci/empty-descriptor: wrong size names the expected value', () => {
  const text = artifact(helloLayer(), { ...emptyDescriptor(), size: 0 });
  const f = expectOne(text, 'oci/empty-descriptor', '0', {
    severity: 'error',
    occurrence: after(text, '"size": ', '0'),
  });
  assert.match(f.message, /config has the empty media type/);
  assert.match(f.message, /set "size": 2/);
  assert.equal(f.data?.replacement, 2);
  assert.deepEqual((f.data?.expected as Record<string, unknown>).digest, EMPTY_DIGEST);
  // Not reported twice as a data/size mismatch.
  expectNone(text, 'oci/data-size-mismatch');
});

test('oci/empty-descriptor: the digest of zero bytes is recognised', () => {
  const zero = sha256('');
  const text = artifact(helloLayer(), { ...emptyDescriptor(), digest: zero });
  const f = expectOne(text, 'oci/empty-descriptor', JSON.stringify(zero));
  assert.ok(f.message.includes(EMPTY_DIGEST));
  assert.match(f.message, /digest of zero bytes/);
  assert.equal(f.data?.replacement, EMPTY_DIGEST);
  expectNone(text, 'oci/data-digest-mismatch');
  // The digest of "{}" under another registered algorithm is the same content.
  const s512 = computeDigest('sha512', new TextEncoder().encode('{}'));
  expectNone(artifact(helloLayer(), { ...emptyDescriptor(), digest: s512 }), 'oci/empty-descriptor');
});

test('oci/empty-descriptor: data other than e30=', () => {
  const text = artifact(helloLayer(), { ...emptyDescriptor(), data: 'eyB9' }); // "{ }"
  const f = expectOne(text, 'oci/empty-descriptor', '"eyB9"');
  assert.equal(f.data?.replacement, 'e30=');
  const g = expectOne(
    artifact(helloLayer(), { ...emptyDescriptor(), data: 'e30' }),
    'oci/data-encoding',
    '"e30"',
  );
  assert.equal(g.data?.replacement, 'e30=');
  expectNone(artifact(helloLayer(), { ...emptyDescriptor(), data: 'e30' }), 'oci/empty-descriptor');
  const { data: _, ...noData } = emptyDescriptor();
  expectNone(artifact(helloLayer(), noData), 'oci/empty-descriptor');
});

test('data is checked in Docker manifests and index entries too', () => {
  const docker = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 2,
      digest: sha256('{}'),
      data: 'e30=',
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: 3,
        digest: sha256('{}'),
        data: 'e30=',
      },
    ],
  });
  expectOne(docker, 'oci/data-size-mismatch', '3', { occurrence: after(docker, '"size": 3', '3') - 1 });
  const index = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 2,
        digest: sha256('{ }'),
        data: 'e30=',
      },
    ],
  });
  const f = expectOne(index, 'oci/data-digest-mismatch', JSON.stringify(sha256('{ }')));
  assert.equal(f.data?.computed, sha256('{}'));
});

describe('quick-fixes: embedded data and the empty descriptor', () => {
  const HELLO_SHA = 'sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';
  const withLayer = (layer: Record<string, unknown>) => j({ ...specManifest(), layers: [layer] });

  test('data that disagrees with size → the decoded length', () => {
    const r = applyFix(
      withLayer({ mediaType: MT.layerTar, digest: HELLO_SHA, size: 12, data: 'aGVsbG8gd29ybGQ=' }),
      'oci/data-size-mismatch',
    );
    assert.ok(r.after.includes('"size": 11,'));
  });

  test("data that disagrees with digest → the decoded content's digest", () => {
    const r = applyFix(
      withLayer({
        mediaType: MT.layerTar,
        digest: specManifest().layers[0]!.digest,
        size: 11,
        data: 'aGVsbG8gd29ybGQ=',
      }),
      'oci/data-digest-mismatch',
    );
    assert.ok(r.after.includes(`"digest": "${HELLO_SHA}"`));
  });

  test('an empty descriptor with a wrong size or digest → the canonical values', () => {
    const artifact = (config: Record<string, unknown>) =>
      j({
        ...specManifest(),
        artifactType: 'application/vnd.example+json',
        config,
        subject: undefined,
        layers: [{ ...specManifest().layers[0] }],
      });
    const size = applyFix(
      artifact({ mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: 0 }),
      'oci/empty-descriptor',
    );
    assert.ok(size.after.includes('"size": 2'));
    assert.match(size.fix.title, /empty descriptor's size 2/);
    const zero = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const digest = applyFix(artifact({ mediaType: MT.empty, digest: zero, size: 2 }), 'oci/empty-descriptor');
    assert.ok(digest.after.includes(`"digest": "${EMPTY_BLOB.digest}"`));
  });

  test('data that is not standard base64 → re-encoded', () => {
    applyFix(
      withLayer({ mediaType: MT.layerTar, digest: HELLO_SHA, size: 11, data: 'aGVsbG8gd29ybGQ' }),
      'oci/data-encoding',
    );
  });
});
