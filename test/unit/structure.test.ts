import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import { analyze, applyEdits, fixAll, fixesFor } from '../../server/src/core/index';
import { EMPTY_BLOB, MT } from '../../server/src/core/catalog/core';
import { Buffer } from 'node:buffer';
import { summary } from '../fixes';

test('the spec examples lint clean of structure findings', () => {
  for (const doc of [specManifest(), specIndex()]) {
    const text = j(doc);
    const fs = lint(text).filter(
      (f) => f.code.startsWith('oci/schema-version') || f.code === 'oci/ambiguous-document',
    );
    assert.deepEqual(fs, []);
  }
});

test('oci/schema-version: a string "2" is flagged on the value', () => {
  const text = j({ ...specManifest(), schemaVersion: '2' });
  const f = expectOne(text, 'oci/schema-version', '"2"', { severity: 'error' });
  assert.match(f.message, /integer 2 \(a number, not a string\)/);
  expectNone(j(specManifest()), 'oci/schema-version');
});

test('oci/schema-version: missing is flagged at the opening brace', () => {
  const { schemaVersion: _, ...doc } = specManifest();
  const text = j(doc);
  expectOne(text, 'oci/schema-version', '{');
});

test('oci/ambiguous-document: manifests in a manifest, layers in an index', () => {
  const m = j({ ...specManifest(), manifests: [] });
  expectOne(m, 'oci/ambiguous-document', '"manifests"', { severity: 'error' });
  const i = j({ ...specIndex(), layers: [] });
  expectOne(i, 'oci/ambiguous-document', '"layers"');
  expectNone(j(specIndex()), 'oci/ambiguous-document');
});

test('oci/media-type-missing: a manifest without top-level mediaType', () => {
  const { mediaType: _, ...doc } = specManifest();
  const f = expectOne(j(doc), 'oci/media-type-missing', '{', { severity: 'warning' });
  assert.match(f.message, /application\/vnd\.oci\.image\.manifest\.v1\+json/);
});

test('oci/media-type-mismatch: forced kind against a known document type', () => {
  const text = j(specIndex());
  expectOne(text, 'oci/media-type-mismatch', '"application/vnd.oci.image.index.v1+json"', {
    kind: 'image-manifest',
  });
});

test('oci/artifact-manifest-removed and docker/schema1-deprecated', () => {
  const art = j({
    mediaType: 'application/vnd.oci.artifact.manifest.v1+json',
    artifactType: 'application/vnd.example+type',
    blobs: [],
  });
  expectOne(art, 'oci/artifact-manifest-removed', '"application/vnd.oci.artifact.manifest.v1+json"');
  const s1 = j({
    schemaVersion: 1,
    name: 'x',
    tag: 'latest',
    architecture: 'amd64',
    fsLayers: [],
    history: [],
  });
  expectOne(s1, 'docker/schema1-deprecated', '1');
});

test('unrelated JSON is not served', () => {
  assert.deepEqual(lint(j({ name: 'my-package', version: '1.0.0', dependencies: {} })), []);
  assert.deepEqual(lint('{"bad json'), []);
});

describe('quick-fixes: schemaVersion and the top-level mediaType', () => {
  test('a missing schemaVersion is inserted as the first member, in the document style', () => {
    const { schemaVersion: _, ...rest } = specManifest();
    const before = j(rest);
    const r = applyFix(before, 'oci/schema-version');
    assert.ok(r.after.startsWith('{\n  "schemaVersion": 2,\n  "mediaType"'), r.after.slice(0, 60));
    assert.equal(r.fix.title, 'Add "schemaVersion": 2');
  });

  test('in a compact document too', () => {
    const { schemaVersion: _, ...rest } = specManifest();
    const r = applyFix(JSON.stringify(rest), 'oci/schema-version');
    assert.ok(r.after.startsWith('{"schemaVersion": 2, "mediaType"'), r.after.slice(0, 60));
  });

  test('a wrong schemaVersion ("2", 1) → 2', () => {
    for (const v of ['2', 1]) {
      const r = applyFix(j({ ...specManifest(), schemaVersion: v }), 'oci/schema-version');
      assert.ok(r.after.includes('"schemaVersion": 2,'));
    }
  });

  test("a missing top-level mediaType → the detected kind's type, after schemaVersion", () => {
    const { mediaType: _, ...rest } = specIndex();
    const r = applyFix(j(rest), 'oci/media-type-missing');
    assert.ok(
      r.after.startsWith(`{\n  "schemaVersion": 2,\n  "mediaType": "${MT.index}",\n  "manifests"`),
      r.after.slice(0, 120),
    );
  });

  test('a Docker manifest list without mediaType (an error there) gets it inserted', () => {
    const list = {
      schemaVersion: 2,
      manifests: [{ ...specIndex().manifests[0], mediaType: MT.dockerManifest }],
    };
    const r = applyFix(j(list), 'oci/media-type-mismatch');
    assert.ok(r.after.includes(`"mediaType": "${MT.dockerList}"`));
  });

  test('a top-level mediaType naming another kind → the type of the kind the document is read as', () => {
    const before = j({ ...specManifest(), mediaType: MT.index });
    const r = applyFix(before, 'oci/media-type-mismatch', { kind: 'image-manifest' });
    assert.equal(r.after, j(specManifest()));
  });

  test('both missing: fix-all inserts both, schemaVersion first', () => {
    const { schemaVersion: _, mediaType: __, ...rest } = specManifest();
    const before = j(rest);
    const after = applyEdits(before, fixAll(analyze(before)));
    assert.ok(
      after.startsWith(`{\n  "schemaVersion": 2,\n  "mediaType": "${MT.manifest}",\n  "config"`),
      after.slice(0, 120),
    );
    assert.deepEqual(lint(after), []);
  });
});

describe('quick-fixes: forbidden members', () => {
  test('"manifests" in a manifest is removed with its comma', () => {
    const before = j({ ...specManifest(), manifests: [] });
    const r = applyFix(before, 'oci/ambiguous-document');
    assert.equal(r.after, j(specManifest()));
  });

  test('"layers" and "config" in an index are removed (one fix each; fix-all takes both)', () => {
    const before = j({ ...specIndex(), config: specManifest().config, layers: [] });
    const r = applyFix(before, 'oci/ambiguous-document');
    assert.match(r.fix.title, /Remove "config"/);
    const second = applyFix(before, 'oci/ambiguous-document', { occurrence: 1 });
    assert.match(second.fix.title, /Remove "layers"/);
    const all = applyEdits(before, fixAll(analyze(before)));
    assert.equal(all, j(specIndex()));
  });

  test('a member in the middle, a first member, an only member', () => {
    const mid =
      '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "layers": [], "manifests": []}';
    assert.equal(
      applyFix(mid, 'oci/ambiguous-document').after,
      '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}',
    );
    const first =
      '{"layers": [], "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}';
    assert.equal(
      applyFix(first, 'oci/ambiguous-document').after,
      '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}',
    );
  });
});

describe('quick-fixes: the removed artifact manifest', () => {
  const artifact = {
    mediaType: MT.artifactManifest,
    artifactType: 'application/spdx+json',
    blobs: [
      { mediaType: 'application/vnd.cyclonedx+json', digest: specManifest().layers[0]!.digest, size: 32654 },
    ],
    subject: specManifest().subject,
    annotations: { 'org.opencontainers.image.created': '2024-05-01T12:00:00Z' },
  };

  test('converts to an image manifest with artifactType, the empty config and blobs as layers', () => {
    const before = j(artifact);
    const analysis = analyze(before);
    const finding = analysis.findings.find((f) => f.code === 'oci/artifact-manifest-removed')!;
    const [fix] = fixesFor(analysis, finding);
    assert.ok(fix?.preferred);
    const after = applyEdits(before, fix.edits);
    const value = JSON.parse(after);
    assert.deepEqual(value, {
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: { mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: EMPTY_BLOB.size },
      artifactType: artifact.artifactType,
      layers: artifact.blobs,
      subject: artifact.subject,
      annotations: artifact.annotations,
    });
    const result = analyze(after);
    assert.equal(result.detection?.kind, 'image-manifest');
    assert.deepEqual(summary(result.findings), []);
    // Untouched members keep their bytes.
    assert.ok(after.includes(j(artifact.subject).replace(/\n/g, '\n  ')));
  });

  test('an artifact manifest without blobs gets the empty descriptor as its layer', () => {
    const { blobs: _, ...rest } = artifact;
    const after = applyEdits(j({ ...rest, blobs: [] }), fixAll(analyze(j({ ...rest, blobs: [] }))));
    assert.deepEqual(JSON.parse(after).layers, [
      { mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: EMPTY_BLOB.size },
    ]);
    assert.deepEqual(summary(lint(after)), []);
  });
});

test('oci/media-type-mismatch: a top-level mediaType that names no document type is an error on the value', () => {
  for (const v of [
    'application/vnd.oci.image.manifest.v2+json',
    'application/vnd.oci.image.manifest.v1+jsonXXX',
    'application/vnd.example.manifest.v1+json',
  ]) {
    const text = j({ ...specManifest(), mediaType: v });
    const f = expectOne(text, 'oci/media-type-mismatch', JSON.stringify(v), { severity: 'error' });
    assert.equal(f.data?.expected, MT.manifest);
    assert.match(
      f.message,
      /not the type of any manifest or index; when present, the top-level mediaType of an OCI image manifest must be exactly/,
    );
    assert.equal(analyze(text).detection?.kind, 'image-manifest');
  }
  // A typo of the index type, on an index.
  const typo = 'application/vnd.oci.image.index.v1+jsn';
  const idx = expectOne(
    j({ ...specIndex(), mediaType: typo }),
    'oci/media-type-mismatch',
    JSON.stringify(typo),
  );
  assert.match(idx.message, /looks like a misspelling of it/);
  // Another content's type (a layer type) at the top.
  const layer = expectOne(
    j({ ...specManifest(), mediaType: MT.layerGzip }),
    'oci/media-type-mismatch',
    JSON.stringify(MT.layerGzip),
  );
  assert.match(layer.message, /is the type of other content/);
  // Docker documents too.
  const docker = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+jsonx',
    config: { ...specManifest().config, mediaType: MT.dockerConfig },
    layers: [{ ...specManifest().layers[0], mediaType: MT.dockerLayer }],
  };
  expectOne(j(docker), 'oci/media-type-mismatch', JSON.stringify(docker.mediaType));
  // A malformed value stays a syntax error (one finding), and the exact type is clean.
  expectNone(j({ ...specManifest(), mediaType: 'not a type' }), 'oci/media-type-mismatch');
  expectOne(j({ ...specManifest(), mediaType: 'not a type' }), 'oci/media-type-syntax', '"not a type"');
  expectNone(j(specManifest()), 'oci/media-type-mismatch');
  // The fix writes the kind's type.
  const r = applyFix(
    j({ ...specManifest(), mediaType: typo.replace('index', 'manifest') }),
    'oci/media-type-mismatch',
  );
  assert.equal(r.after, j(specManifest()));
});

test('oci/manifest-size: a manifest or index above 4 MiB (in UTF-8 bytes) is a warning', () => {
  const idx = specIndex();
  const entry = idx.manifests[0]!;
  // About 4.3 MB of entries.
  const big = { ...idx, manifests: Array.from({ length: 21_000 }, () => entry) };
  const text = JSON.stringify(big);
  assert.ok(text.length > 4 * 1024 * 1024);
  const f = expectOne(text, 'oci/manifest-size', '{', { severity: 'warning' });
  assert.deepEqual(f.data, { bytes: text.length, limit: 4 * 1024 * 1024 });
  assert.match(f.message, /^This OCI image index is 4\.\d MiB; .*413 Payload Too Large/);
  // Under the limit: nothing; bytes are counted, not characters (each "€" is 3 bytes in UTF-8).
  const small = JSON.stringify({ ...idx, manifests: Array.from({ length: 10_000 }, () => entry) });
  assert.ok(small.length < 4 * 1024 * 1024);
  expectNone(small, 'oci/manifest-size');
  const euros = JSON.stringify({
    ...specManifest(),
    annotations: { 'com.example.note': '€'.repeat(1_500_000) },
  });
  assert.ok(euros.length < 4 * 1024 * 1024 && Buffer.byteLength(euros) > 4 * 1024 * 1024);
  expectOne(euros, 'oci/manifest-size', '{');
  // Configs are not manifests.
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
    config: { Env: ['A=' + 'x'.repeat(4_300_000)] },
  });
  expectNone(config, 'oci/manifest-size');
});
