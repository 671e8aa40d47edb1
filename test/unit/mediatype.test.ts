import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { checkContext, expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import {
  LOOK_ALIKES,
  MEDIA_TYPES,
  classifyMediaType,
  editDistance,
  mediaTypeInfo,
  mediaTypeSyntaxProblem,
} from '../../server/src/core/catalog/mediaTypes';
import { MT } from '../../server/src/core/catalog/core';
import { mediaTypeCheck } from '../../server/src/core/checks/mediatype';

const q = (s: string): string => JSON.stringify(s);

/** The spec manifest with layer 0's mediaType replaced. */
function withLayer0(mediaType: string): string {
  const m = specManifest();
  m.layers[0]!.mediaType = mediaType;
  return j(m);
}

/** The spec index with entry 0's mediaType replaced. */
function withEntry0(mediaType: string): string {
  const i = specIndex();
  i.manifests[0]!.mediaType = mediaType;
  return j(i);
}

const dockerManifest = () => ({
  schemaVersion: 2,
  mediaType: MT.dockerManifest as string,
  config: {
    mediaType: MT.dockerConfig as string,
    digest: 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7',
    size: 7023,
  },
  layers: [
    {
      mediaType: MT.dockerLayer,
      digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      size: 32654,
    },
  ],
});

const dockerList = () => ({
  schemaVersion: 2,
  mediaType: MT.dockerList,
  manifests: [
    {
      mediaType: MT.dockerManifest as string,
      digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      size: 7143,
      platform: { architecture: 'ppc64le', os: 'linux' },
    },
  ],
});

const MEDIA_CODES = [
  'oci/media-type-syntax',
  'oci/media-type-unknown',
  'oci/media-type-look-alike',
  'oci/media-type-position',
  'oci/media-type-mixed',
  'oci/media-type-deprecated',
];

// ---- catalog ----------------------------------------------------------------------------------------------

test('catalog: every entry is unique, well-formed, described, and its references resolve', () => {
  const seen = new Set<string>();
  for (const e of MEDIA_TYPES) {
    assert.ok(!seen.has(e.type), `duplicate ${e.type}`);
    seen.add(e.type);
    assert.equal(mediaTypeSyntaxProblem(e.type), undefined, e.type);
    assert.ok(e.description.length > 10 && e.roles.length > 0, e.type);
    if (e.deprecated) assert.ok(mediaTypeInfo(e.deprecated.replacement), `${e.type} replacement`);
    if (e.equivalent) assert.ok(mediaTypeInfo(e.equivalent), `${e.type} equivalent`);
  }
  for (const l of LOOK_ALIKES) {
    assert.ok(!seen.has(l.type), `trap ${l.type} is also an entry`);
    assert.ok(mediaTypeInfo(l.replacement), `trap ${l.type} replacement`);
  }
});

test('catalog: holds the design list of media types', () => {
  const must = [
    MT.descriptor,
    MT.layoutHeader,
    MT.index,
    MT.manifest,
    MT.config,
    MT.layerTar,
    MT.layerGzip,
    MT.layerZstd,
    MT.empty,
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
    'application/vnd.oci.image.layer.v1.tar+gzip+encrypted',
    MT.dockerManifest,
    MT.dockerList,
    MT.dockerConfig,
    MT.dockerLayer,
    MT.dockerForeignLayer,
    'application/vnd.docker.plugin.v1+json',
    'application/vnd.docker.image.rootfs.diff.tar.zstd',
    MT.dockerSchema1Signed,
    'application/vnd.buildkit.cacheconfig.v0',
    'application/vnd.cncf.helm.config.v1+json',
    'application/vnd.dev.cosign.artifact.sbom.v1+json',
    'application/vnd.cncf.notary.signature',
    'application/vnd.in-toto+json',
    'application/vnd.wasm.config.v0+json',
    'application/vnd.sylabs.sif.layer.v1.sif',
    'application/vnd.cncf.flux.content.v1.tar+gzip',
    'application/vnd.unknown.artifact.v1',
    'application/vnd.devcontainers.layer.v1+tar',
    'application/vnd.aquasec.trivy.javadb.layer.v1.tar+gzip',
    'application/vnd.cncf.model.weight.v1.raw',
    'application/vnd.amazon.soci.index.v2+json',
    'application/vnd.cnab.config.v1+json',
    'application/vnd.cncf.artifacthub.config.v1+yaml',
  ];
  for (const t of must) assert.ok(mediaTypeInfo(t), t);
  assert.ok(mediaTypeInfo('application/vnd.oci.image.layer.nondistributable.v1.tar')?.deprecated);
});

test('classify: traps, case, edit distance, versions and short generic types', () => {
  const la = (v: string) => {
    const r = classifyMediaType(v);
    return r.kind === 'look-alike' ? r.replacement : r.kind;
  };
  assert.equal(
    la('application/vnd.cncf.helm.chart.config.v1+json'),
    'application/vnd.cncf.helm.config.v1+json',
  );
  assert.equal(la('text/spdx+json'), 'application/spdx+json');
  assert.equal(la('application/vnd.oci.image.layer.v1.tar+gz'), MT.layerGzip);
  assert.equal(la('application/vnd.oci.image.manifest.v1.json'), MT.manifest);
  assert.equal(la('application/vnd.OCI.image.manifest.v1+json'), MT.manifest);
  assert.equal(la('application/vnd.docker.image.rootfs.diff.tar+gzip'), MT.dockerLayer);
  // A different version is not a typo, and short generic types are not fuzzy-matched.
  assert.equal(la('application/vnd.wasm.config.v2+json'), 'unknown');
  assert.equal(la('application/vnd.oci.image.manifest.v2+json'), 'unknown');
  assert.equal(la('application/x-tar'), 'unknown');
  assert.equal(la('application/vnd.example+type'), 'unknown');
  assert.equal(editDistance('kitten', 'sitting', 5), 3);
  assert.equal(editDistance('abc', 'abcdef', 2), 3);
});

test('syntax: RFC 6838 restricted names', () => {
  assert.equal(mediaTypeSyntaxProblem('application/vnd.example+type'), undefined);
  assert.match(mediaTypeSyntaxProblem('application')!, /no "\/"/);
  assert.match(mediaTypeSyntaxProblem('application/a/b')!, /more than one/);
  assert.match(mediaTypeSyntaxProblem('application/.foo')!, /start with a letter or digit/);
  assert.match(mediaTypeSyntaxProblem('application/foo bar')!, /whitespace/);
  assert.match(mediaTypeSyntaxProblem('application/foo,bar')!, /","/);
  assert.match(mediaTypeSyntaxProblem(`application/${'a'.repeat(128)}`)!, /128 characters/);
  assert.equal(mediaTypeSyntaxProblem(`application/${'a'.repeat(127)}`), undefined);
  assert.match(mediaTypeSyntaxProblem('binary/foo')!, /not registered/);
  assert.match(mediaTypeSyntaxProblem('application/json; charset=utf-8')!, /parameters/);
  assert.match(mediaTypeSyntaxProblem('')!, /empty/);
});

// ---- rules ------------------------------------------------------------------------------------------------

test('clean documents get no media-type findings', () => {
  for (const text of [j(specManifest()), j(specIndex()), j(dockerManifest()), j(dockerList())]) {
    const fs = lint(text).filter((f) => MEDIA_CODES.includes(f.code));
    assert.deepEqual(fs, []);
  }
});

test('oci/media-type-syntax: parameters in artifactType, with the known bare replacement', () => {
  const bad = 'application/vnd.dev.sigstore.bundle+json;version=0.3';
  const f = expectOne(j({ ...specManifest(), artifactType: bad }), 'oci/media-type-syntax', q(bad), {
    severity: 'error',
  });
  assert.equal(f.data?.replacement, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  assert.match(f.message, /^artifactType /);
  expectNone(
    j({ ...specManifest(), artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }),
    'oci/media-type-syntax',
  );
});

test('oci/media-type-syntax: a layer type without "application/" and a space', () => {
  const f = expectOne(
    withLayer0('vnd.oci.image.layer.v1.tar+gzip'),
    'oci/media-type-syntax',
    q('vnd.oci.image.layer.v1.tar+gzip'),
  );
  assert.equal(f.data?.replacement, MT.layerGzip);
  assert.match(f.message, /layers\[0\]\.mediaType/);
  const g = expectOne(
    withLayer0('application/vnd.oci.image.layer.v1.tar gzip'),
    'oci/media-type-syntax',
    q('application/vnd.oci.image.layer.v1.tar gzip'),
  );
  assert.match(g.message, /whitespace/);
  expectNone(withLayer0(MT.layerGzip), 'oci/media-type-syntax');
});

test('oci/media-type-syntax: an unregistered top-level type and an empty value', () => {
  expectOne(withLayer0('binary/foo'), 'oci/media-type-syntax', q('binary/foo'));
  expectOne(withEntry0(''), 'oci/media-type-syntax', '""');
  expectNone(withLayer0('application/foo'), 'oci/media-type-syntax');
});

test("oci/media-type-syntax: the top-level value, repaired to the kind's type", () => {
  const text = j({ ...specManifest(), mediaType: ' application/vnd.oci.image.manifest.v1+json' });
  const f = expectOne(text, 'oci/media-type-syntax', q(' application/vnd.oci.image.manifest.v1+json'), {
    kind: 'image-manifest',
  });
  assert.equal(f.data?.replacement, MT.manifest);
});

test('oci/media-type-unknown: an unknown well-formed type is info, never an error', () => {
  const v = 'application/vnd.example.data.v1.tar+gzip';
  const f = expectOne(withLayer0(v), 'oci/media-type-unknown', q(v), { severity: 'info' });
  assert.match(f.message, /layers\[0\]\.mediaType/);
  assert.equal(lint(withLayer0(v)).filter((x) => x.severity === 'error').length, 0);
  expectNone(withLayer0('application/vnd.cncf.helm.chart.content.v1.tar+gzip'), 'oci/media-type-unknown');
});

test('oci/media-type-unknown: unknown artifactType of a descriptor', () => {
  const i = specIndex() as ReturnType<typeof specIndex> & { manifests: Record<string, unknown>[] };
  i.manifests[1]!.artifactType = 'application/vnd.example.sbom.v1';
  const f = expectOne(j(i), 'oci/media-type-unknown', q('application/vnd.example.sbom.v1'));
  assert.match(f.message, /manifests\[1\]\.artifactType/);
  i.manifests[1]!.artifactType = 'application/spdx+json';
  expectNone(j(i), 'oci/media-type-unknown');
});

test('oci/media-type-look-alike: tar+gz, with the intended type in data', () => {
  const v = 'application/vnd.oci.image.layer.v1.tar+gz';
  const f = expectOne(withLayer0(v), 'oci/media-type-look-alike', q(v), { severity: 'warning' });
  assert.equal(f.data?.replacement, MT.layerGzip);
  assert.ok(
    f.message.includes(v) && f.message.includes(MT.layerGzip) && f.message.includes('layers[0].mediaType'),
  );
  expectNone(withLayer0(MT.layerGzip), 'oci/media-type-look-alike');
});

test('oci/media-type-look-alike: Helm chart.config and SPDX text/spdx+json traps', () => {
  const m = specManifest();
  m.config.mediaType = 'application/vnd.cncf.helm.chart.config.v1+json';
  const f = expectOne(j(m), 'oci/media-type-look-alike', q(m.config.mediaType));
  assert.equal(f.data?.replacement, 'application/vnd.cncf.helm.config.v1+json');
  m.config.mediaType = 'application/vnd.cncf.helm.config.v1+json';
  expectNone(j(m), 'oci/media-type-look-alike');

  const g = expectOne(withLayer0('text/spdx+json'), 'oci/media-type-look-alike', q('text/spdx+json'), {
    severity: 'warning',
  });
  assert.equal(g.data?.replacement, 'application/spdx+json');
  assert.match(g.message, /Cosign/);
  expectNone(withLayer0('application/spdx+json'), 'oci/media-type-look-alike');
});

test('oci/media-type-look-alike: letter case differences', () => {
  const v = 'application/vnd.oci.image.layer.v1.tar+GZIP';
  const f = expectOne(withLayer0(v), 'oci/media-type-look-alike', q(v));
  assert.equal(f.data?.replacement, MT.layerGzip);
  assert.match(f.message, /case-insensitive/);
});

test('the top-level manifest.v1.json look-alike is an error on the value: a manifest names exactly its type', () => {
  const v = 'application/vnd.oci.image.manifest.v1.json';
  const f = expectOne(j({ ...specManifest(), mediaType: v }), 'oci/media-type-mismatch', q(v), {
    severity: 'error',
  });
  assert.equal(f.data?.expected, MT.manifest);
  assert.match(f.message, /looks like a misspelling of it/);
  // One finding for the value: not also a look-alike warning.
  expectNone(j({ ...specManifest(), mediaType: v }), 'oci/media-type-look-alike');
  expectNone(j(specManifest()), 'oci/media-type-look-alike');
  expectNone(j(specManifest()), 'oci/media-type-mismatch');
  // A value naming another kind is the structure check's mismatch, not a look-alike.
  expectNone(j({ ...specManifest(), mediaType: MT.index }), 'oci/media-type-look-alike');
});

test('oci/media-type-position: a manifest type in layers', () => {
  const f = expectOne(withLayer0(MT.manifest), 'oci/media-type-position', q(MT.manifest), {
    severity: 'error',
    occurrence: 1,
  });
  assert.equal(f.data?.expected, MT.layerGzip);
  assert.match(f.message, /layers\[0\]\.mediaType .*a manifest type/);
  expectNone(withLayer0(MT.layerGzip), 'oci/media-type-position');
});

test('oci/media-type-position: an index type or a layer type as config; artifact configs are free', () => {
  const m = specManifest();
  m.config.mediaType = MT.index;
  expectOne(j(m), 'oci/media-type-position', q(MT.index));
  m.config.mediaType = MT.layerGzip;
  expectOne(j(m), 'oci/media-type-position', q(MT.layerGzip), { occurrence: 0 });
  m.config.mediaType = 'application/vnd.cncf.helm.config.v1+json';
  expectNone(j(m), 'oci/media-type-position');
  m.config.mediaType = MT.empty;
  expectNone(j({ ...m, artifactType: 'application/vnd.example+type' }), 'oci/media-type-position');
});

test('oci/index-entry-type: a layer or config type among index manifests is a note, not an error', () => {
  const f = expectOne(withEntry0(MT.layerGzip), 'oci/index-entry-type', q(MT.layerGzip), {
    severity: 'info',
  });
  assert.equal(f.data?.expected, MT.manifest);
  assert.match(f.message, /^manifests\[0\]\.mediaType .*a layer type.*must stay the type of the content/);
  expectOne(withEntry0(MT.config), 'oci/index-entry-type', q(MT.config));
  expectOne(withEntry0(MT.empty), 'oci/index-entry-type', q(MT.empty));
  // The descriptor type too (image-index.md: an unusual entry type must not generate an error).
  const descriptorType = 'application/vnd.oci.descriptor.v1+json';
  expectOne(withEntry0(descriptorType), 'oci/index-entry-type', q(descriptorType), { severity: 'info' });
  for (const t of [MT.layerGzip, MT.config, MT.empty, descriptorType])
    expectNone(withEntry0(t), 'oci/media-type-position');
  // No error at all (the empty type's entry still has the empty descriptor's size to get right).
  for (const t of [MT.layerGzip, MT.config, descriptorType])
    assert.deepEqual(
      lint(withEntry0(t)).filter((x) => x.severity === 'error'),
      [],
      t,
    );
  expectNone(withEntry0(MT.index), 'oci/index-entry-type');
  // Unknown types in manifests must not generate an error.
  expectNone(withEntry0('application/vnd.example.manifest.v2+json'), 'oci/index-entry-type');
  expectNone(withEntry0('application/vnd.example.manifest.v2+json'), 'oci/media-type-position');
});

test('oci/media-type-position: a legacy BuildKit cache index may list layers', () => {
  const i = specIndex() as { manifests: Record<string, unknown>[] };
  i.manifests[0]!.mediaType = MT.layerGzip;
  delete i.manifests[0]!.platform;
  i.manifests[1] = {
    mediaType: 'application/vnd.buildkit.cacheconfig.v0',
    digest: i.manifests[1]!.digest,
    size: 400,
  };
  expectNone(j(i), 'oci/media-type-position');
  expectNone(j(i), 'oci/index-entry-type');
});

test('oci/media-type-mixed: a Docker layer in an OCI manifest, with the OCI equivalent', () => {
  const f = expectOne(withLayer0(MT.dockerLayer), 'oci/media-type-mixed', q(MT.dockerLayer), {
    severity: 'warning',
  });
  assert.equal(f.data?.replacement, MT.layerGzip);
  assert.match(f.message, /OCI image manifest/);
  expectNone(withLayer0(MT.layerGzip), 'oci/media-type-mixed');
});

test('oci/media-type-mixed: OCI manifests in a Docker manifest list, OCI config in a Docker manifest', () => {
  const l = dockerList();
  l.manifests[0]!.mediaType = MT.manifest;
  const f = expectOne(j(l), 'oci/media-type-mixed', q(MT.manifest));
  assert.equal(f.data?.replacement, MT.dockerManifest);
  expectNone(j(dockerList()), 'oci/media-type-mixed');
  const d = dockerManifest();
  d.config.mediaType = MT.config;
  expectOne(j(d), 'oci/media-type-mixed', q(MT.config));
  expectNone(j(dockerManifest()), 'oci/media-type-mixed');
});

test('oci/media-type-mixed: a Docker-manifest subject or Docker AI model config is not mixing', () => {
  const m = specManifest();
  m.subject.mediaType = MT.dockerManifest;
  expectNone(j(m), 'oci/media-type-mixed');
  m.config.mediaType = 'application/vnd.docker.ai.model.config.v0.1+json';
  expectNone(j(m), 'oci/media-type-mixed');
});

test('oci/media-type-mixed: Docker manifests in an OCI index', () => {
  expectOne(withEntry0(MT.dockerManifest), 'oci/media-type-mixed', q(MT.dockerManifest));
});

test('oci/media-type-deprecated: a non-distributable layer, with its replacement', () => {
  const v = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
  const f = expectOne(withLayer0(v), 'oci/media-type-deprecated', q(v), { severity: 'warning' });
  assert.equal(f.data?.replacement, MT.layerGzip);
  assert.ok(f.message.includes(MT.layerGzip));
  expectNone(withLayer0(MT.layerGzip), 'oci/media-type-deprecated');
});

test('oci/media-type-deprecated: a Docker foreign layer in an OCI manifest (not mixed as well)', () => {
  const text = withLayer0(MT.dockerForeignLayer);
  const f = expectOne(text, 'oci/media-type-deprecated', q(MT.dockerForeignLayer));
  assert.equal(f.data?.replacement, MT.layerGzip);
  expectNone(text, 'oci/media-type-mixed');
  // In a Docker manifest a foreign layer is Docker's own business.
  const d = dockerManifest() as { layers: Record<string, unknown>[] };
  d.layers[0]!.mediaType = MT.dockerForeignLayer;
  d.layers[0]!.urls = ['https://example.com/layer.tar.gz'];
  expectNone(j(d), 'oci/media-type-deprecated');
});

test('oci/media-type-deprecated: schema 1 and the artifact manifest referenced from an index', () => {
  const f = expectOne(
    withEntry0(MT.dockerSchema1Signed),
    'oci/media-type-deprecated',
    q(MT.dockerSchema1Signed),
  );
  assert.equal(f.data?.replacement, MT.dockerManifest);
  const g = expectOne(withEntry0(MT.artifactManifest), 'oci/media-type-deprecated', q(MT.artifactManifest));
  assert.equal(g.data?.replacement, MT.manifest);
  expectNone(withEntry0(MT.manifest), 'oci/media-type-deprecated');
});

test('oci/media-type-deprecated: a pre-release Notation artifactType', () => {
  const v = 'application/vnd.cncf.notary.v2.signature';
  const f = expectOne(j({ ...specManifest(), artifactType: v }), 'oci/media-type-deprecated', q(v));
  assert.equal(f.data?.replacement, 'application/vnd.cncf.notary.signature');
  expectNone(
    j({ ...specManifest(), artifactType: 'application/vnd.cncf.notary.signature' }),
    'oci/media-type-deprecated',
  );
});

test('a descriptor document: its own mediaType names the target, so any type fits', () => {
  const d = {
    mediaType: MT.layerGzip,
    digest: 'sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0',
    size: 32654,
  };
  assert.deepEqual(
    lint(j(d)).filter((f) => MEDIA_CODES.includes(f.code)),
    [],
  );
  expectOne(
    j({ ...d, mediaType: 'application/vnd.oci.image.layer.v1.tar+gz' }),
    'oci/media-type-look-alike',
    q('application/vnd.oci.image.layer.v1.tar+gz'),
  );
});

test('non-string and missing values are skipped without throwing', () => {
  const m = specManifest() as unknown as Record<string, unknown>;
  const text = j({
    ...m,
    artifactType: 7,
    config: { mediaType: null },
    layers: [1, { mediaType: {} }, null],
    subject: [],
  });
  const fs = lint(text).filter((f) => MEDIA_CODES.includes(f.code) || f.code === 'oci/internal-error');
  assert.deepEqual(fs, []);
});

test('a 10,000-entry index with repeated or with distinct types gets one finding per unknown type', () => {
  const i = specIndex() as { manifests: Record<string, unknown>[] };
  const base = i.manifests[0]!;
  const count = (distinct: boolean): number => {
    i.manifests = Array.from({ length: 10_000 }, (_, n) => ({
      ...base,
      mediaType: distinct ? `application/vnd.example.kind${n}.manifest+json` : MT.manifest,
    }));
    let reported = 0;
    mediaTypeCheck.run(checkContext('image-index', j(i), () => void reported++));
    return reported;
  };
  assert.equal(count(false), 0);
  assert.equal(count(true), 10_000);
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
