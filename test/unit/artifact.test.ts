import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import { EMPTY_BLOB, MT } from '../../server/src/core/catalog/core';
import { minImageConfigSize } from '../../server/src/core/checks/artifact';

const q = (s: string): string => JSON.stringify(s);
const emptyDescriptor = () => ({ mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: EMPTY_BLOB.size });

/** The "artifact without config" example of image-spec/manifest.md. */
const artifact = (): Record<string, unknown> & { layers: Record<string, unknown>[] } => ({
  schemaVersion: 2,
  mediaType: MT.manifest,
  artifactType: 'application/vnd.example+type',
  config: emptyDescriptor(),
  layers: [
    {
      mediaType: 'application/vnd.example+type',
      digest: 'sha256:e258d248fda94c63753607f7c4494ee0fcbe92f1a76bfdac795c9d84101eb317',
      size: 1234,
    },
  ],
});

const ARTIFACT_CODES = [
  'oci/artifact-type-required',
  'oci/artifact-config-type',
  'oci/artifact-no-layers',
  'oci/subject-not-manifest',
];

test("the spec's artifact examples and plain images get no artifact findings", () => {
  const minimal = { ...artifact(), layers: [emptyDescriptor()] };
  for (const doc of [artifact(), minimal, specManifest(), specIndex()]) {
    assert.deepEqual(
      lint(j(doc)).filter((f) => ARTIFACT_CODES.includes(f.code)),
      [],
    );
  }
});

test('oci/artifact-type-required: the empty config without artifactType', () => {
  const { artifactType: _, ...doc } = artifact();
  const f = expectOne(j(doc), 'oci/artifact-type-required', '{', { severity: 'error' });
  assert.ok(
    f.message.includes('config.mediaType') &&
      f.message.includes(MT.empty) &&
      f.message.includes('artifactType'),
  );
  expectNone(j(artifact()), 'oci/artifact-type-required');
  // A specific config type needs no artifactType (tools fall back to config.mediaType).
  expectNone(
    j({
      ...doc,
      config: {
        ...emptyDescriptor(),
        mediaType: 'application/vnd.example.config.v1+json',
        size: 123,
        digest: 'sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
      },
    }),
    'oci/artifact-type-required',
  );
});

test('oci/artifact-config-type: an artifactType with the image config type', () => {
  const m = { ...specManifest(), artifactType: 'application/vnd.example+type' };
  const f = expectOne(j(m), 'oci/artifact-config-type', q(MT.config), { severity: 'warning' });
  assert.equal(f.data?.replacement, MT.empty);
  assert.match(f.message, /config\.mediaType .*application\/vnd\.example\+type/);
  expectNone(j(specManifest()), 'oci/artifact-config-type');
});

test('oci/artifact-no-layers: an empty layers array', () => {
  const doc = { ...artifact(), layers: [] };
  const f = expectOne(j(doc), 'oci/artifact-no-layers', '[]', { severity: 'warning' });
  assert.deepEqual(f.data?.insert, emptyDescriptor());
  assert.match(f.message, /"layers" is empty/);
  expectNone(j({ ...artifact(), layers: [emptyDescriptor()] }), 'oci/artifact-no-layers');
});

test("oci/artifact-no-layers: an artifact's single layer of size 0", () => {
  const doc = artifact();
  doc.layers[0]!.size = 0;
  const text = j(doc);
  const at = text.indexOf('"size": 0') + '"size": '.length;
  const f = expectOne(text, 'oci/artifact-no-layers', '0', {
    occurrence: text.slice(0, at).split('0').length - 1,
  });
  assert.match(f.message, /layers\[0\]\.size is 0/);
  expectNone(j(artifact()), 'oci/artifact-no-layers');
});

test('oci/subject-not-manifest: a layer type or an artifact type as subject', () => {
  const m = specManifest();
  m.subject.mediaType = MT.layerGzip;
  const f = expectOne(j(m), 'oci/subject-not-manifest', q(MT.layerGzip), {
    severity: 'error',
    occurrence: 3,
  });
  assert.match(f.message, /^subject\.mediaType/);
  m.subject.mediaType = 'application/vnd.cncf.helm.config.v1+json';
  expectOne(j(m), 'oci/subject-not-manifest', q('application/vnd.cncf.helm.config.v1+json'));
  // Manifests and indexes of either format are fine, and unknown types are tolerated.
  for (const ok of [MT.manifest, MT.index, MT.dockerManifest, 'application/vnd.example.manifest.v9+json']) {
    m.subject.mediaType = ok;
    expectNone(j(m), 'oci/subject-not-manifest');
  }
});

test('oci/subject-not-manifest: an index subject too', () => {
  const i = {
    ...specIndex(),
    subject: {
      mediaType: MT.config,
      digest: 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7',
      size: 7023,
    },
  };
  expectOne(j(i), 'oci/subject-not-manifest', q(MT.config));
  expectNone(j({ ...i, subject: { ...i.subject, mediaType: MT.manifest } }), 'oci/subject-not-manifest');
});

test('odd shapes are skipped without throwing', () => {
  const doc = { ...artifact(), config: 'x', layers: { a: 1 }, subject: { mediaType: 5 } };
  const fs = lint(j(doc)).filter((f) => ARTIFACT_CODES.includes(f.code) || f.code === 'oci/internal-error');
  assert.deepEqual(fs, []);
});

test('oci/artifact-config-type: not for the platform-only config of oras push --artifact-platform, nor an image-config artifactType', () => {
  // As oras 1.3 writes it: the image config type holding {"architecture":"amd64","os":"linux"} (37 bytes).
  const platform = JSON.stringify({ architecture: 'amd64', os: 'linux' });
  const oras = {
    schemaVersion: 2,
    mediaType: MT.manifest,
    artifactType: 'application/vnd.unknown.artifact.v1',
    config: {
      mediaType: MT.config,
      digest: 'sha256:9d99a75171aea000c711b34c0e5e3f28d3d537dd99d110eafbfbc2bd8e52c2bf',
      size: platform.length,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: 'sha256:4640fefdb4e22eb1308e40d5fac9fd9d16e17dfbc20202bb3ed42033d01d823e',
        size: 11_534_336,
        annotations: { 'org.opencontainers.image.title': 'oras' },
      },
    ],
    annotations: { 'org.opencontainers.image.created': '2025-04-28T10:00:00Z' },
  };
  assert.equal(platform.length, 37);
  expectNone(j(oras), 'oci/artifact-config-type');
  assert.deepEqual(
    lint(j(oras)).filter((f) => f.severity === 'error' || f.severity === 'warning'),
    [],
  );
  // The oras documentation's own example: --artifact-type application/vnd.oci.image.config.v1+json.
  expectNone(
    j({ ...oras, artifactType: MT.config, config: { ...oras.config, size: 7023 } }),
    'oci/artifact-config-type',
  );
  // A config big enough to be an image config still gets the warning.
  const sized = { ...oras, config: { ...oras.config, size: minImageConfigSize(1) } };
  expectOne(j(sized), 'oci/artifact-config-type', q(MT.config), { severity: 'warning' });
  expectNone(
    j({ ...sized, config: { ...oras.config, size: minImageConfigSize(1) - 1 } }),
    'oci/artifact-config-type',
  );
});

test('minImageConfigSize is the length of the smallest image config with one DiffID per layer', () => {
  const smallest = (n: number) =>
    JSON.stringify({
      architecture: '386',
      os: 'aix',
      rootfs: { type: 'layers', diff_ids: Array.from({ length: n }, () => 'a:b') },
    }).length;
  for (const n of [0, 1, 2, 5]) assert.equal(minImageConfigSize(n), smallest(n));
});

test('oci/subject-not-manifest: a blob type as subject is an error', () => {
  const m = specManifest();
  m.subject.mediaType = 'application/octet-stream';
  const f = expectOne(j(m), 'oci/subject-not-manifest', q('application/octet-stream'), {
    severity: 'error',
    occurrence: 0,
  });
  assert.deepEqual(f.data?.expected, [MT.manifest, MT.index]);
});
