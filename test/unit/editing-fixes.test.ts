/**
 * Quick-fixes (server/src/core/editing/fixes.ts): for every repair the editing issue lists, apply the fix's
 * edits to the text, lint again, and check that the finding is gone, that every other finding is exactly as
 * before, and that only the edited bytes changed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyze,
  applyEdits,
  fixAll,
  fixesFor,
  type AnalyzeOptions,
  type Finding,
  type Fix,
} from '../../server/src/core/index';
import { EMPTY_BLOB, MT } from '../../server/src/core/catalog/core';
import { j, lint, specIndex, specManifest } from '../helpers';

/** The findings as comparable strings (offsets change with an edit; codes and messages must not). */
const summary = (fs: readonly Finding[]): string[] => fs.map((f) => `${f.code}: ${f.message}`).sort();

interface Applied {
  fix: Fix;
  after: string;
}

/**
 * Applies the fix for the `occurrence`-th finding with `code` (the one whose title matches `title`, else the
 * only or preferred one) and checks that the finding is gone and nothing else changed.
 */
function applyFix(
  before: string,
  code: string,
  options: AnalyzeOptions & {
    title?: RegExp;
    occurrence?: number;
    preferred?: boolean;
    othersChange?: boolean;
  } = {},
): Applied {
  const analysis = analyze(before, options);
  const hits = analysis.findings.filter((f) => f.code === code);
  const finding = hits[options.occurrence ?? 0];
  assert.ok(finding, `expected a ${code} finding, got ${JSON.stringify(summary(analysis.findings))}`);
  const fixes = fixesFor(analysis, finding);
  const fix = options.title
    ? fixes.find((f) => options.title!.test(f.title))
    : (fixes.find((f) => f.preferred) ?? fixes[0]);
  assert.ok(fix, `a fix for ${code}: ${JSON.stringify(fixes.map((f) => f.title))}`);
  assert.equal(fix.preferred, options.preferred ?? true, `isPreferred of "${fix.title}"`);
  const after = applyEdits(before, fix.edits);
  if (isJson(before)) assert.ok(isJson(after), `the fixed text is still JSON:\n${after}`);
  const rest = analysis.findings.filter((f) => f !== finding);
  const now = lint(after, options);
  assert.equal(
    now.filter((f) => f.code === code).length,
    hits.length - 1,
    `${code} is gone:\n${after}\n${JSON.stringify(summary(now))}`,
  );
  if (!options.othersChange)
    assert.deepEqual(
      summary(now.filter((f) => f.code !== code)),
      summary(rest.filter((f) => f.code !== code)),
    );
  return { fix, after };
}

const isJson = (t: string): boolean => {
  try {
    JSON.parse(t.replace(/^\uFEFF/, ''));
    return true;
  } catch {
    return false;
  }
};

/** Asserts that `after` differs from `before` only inside the spans of `edits`. */
function onlyEdited(before: string, applied: Applied): void {
  const edits = [...applied.fix.edits].sort((a, b) => a.offset - b.offset);
  let prefix = before.slice(0, edits[0]!.offset);
  assert.ok(applied.after.startsWith(prefix));
  const last = edits[edits.length - 1]!;
  prefix = before.slice(last.offset + last.length);
  assert.ok(applied.after.endsWith(prefix));
}

const HELLO_SHA = 'sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';

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

describe('quick-fixes: media types', () => {
  test('a near-miss of a layer type → the intended type', () => {
    const before = j({
      ...specManifest(),
      layers: [{ ...specManifest().layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar+gz' }],
    });
    const r = applyFix(before, 'oci/media-type-look-alike');
    assert.ok(r.after.includes(`"${MT.layerGzip}"`));
  });

  test("a look-alike (Helm's chart.config) → the intended type", () => {
    const before = j({
      ...specManifest(),
      config: { ...specManifest().config, mediaType: 'application/vnd.cncf.helm.chart.config.v1+json' },
      layers: [
        { ...specManifest().layers[0], mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip' },
      ],
    });
    const r = applyFix(before, 'oci/media-type-look-alike');
    assert.ok(r.after.includes('"application/vnd.cncf.helm.config.v1+json"'));
  });

  test('a Docker layer type in an OCI manifest → its OCI equivalent', () => {
    const before = j({
      ...specManifest(),
      layers: [{ ...specManifest().layers[0], mediaType: MT.dockerLayer }],
    });
    const r = applyFix(before, 'oci/media-type-mixed');
    assert.ok(r.after.includes(`"${MT.layerGzip}"`));
    assert.match(r.fix.title, /Use the equivalent/);
  });

  test('an OCI layer type in a Docker manifest → its Docker equivalent', () => {
    const docker = {
      schemaVersion: 2,
      mediaType: MT.dockerManifest,
      config: { ...specManifest().config, mediaType: MT.dockerConfig },
      layers: [{ ...specManifest().layers[0], mediaType: MT.layerGzip }],
    };
    const r = applyFix(j(docker), 'docker/oci-layer-type');
    assert.ok(r.after.includes(`"${MT.dockerLayer}"`));
  });

  test('an OCI manifest entry in a Docker manifest list → the Docker manifest type', () => {
    const list = {
      schemaVersion: 2,
      mediaType: MT.dockerList,
      manifests: [
        { ...specIndex().manifests[0], mediaType: MT.manifest },
        { ...specIndex().manifests[1], mediaType: MT.dockerManifest },
      ],
    };
    const r = applyFix(j(list), 'oci/media-type-mixed');
    assert.equal(
      r.after,
      j({ ...list, manifests: [{ ...list.manifests[0], mediaType: MT.dockerManifest }, list.manifests[1]] }),
    );
  });

  test('the deprecated non-distributable layer type → the regular layer type', () => {
    const before = j({
      ...specManifest(),
      layers: [
        {
          ...specManifest().layers[0],
          mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
        },
      ],
    });
    const r = applyFix(before, 'oci/media-type-deprecated');
    assert.ok(r.after.includes(`"${MT.layerGzip}"`));
  });

  test('a manifest type where a layer belongs: a suggestion, not preferred', () => {
    const before = j({
      ...specManifest(),
      layers: [{ ...specManifest().layers[0], mediaType: MT.manifest }],
    });
    applyFix(before, 'oci/media-type-position', { preferred: false });
  });
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

describe('quick-fixes: platforms', () => {
  const withPlatform = (platform: Record<string, unknown>) =>
    j({ ...specIndex(), manifests: [{ ...specIndex().manifests[0], platform }, specIndex().manifests[1]] });

  test('x86_64 → amd64, aarch64 → arm64, Linux → linux', () => {
    assert.ok(
      applyFix(
        withPlatform({ architecture: 'x86_64', os: 'linux' }),
        'oci/platform-near-miss',
      ).after.includes('"architecture": "amd64"'),
    );
    assert.ok(
      applyFix(
        withPlatform({ architecture: 'aarch64', os: 'linux' }),
        'oci/platform-near-miss',
      ).after.includes('"architecture": "arm64"'),
    );
    assert.ok(
      applyFix(
        withPlatform({ architecture: 'ppc64le', os: 'Linux' }),
        'oci/platform-near-miss',
      ).after.includes('"os": "linux"'),
    );
  });

  test('armv8 as an arm64 variant → v8', () => {
    const r = applyFix(
      withPlatform({ architecture: 'arm64', os: 'linux', variant: 'armv8' }),
      'oci/platform-near-miss',
    );
    assert.ok(r.after.includes('"variant": "v8"'));
  });

  test('armv7l → arm with variant v7 inserted after the architecture', () => {
    const r = applyFix(withPlatform({ architecture: 'armv7l', os: 'linux' }), 'oci/platform-near-miss');
    assert.match(r.after, /"architecture": "arm",\n {8}"variant": "v7",\n {8}"os": "linux"/);
    assert.match(r.fix.title, /with variant "v7"/);
  });

  test('an empty variant is removed', () => {
    const r = applyFix(
      withPlatform({ architecture: 'arm64', os: 'linux', variant: '' }),
      'oci/platform-variant',
    );
    assert.ok(!r.after.includes('"variant"'));
  });
});

describe('quick-fixes: embedded data and the empty descriptor', () => {
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

describe('quick-fixes: annotations and keys', () => {
  test('org.opencontainers.image.license → ...licenses', () => {
    const before = j({ ...specManifest(), annotations: { 'org.opencontainers.image.license': 'MIT' } });
    const r = applyFix(before, 'oci/annotation-look-alike');
    assert.ok(r.after.includes('"org.opencontainers.image.licenses": "MIT"'));
    onlyEdited(before, r);
  });

  test('when ...licenses is already set, the misspelt key is removed instead (not preferred)', () => {
    const before = j({
      ...specManifest(),
      annotations: { 'org.opencontainers.image.licenses': 'MIT', 'org.opencontainers.image.license': 'MIT' },
    });
    const r = applyFix(before, 'oci/annotation-look-alike', { preferred: false });
    assert.ok(!r.after.includes('image.license"'));
  });

  test('a Label Schema key → its OCI key; a number value → a string', () => {
    applyFix(
      j({ ...specManifest(), annotations: { 'org.label-schema.vcs-url': 'https://example.com/repo' } }),
      'oci/annotation-legacy-key',
    );
    applyFix(j({ ...specManifest(), annotations: { 'com.example.count': 3 } }), 'oci/annotation-value-type');
  });

  test('a misspelt property is renamed; a case variant is respelt', () => {
    const { annotations, ...rest } = specManifest();
    applyFix(j({ ...rest, annotation: annotations }), 'oci/unknown-property');
    applyFix(j({ ...rest, Annotations: annotations }), 'oci/key-case');
  });

  test('a size written as a string → the number', () => {
    applyFix(j({ ...specManifest(), config: { ...specManifest().config, size: '7023' } }), 'oci/type');
  });

  test('a config timestamp with a space or an offset without a colon → the RFC 3339 form', () => {
    const config = {
      created: '2015-10-31 22:22:56Z',
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      history: [{ created: '2015-10-31T22:22:56+0200', created_by: 'sh' }],
    };
    const opts = { kind: 'image-config' as const };
    const a = applyFix(j(config), 'oci/config-created', opts);
    assert.equal(a.fix.title, 'Change the timestamp to "2015-10-31T22:22:56Z"');
    assert.equal(JSON.parse(a.after).created, '2015-10-31T22:22:56Z');
    const b = applyFix(j(config), 'oci/config-created', { ...opts, occurrence: 1 });
    assert.equal(JSON.parse(b.after).history[0].created, '2015-10-31T22:22:56+02:00');
  });

  test('a byte-order mark is removed', () => {
    const r = applyFix(`\uFEFF${j(specManifest())}`, 'oci/byte-order-mark');
    assert.equal(r.after, j(specManifest()));
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

describe('fix all', () => {
  test('applies every non-conflicting preferred fix at once', () => {
    const { schemaVersion: _, ...rest } = specIndex();
    const before = j({
      ...rest,
      manifests: [
        {
          ...specIndex().manifests[0],
          digest: `sha256:${specIndex().manifests[0]!.digest.slice(7).toUpperCase()}`,
          platform: { architecture: 'aarch64', os: 'Linux' },
        },
        { ...specIndex().manifests[1], mediaType: MT.dockerManifest },
      ],
      annotations: { 'org.opencontainers.image.license': 'MIT' },
      layers: [],
    });
    const codes = lint(before).map((f) => f.code);
    assert.ok(codes.length >= 6, String(codes));
    const after = applyEdits(before, fixAll(analyze(before)));
    assert.deepEqual(summary(lint(after)), []);
  });

  test('offers nothing for a clean document', () => {
    assert.deepEqual(fixAll(analyze(j(specManifest()))), []);
  });

  test('never touches findings without an obvious repair', () => {
    const before = j({ ...specIndex(), manifests: [specIndex().manifests[0], specIndex().manifests[0]] });
    const analysis = analyze(before);
    const dup = analysis.findings.find((f) => f.code === 'oci/platform-duplicate');
    assert.ok(dup);
    assert.deepEqual(fixesFor(analysis, dup), []);
    assert.deepEqual(fixAll(analysis), []);
  });
});
