import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, onlyEdited } from '../fixes';
import { createHash } from 'node:crypto';
import { checkContext, expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import {
  blobPath,
  computeDigest,
  isSafeDigestPath,
  parseDigest,
  validateDigest,
} from '../../server/src/core/digest';
import { digestCheck } from '../../server/src/core/checks/digest';
import { sizeCheck } from '../../server/src/core/checks/size';
import { dataCheck } from '../../server/src/core/checks/data';

const HEX64 = '9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0';
const ok = `sha256:${HEX64}`;

/** A manifest whose first layer has `digest`. */
const withLayerDigest = (digest: unknown): string => {
  const m = specManifest();
  (m.layers[0] as Record<string, unknown>).digest = digest;
  return j(m);
};

test('computeDigest matches node:crypto for sha256 and sha512, and the BLAKE3 empty-input vector', () => {
  const bytes = new TextEncoder().encode('hello, oci');
  assert.equal(computeDigest('sha256', bytes), `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  assert.equal(computeDigest('sha512', bytes), `sha512:${createHash('sha512').update(bytes).digest('hex')}`);
  assert.equal(
    computeDigest('blake3', new Uint8Array(0)),
    'blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262',
  );
  assert.equal(
    computeDigest('sha256', new TextEncoder().encode('{}')),
    'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  );
});

test('parseDigest follows the grammar only', () => {
  assert.deepEqual(parseDigest(ok), { algorithm: 'sha256', encoded: HEX64 });
  assert.deepEqual(parseDigest('multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8'), {
    algorithm: 'multihash+base58',
    encoded: 'QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8',
  });
  for (const bad of [
    '',
    'sha256',
    'sha256:',
    ':abc',
    'SHA256:abc',
    'sha256:a/b',
    'sha256:a:b',
    'sha+:ab',
    '+sha:ab',
    'sha..x:ab',
    'sha256:a.b',
  ]) {
    assert.equal(parseDigest(bad), undefined, bad);
  }
});

test('validateDigest: problems and replacements', () => {
  const cases: [string, string, string?][] = [
    ['sha256:../../x', 'path'],
    ['sha256:..', 'path'],
    ['sha256\\x:abc', 'path'],
    ['sha256:ab\u0000cd', 'path'],
    ['', 'empty'],
    ['sha256:', 'empty-encoded'],
    [':abc', 'empty-algorithm'],
    [`SHA256:${HEX64}`, 'algorithm-case', ok],
    [` ${ok}`, 'whitespace', ok],
    [HEX64, 'bare-hex', ok],
    [HEX64.toUpperCase(), 'bare-hex', ok],
    [`sha256:${HEX64.toUpperCase()}`, 'hex-case', ok],
    [`sha256:${HEX64.slice(1)}`, 'hex-length'],
    [`sha256:${HEX64.slice(1)}z`, 'hex-chars'],
    [`sha512:${HEX64}`, 'hex-length'],
    [`blake3:${HEX64}${HEX64}`, 'hex-length'],
    ['sha256:abc:def', 'encoded'],
    ['sha_:abc', 'algorithm'],
    ['sha256', 'no-colon'],
  ];
  for (const [value, problem, replacement] of cases) {
    const v = validateDigest(value);
    assert.equal(v.ok, false, value);
    if (v.ok) continue;
    assert.equal(v.problem, problem, value);
    assert.equal(v.replacement, replacement, value);
  }
  assert.deepEqual(validateDigest(`blake3:${HEX64}`), {
    ok: true,
    algorithm: 'blake3',
    encoded: HEX64,
    registered: true,
  });
  assert.deepEqual(validateDigest('sha256+b64:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564'), {
    ok: true,
    algorithm: 'sha256+b64',
    encoded: 'LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564',
    registered: false,
  });
});

test('isSafeDigestPath and blobPath refuse anything that could leave blobs/<alg>/', () => {
  assert.equal(isSafeDigestPath(ok), true);
  assert.equal(blobPath(ok), `blobs/sha256/${HEX64}`);
  assert.equal(isSafeDigestPath('multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8'), true);
  for (const bad of [
    'sha256:../../x',
    'sha256:',
    ':abc',
    '../sha256:abc',
    'sha256:a\\b',
    'sha256:a\u0000',
    'con:abc',
    'sha256:NUL',
    'lpt1.x:abc',
    `sha256:${'a'.repeat(256)}`,
    '..:abc',
    'sha256:abc/',
  ]) {
    assert.equal(isSafeDigestPath(bad), false, bad);
    assert.equal(blobPath(bad), undefined, bad);
  }
});

test('oci/digest-format: a path-traversal digest is called out as such', () => {
  const f = expectOne(withLayerDigest('sha256:../../x'), 'oci/digest-format', '"sha256:../../x"', {
    severity: 'error',
  });
  assert.match(f.message, /path-traversal/);
  assert.match(f.message, /layers\[0\]\.digest/);
  expectNone(withLayerDigest(ok), 'oci/digest-format');
});

test('oci/digest-format: empty encoded part, empty algorithm, uppercase algorithm', () => {
  const a = expectOne(withLayerDigest('sha256:'), 'oci/digest-format', '"sha256:"');
  assert.match(a.message, /nothing after "sha256:"/);
  const b = expectOne(withLayerDigest(':abc'), 'oci/digest-format', '":abc"');
  assert.match(b.message, /no algorithm/);
  const c = expectOne(withLayerDigest(`SHA256:${HEX64}`), 'oci/digest-format', `"SHA256:${HEX64}"`);
  assert.equal(c.data?.replacement, ok);
  expectNone(withLayerDigest(''), 'oci/digest-algorithm-unregistered');
});

test('oci/digest-format: uppercase hex gives the lowercase form', () => {
  const upper = `sha256:${HEX64.toUpperCase()}`;
  const f = expectOne(withLayerDigest(upper), 'oci/digest-format', JSON.stringify(upper), {
    severity: 'error',
  });
  assert.ok(f.message.includes(ok), f.message);
  assert.match(f.message, /uppercase hex/);
  assert.equal(f.data?.replacement, ok);
});

test('oci/digest-format: wrong length for a registered algorithm', () => {
  const short = `sha256:${HEX64.slice(0, 40)}`;
  const f = expectOne(withLayerDigest(short), 'oci/digest-format', JSON.stringify(short));
  assert.match(f.message, /40 hex characters/);
  assert.match(f.message, /64 lowercase hex/);
  const s512 = `sha512:${HEX64}`;
  expectOne(withLayerDigest(s512), 'oci/digest-format', JSON.stringify(s512));
  expectNone(withLayerDigest(`sha512:${HEX64}${HEX64}`), 'oci/digest-format');
});

test('oci/digest-format: a bare 64-hex string gets the sha256: prefix', () => {
  const f = expectOne(withLayerDigest(HEX64), 'oci/digest-format', JSON.stringify(HEX64));
  assert.equal(f.data?.replacement, ok);
  assert.ok(f.message.includes(`"${ok}"`));
});

test('oci/digest-format: not a string is left to the schema module', () => {
  expectNone(withLayerDigest(42), 'oci/digest-format');
  expectNone(withLayerDigest(null), 'oci/digest-format');
  expectNone(withLayerDigest({ x: 1 }), 'oci/digest-format');
});

test('oci/digest-algorithm-unregistered: well-formed but unregistered', () => {
  const d = 'sha256+b64:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564';
  const f = expectOne(withLayerDigest(d), 'oci/digest-algorithm-unregistered', JSON.stringify(d), {
    severity: 'warning',
  });
  assert.match(f.message, /"sha256\+b64"/);
  expectNone(withLayerDigest(d), 'oci/digest-format');
  expectNone(withLayerDigest(ok), 'oci/digest-algorithm-unregistered');
  const g = expectOne(
    withLayerDigest(`sha-256:${HEX64}`),
    'oci/digest-algorithm-unregistered',
    `"sha-256:${HEX64}"`,
  );
  assert.equal(g.data?.replacement, ok);
});

test('oci/digest-algorithm-discouraged: sha512 and blake3 are valid, with a quiet note', () => {
  const b = `blake3:${HEX64}`;
  expectOne(withLayerDigest(b), 'oci/digest-algorithm-discouraged', JSON.stringify(b), { severity: 'info' });
  expectNone(withLayerDigest(b), 'oci/digest-format');
  expectNone(withLayerDigest(b), 'oci/digest-algorithm-unregistered');
  const s = `sha512:${HEX64}${HEX64}`;
  expectOne(withLayerDigest(s), 'oci/digest-algorithm-discouraged', JSON.stringify(s), { severity: 'info' });
  expectNone(withLayerDigest(ok), 'oci/digest-algorithm-discouraged');
});

test('digests are checked in config, subject, index entries, descriptor documents and Docker manifests', () => {
  const bad = 'sha256:../x';
  const m = specManifest();
  m.config.digest = bad;
  expectOne(j(m), 'oci/digest-format', JSON.stringify(bad));
  const s = specManifest();
  s.subject.digest = bad;
  expectOne(j(s), 'oci/digest-format', JSON.stringify(bad));
  const i = specIndex();
  i.manifests[1]!.digest = bad;
  expectOne(j(i), 'oci/digest-format', JSON.stringify(bad));
  const d = j({ mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 7682, digest: 'sha256:abc' });
  expectOne(d, 'oci/digest-format', '"sha256:abc"', { kind: 'descriptor' });
  const docker = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: ok },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: HEX64 }],
  });
  expectOne(docker, 'oci/digest-format', JSON.stringify(HEX64));
});

test('digests in rootfs.diff_ids (OCI and Docker configs) and schema 1 blobSum', () => {
  const config = (ids: unknown[]) =>
    j({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ids }, config: {} });
  const f = expectOne(
    config([ok, `sha256:${HEX64.toUpperCase()}`]),
    'oci/digest-format',
    `"sha256:${HEX64.toUpperCase()}"`,
  );
  assert.match(f.message, /rootfs\.diff_ids\[1\]/);
  expectNone(config([ok, ok]), 'oci/digest-format');
  expectOne(config([ok, 'sha256:../x']), 'oci/digest-format', '"sha256:../x"', { kind: 'docker-config' });
  const s1 = (sum: string) =>
    j({
      schemaVersion: 1,
      name: 'x',
      tag: 'latest',
      architecture: 'amd64',
      fsLayers: [{ blobSum: sum }],
      history: [],
    });
  expectOne(s1('sha256:abc'), 'oci/digest-format', '"sha256:abc"');
  expectNone(s1(ok), 'oci/digest-format');
});

test('digest, size and data checks find nothing on a clean 10,000-entry index', () => {
  const idx = specIndex();
  idx.manifests = Array.from({ length: 10_000 }, (_, k) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 7143 + k,
    digest: `sha256:${createHash('sha256').update(String(k)).digest('hex')}`,
    platform: { architecture: 'amd64', os: 'linux' },
  }));
  const text = j(idx);
  for (const check of [digestCheck, sizeCheck, dataCheck]) {
    let n = 0;
    check.run(checkContext('image-index', text, () => void n++));
    assert.equal(n, 0, check.id);
  }
});

test('the spec examples produce no digest findings', () => {
  for (const doc of [specManifest(), specIndex()]) {
    const fs = lint(j(doc)).filter((f) => f.code.startsWith('oci/digest-'));
    assert.deepEqual(fs, []);
  }
});

describe('quick-fixes: digests', () => {
  test('uppercase hex → lowercase', () => {
    const upper = `sha256:${specManifest().config.digest.slice(7).toUpperCase()}`;
    const before = j({ ...specManifest(), config: { ...specManifest().config, digest: upper } });
    const r = applyFix(before, 'oci/digest-format');
    assert.ok(r.after.includes(`"${specManifest().config.digest}"`));
    assert.match(r.fix.title, /Change the digest to "sha256:b5b2/);
    onlyEdited(before, r);
  });

  test('a bare 64-hex string → sha256:-prefixed', () => {
    const bare = specManifest().layers[0]!.digest.slice('sha256:'.length);
    const before = j({ ...specManifest(), layers: [{ ...specManifest().layers[0], digest: bare }] });
    const r = applyFix(before, 'oci/digest-format');
    assert.ok(r.after.includes(`"sha256:${bare}"`));
  });

  test('a separator in a registered algorithm name (sha-256) → sha256', () => {
    const before = j({
      ...specManifest(),
      config: { ...specManifest().config, digest: specManifest().config.digest.replace('sha256', 'sha-256') },
    });
    applyFix(before, 'oci/digest-algorithm-unregistered');
  });
});
