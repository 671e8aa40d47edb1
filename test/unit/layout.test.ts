import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import { analyze } from '../../server/src/core/index';
import { isLayoutIndex } from '../../server/src/core/checks/layout';

const LAYOUT = { fileName: '/images/app/index.json', besideOciLayout: true };
const LAYOUT_CODES = ['oci/layout-version', 'oci/layout-index-kind', 'oci/layout-duplicate-ref-name'];

/** The index.json example from image-spec/image-layout.md. */
const layoutIndex = () => ({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      size: 7143,
      digest: 'sha256:0228f90e926ba6b96e4f39cf294b2586d38fbb5a1e385c05cd1ee40ea54fe7fd',
      annotations: { 'org.opencontainers.image.ref.name': 'stable-release' },
    } as Record<string, unknown>,
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 7143,
      digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      platform: { architecture: 'ppc64le', os: 'linux' },
      annotations: { 'org.opencontainers.image.ref.name': 'v1.0' },
    } as Record<string, unknown>,
    {
      mediaType: 'application/xml',
      size: 7143,
      digest: 'sha256:b3d63d132d21c3ff4c35a061adf23cf43da8ae054247e32faa95494d904a007e',
      annotations: {
        'org.freedesktop.specifications.metainfo.version': '1.0',
        'org.freedesktop.specifications.metainfo.type': 'AppStream',
      },
    } as Record<string, unknown>,
  ],
  annotations: { 'com.example.index.revision': 'r124356' },
});

test('isLayoutIndex needs the file name and an oci-layout file beside it', () => {
  assert.equal(isLayoutIndex(LAYOUT), true);
  assert.equal(isLayoutIndex({ fileName: 'C:\\img\\INDEX.JSON', besideOciLayout: true }), true);
  assert.equal(isLayoutIndex({ fileName: '/images/app/index.json' }), false);
  assert.equal(isLayoutIndex({ fileName: '/images/app/my.index.json', besideOciLayout: true }), false);
  assert.equal(isLayoutIndex(undefined), false);
});

test('oci/layout-version: the oci-layout file pins 1.0.0', () => {
  const text = j({ imageLayoutVersion: '1.1.0' });
  const f = expectOne(text, 'oci/layout-version', '"1.1.0"', { severity: 'error', fileName: 'oci-layout' });
  assert.match(f.message, /"imageLayoutVersion" is "1\.1\.0".*"1\.0\.0"/);
  assert.deepEqual(f.data, { expected: '1.0.0' });
  expectOne(j({ imageLayoutVersion: '1.0' }), 'oci/layout-version', '"1.0"');
  expectNone(j({ imageLayoutVersion: '1.0.0' }), 'oci/layout-version', { fileName: 'oci-layout' });
  // Extra keys are allowed; wrong types and absence are the schema module's.
  expectNone(j({ imageLayoutVersion: '1.0.0', 'com.example.extra': true }), 'oci/layout-version', {
    fileName: 'oci-layout',
  });
  expectNone(j({ imageLayoutVersion: 1 }), 'oci/layout-version', { fileName: 'oci-layout' });
  expectNone(j({}), 'oci/layout-version', { fileName: 'oci-layout' });
});

test("the spec's layout index.json has no layout findings", () => {
  const found = lint(j(layoutIndex()), LAYOUT).filter((f) => LAYOUT_CODES.includes(f.code));
  assert.deepEqual(found, []);
});

test("oci/layout-index-kind: a manifest saved as a layout's index.json", () => {
  const text = j(specManifest());
  const f = expectOne(text, 'oci/layout-index-kind', '"application/vnd.oci.image.manifest.v1+json"', {
    severity: 'error',
    ...LAYOUT,
  });
  assert.match(f.message, /must be an OCI image index .* reads as an OCI image manifest/);
  const { mediaType: _, ...bare } = specManifest();
  expectOne(j(bare), 'oci/layout-index-kind', '{', LAYOUT);
  // The same document elsewhere, and an index in the layout, are fine.
  expectNone(text, 'oci/layout-index-kind', { fileName: '/images/app/index.json' });
  expectNone(j(specIndex()), 'oci/layout-index-kind', LAYOUT);
});

test('oci/layout-index-kind: a Docker manifest list type in a layout index.json', () => {
  const list = { ...specIndex(), mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' };
  expectOne(
    j(list),
    'oci/layout-index-kind',
    '"application/vnd.docker.distribution.manifest.list.v2+json"',
    LAYOUT,
  );
  // Without a top-level type, Docker entries make it read as a list; that is still an index.
  const { mediaType: _, ...bare } = specIndex();
  bare.manifests = bare.manifests.map((m) => ({
    ...m,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  }));
  expectNone(j(bare), 'oci/layout-index-kind', LAYOUT);
});

test('oci/layout-duplicate-ref-name: the same name and platform twice', () => {
  const idx = layoutIndex();
  idx.manifests.push({
    ...idx.manifests[1]!,
    digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
  });
  const text = j(idx);
  const f = expectOne(text, 'oci/layout-duplicate-ref-name', '"v1.0"', {
    severity: 'info',
    occurrence: 1,
    ...LAYOUT,
  });
  assert.match(f.message, /manifests\[3\] is already used by manifests\[1\] for the same platform/);
  assert.deepEqual(f.data, { first: 1 });
  // Not a layout index.json: not this module's business.
  expectNone(text, 'oci/layout-duplicate-ref-name', { fileName: 'x.index.json' });
});

test('oci/layout-duplicate-ref-name: the same name for different platforms is fine', () => {
  const idx = layoutIndex();
  idx.manifests.push({ ...idx.manifests[1]!, platform: { architecture: 'amd64', os: 'linux' } });
  expectNone(j(idx), 'oci/layout-duplicate-ref-name', LAYOUT);
  const noPlatform = layoutIndex();
  noPlatform.manifests.push({
    ...noPlatform.manifests[0]!,
    annotations: { 'org.opencontainers.image.ref.name': 'stable-release' },
  });
  expectOne(j(noPlatform), 'oci/layout-duplicate-ref-name', '"stable-release"', { occurrence: 1, ...LAYOUT });
});

test('a layout index.json with 10,000 distinct tags has no layout findings', () => {
  const idx = layoutIndex();
  idx.manifests = Array.from({ length: 10_000 }, (_, i) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 7143,
    digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
    annotations: { 'org.opencontainers.image.ref.name': `v${i}` },
  }));
  assert.deepEqual(
    lint(j(idx), LAYOUT).filter((f) => LAYOUT_CODES.includes(f.code)),
    [],
  );
});

test("a layout's index.json is an image index by its place, whatever its entries (go-containerregistry, skopeo)", () => {
  const docker = 'application/vnd.docker.distribution.manifest.v2+json';
  // As crane pull --format=oci writes it: no top-level mediaType, Docker manifest entries, no platform.
  const gcr = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: docker,
        size: 528,
        digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      },
    ],
  };
  const text = JSON.stringify(gcr, null, 3);
  const r = analyze(text, LAYOUT);
  assert.deepEqual(r.detection, { kind: 'image-index', source: 'fileName' });
  assert.deepEqual(
    r.findings.map((f) => `${f.code} ${f.severity}`),
    ['oci/media-type-missing warning', 'oci/index-entry-type info'],
  );
  expectOne(text, 'oci/index-entry-type', JSON.stringify(docker), { ...LAYOUT, severity: 'info' });
  for (const wrong of ['oci/media-type-mismatch', 'docker/platform-required', 'oci/media-type-mixed'])
    expectNone(text, wrong, LAYOUT);
  // The same document elsewhere is still read by its content: a Docker manifest list.
  assert.equal(analyze(text, { fileName: '/tmp/list.json' }).detection?.kind, 'docker-manifest-list');
  expectOne(text, 'docker/platform-required', '{', { fileName: '/tmp/list.json', occurrence: 1 });
  // An explicit Docker list type, or a manifest's shape, is still wrong there.
  expectOne(
    j({ ...gcr, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' }),
    'oci/layout-index-kind',
    '"application/vnd.docker.distribution.manifest.list.v2+json"',
    LAYOUT,
  );
  assert.equal(analyze(j(specManifest()), LAYOUT).detection?.kind, 'image-manifest');
  // Without a shape at all, the place decides too.
  assert.deepEqual(analyze('{}', LAYOUT).detection, { kind: 'image-index', source: 'fileName' });
});

test("a layout's index.json may list a Docker index, an index of either format nested", () => {
  const text = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        digest: 'sha256:3f5754829e9747db418bd1a5a40f418b073ed863cba4d57aaeaefa08118c4743',
        size: 2342,
        annotations: { 'org.opencontainers.image.ref.name': 'v0.3' },
      },
    ],
  });
  const f = expectOne(
    text,
    'oci/index-entry-type',
    '"application/vnd.docker.distribution.manifest.list.v2+json"',
    LAYOUT,
  );
  assert.equal(f.data?.expected, 'application/vnd.oci.image.index.v1+json');
  assert.match(f.message, /Docker type .* in a layout's index\.json/);
  assert.deepEqual(
    lint(text, LAYOUT).filter((x) => x.severity !== 'info'),
    [],
  );
  // An OCI index that is not a layout's index.json still mixes formats.
  expectOne(text, 'oci/media-type-mixed', '"application/vnd.docker.distribution.manifest.list.v2+json"');
});
