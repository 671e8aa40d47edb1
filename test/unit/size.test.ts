import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import { exactNumber } from '../../server/src/core/checks/size';

/** The spec manifest with the config's size written as `raw` (raw number text, exactly as given). */
const withConfigSize = (raw: string): string => j(specManifest()).replace('"size": 7023', `"size": ${raw}`);

test('exactNumber reads number text exactly', () => {
  assert.deepEqual(exactNumber('9007199254740993'), {
    negative: false,
    plain: true,
    magnitude: 9007199254740993n,
  });
  assert.deepEqual(exactNumber('1e3'), { negative: false, plain: false, magnitude: 1000n });
  assert.deepEqual(exactNumber('2.50e1'), { negative: false, plain: false, magnitude: 25n });
  assert.deepEqual(exactNumber('1.5'), { negative: false, plain: false, magnitude: 'fraction' });
  assert.deepEqual(exactNumber('-1'), { negative: true, plain: true, magnitude: 1n });
  assert.deepEqual(exactNumber('-0'), { negative: false, plain: true, magnitude: 0n });
  assert.deepEqual(exactNumber('0.0e5'), { negative: false, plain: false, magnitude: 0n });
  assert.deepEqual(exactNumber('1e999999999'), { negative: false, plain: false, magnitude: 'huge' });
  assert.deepEqual(exactNumber('123e-1'), { negative: false, plain: false, magnitude: 'fraction' });
  assert.equal(exactNumber('"7"'), undefined);
});

test('oci/size-range: negative', () => {
  const f = expectOne(withConfigSize('-1'), 'oci/size-range', '-1', { severity: 'error' });
  assert.match(f.message, /config\.size is -1, a negative number/);
  expectNone(withConfigSize('0'), 'oci/size-range');
  expectNone(withConfigSize('-0'), 'oci/size-range');
});

test("oci/size-range: a fraction too fine for a double; visible fractions are the schema check's", () => {
  const f = expectOne(withConfigSize('7023.0000000000000001'), 'oci/size-range', '7023.0000000000000001', {
    severity: 'error',
  });
  assert.match(f.message, /not a whole number \(JavaScript rounds it to 7023\)/);
  // 1.5 and -0.5 are reported once, by the schema module's type rule.
  expectNone(withConfigSize('1.5'), 'oci/size-range');
  expectNone(withConfigSize('-0.5'), 'oci/size-range');
  expectNone(withConfigSize('2'), 'oci/size-range');
});

test('oci/size-range: above the int64 maximum, compared exactly', () => {
  const f = expectOne(withConfigSize('9223372036854775808'), 'oci/size-range', '9223372036854775808');
  assert.match(f.message, /9223372036854775807/);
  // 2^63 − 1 itself is a valid int64 (only the precision warning applies).
  expectNone(withConfigSize('9223372036854775807'), 'oci/size-range');
  expectOne(withConfigSize('9223372036854775807'), 'oci/size-precision', '9223372036854775807');
  expectOne(withConfigSize('1e400'), 'oci/size-range', '1e400');
});

test('oci/size-range: an integral value written with an exponent or a decimal point', () => {
  const f = expectOne(withConfigSize('1e3'), 'oci/size-range', '1e3', { severity: 'error' });
  assert.equal(f.data?.replacement, '1000');
  assert.match(f.message, /Write 1000\./);
  const g = expectOne(withConfigSize('7023.0'), 'oci/size-range', '7023.0');
  assert.equal(g.data?.replacement, '7023');
  expectNone(withConfigSize('1000'), 'oci/size-range');
});

test('oci/size-precision: 9007199254740993 is compared exactly, not as a double', () => {
  const f = expectOne(withConfigSize('9007199254740993'), 'oci/size-precision', '9007199254740993', {
    severity: 'warning',
  });
  assert.match(f.message, /config\.size is 9007199254740993/);
  assert.match(f.message, /read it as 9007199254740992/);
  assert.equal(f.data?.exact, '9007199254740993');
  expectNone(withConfigSize('9007199254740993'), 'oci/size-range');
  expectNone(withConfigSize('9007199254740991'), 'oci/size-precision');
  expectOne(withConfigSize('9007199254740992'), 'oci/size-precision', '9007199254740992');
});

test('sizes are checked in layers, subject, index entries, descriptor documents and Docker manifests', () => {
  const m = j(specManifest()).replace('"size": 16724', '"size": -5').replace('"size": 7682', '"size": 1e21');
  expectOne(m.replace('"size": 1e21', '"size": 7682'), 'oci/size-range', '-5');
  const all = lint(m).filter((f) => f.code === 'oci/size-range');
  assert.equal(all.length, 2);
  const i = j(specIndex()).replace('"size": 7143', '"size": 7143e0');
  expectOne(i, 'oci/size-range', '7143e0');
  const d =
    '{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": -7682, "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"}';
  expectOne(d, 'oci/size-range', '-7682');
  const docker = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 7023,
      digest: 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7',
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: 32654,
        digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      },
    ],
  }).replace('32654', '-32654');
  expectOne(docker, 'oci/size-range', '-32654');
});

test('a size that is not a number is left to the schema module; strings that look fancy do not confuse the fast path', () => {
  expectNone(withConfigSize('"7023"'), 'oci/size-range');
  expectNone(withConfigSize('null'), 'oci/size-range');
  const m = specManifest();
  (m.annotations as Record<string, string>)['com.example.note'] = 'x": 1e3';
  expectNone(j(m), 'oci/size-range');
  // With a fancy number elsewhere, the exact text is still read for every size.
  expectOne(j(m).replace('"size": 32654', '"size": 32654.0'), 'oci/size-range', '32654.0');
});

test('sizes are read exactly in a document with a syntax error (tolerant parse)', () => {
  const text = withConfigSize('9007199254740993').replace('"value2"', '"value2",');
  assert.ok(lint(text).some((f) => f.code === 'oci/json-syntax'));
  expectOne(text, 'oci/size-precision', '9007199254740993');
});

test('the spec examples produce no size findings', () => {
  for (const doc of [specManifest(), specIndex()]) {
    assert.deepEqual(
      lint(j(doc)).filter((f) => f.code.startsWith('oci/size-')),
      [],
    );
  }
});
