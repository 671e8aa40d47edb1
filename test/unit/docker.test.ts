import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { expectNone, expectOne, j, lint, specManifest } from '../helpers';
import { MT } from '../../server/src/core/catalog/core';

const q = (s: string): string => JSON.stringify(s);

/** The image manifest example of docker/manifest-v2-2.md. */
const dockerManifest = () => ({
  schemaVersion: 2,
  mediaType: MT.dockerManifest,
  config: {
    mediaType: MT.dockerConfig,
    digest: 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7',
    size: 7023,
  } as Record<string, unknown>,
  layers: [
    {
      mediaType: MT.dockerLayer,
      digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      size: 32654,
    },
    {
      mediaType: MT.dockerLayer,
      digest: 'sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b',
      size: 16724,
    },
  ] as Record<string, unknown>[],
});

/** The manifest list example of docker/manifest-v2-2.md. */
const dockerList = () => ({
  schemaVersion: 2,
  mediaType: MT.dockerList,
  manifests: [
    {
      mediaType: MT.dockerManifest,
      digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      size: 7143,
      platform: { architecture: 'ppc64le', os: 'linux' } as Record<string, unknown>,
    },
    {
      mediaType: MT.dockerManifest,
      digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
      size: 7682,
      platform: { architecture: 'amd64', os: 'linux', features: ['sse4'] } as Record<string, unknown>,
    },
  ] as Record<string, unknown>[],
});

const DOCKER_CODES = [
  'docker/config-media-type',
  'docker/config-legacy-type',
  'docker/oci-layer-type',
  'docker/foreign-layer-urls',
  'docker/platform-required',
];

test('the Docker spec examples get no docker findings', () => {
  for (const doc of [dockerManifest(), dockerList()]) {
    assert.deepEqual(
      lint(j(doc)).filter((f) => DOCKER_CODES.includes(f.code)),
      [],
    );
  }
});

test('docker/config-media-type: an artifact config in a Docker manifest', () => {
  const d = dockerManifest();
  d.config.mediaType = 'application/vnd.cncf.helm.config.v1+json';
  const f = expectOne(j(d), 'docker/config-media-type', q(d.config.mediaType as string), {
    severity: 'error',
  });
  assert.equal(f.data?.expected, MT.dockerConfig);
  assert.ok(f.message.includes('config.mediaType') && f.message.includes(MT.dockerConfig));
  // Unknown configs too, without a second (info) finding on the same value.
  d.config.mediaType = 'application/vnd.example.config.v1+json';
  expectOne(j(d), 'docker/config-media-type', q(d.config.mediaType as string));
  expectNone(j(d), 'oci/media-type-unknown');
  expectNone(j(dockerManifest()), 'docker/config-media-type');
});

test('docker/config-legacy-type: the config types old registries wrote warn, name their origin, keep the fix', () => {
  for (const legacy of ['application/octet-stream', 'application/json', 'text/html', '']) {
    const d = dockerManifest();
    d.config.mediaType = legacy;
    const text = j(d);
    const f = expectOne(text, 'docker/config-legacy-type', q(legacy), { severity: 'warning' });
    assert.equal(f.data?.expected, MT.dockerConfig);
    assert.match(
      f.message,
      /old registries wrote into Docker schema 2 manifests; Docker Engine still pulls the image/,
    );
    assert.ok(!/refuses to pull anything else/.test(f.message), 'the engine does not refuse these');
    // One finding per value: not also the non-Docker config error, an unknown type or an empty-type syntax error.
    for (const other of ['docker/config-media-type', 'oci/media-type-unknown', 'oci/media-type-syntax'])
      expectNone(text, other);
    assert.deepEqual(
      lint(text).filter((x) => x.severity === 'error'),
      [],
      legacy,
    );
    const r = applyFix(text, 'docker/config-legacy-type', { preferred: false });
    assert.ok(r.after.includes(`"mediaType": "${MT.dockerConfig}"`));
  }
  // An empty config type elsewhere is still a syntax error.
  const m = { ...dockerManifest(), layers: [{ ...dockerManifest().layers[0], mediaType: '' }] };
  expectOne(j(m), 'oci/media-type-syntax', '""');
});

test("docker/config-media-type: plugin and BuildKit cache configs are Docker's own; OCI config is mixing", () => {
  const d = dockerManifest();
  for (const ok of ['application/vnd.docker.plugin.v1+json', 'application/vnd.buildkit.cacheconfig.v0']) {
    d.config.mediaType = ok;
    expectNone(j(d), 'docker/config-media-type');
  }
  d.config.mediaType = MT.config;
  expectNone(j(d), 'docker/config-media-type');
  expectOne(j(d), 'oci/media-type-mixed', q(MT.config));
  // A misspelling is the media-type check's look-alike, not reported twice.
  d.config.mediaType = 'application/vnd.docker.container.image.v1.json';
  expectNone(j(d), 'docker/config-media-type');
  expectOne(j(d), 'oci/media-type-look-alike', q('application/vnd.docker.container.image.v1.json'));
});

test('docker/oci-layer-type: an OCI gzip layer, with the Docker equivalent', () => {
  const d = dockerManifest();
  d.layers[1]!.mediaType = MT.layerGzip;
  const f = expectOne(j(d), 'docker/oci-layer-type', q(MT.layerGzip), { severity: 'error' });
  assert.equal(f.data?.replacement, MT.dockerLayer);
  assert.match(f.message, /^layers\[1\]\.mediaType/);
  expectNone(j(d), 'oci/media-type-mixed');
  expectNone(j(dockerManifest()), 'docker/oci-layer-type');
});

test('docker/oci-layer-type: zstd has no standard Docker equivalent; non-distributable is not also "deprecated"', () => {
  const d = dockerManifest();
  d.layers[0]!.mediaType = MT.layerZstd;
  const f = expectOne(j(d), 'docker/oci-layer-type', q(MT.layerZstd));
  assert.equal(f.data, undefined);
  assert.match(f.message, /no standard Docker equivalent/);
  const nd = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
  d.layers[0]!.mediaType = nd;
  const g = expectOne(j(d), 'docker/oci-layer-type', q(nd));
  assert.equal(g.data?.replacement, MT.dockerForeignLayer);
  expectNone(j(d), 'oci/media-type-deprecated');
});

test('docker/foreign-layer-urls: missing and empty urls', () => {
  const d = dockerManifest();
  d.layers[0]!.mediaType = MT.dockerForeignLayer;
  const text = j(d);
  const f = expectOne(text, 'docker/foreign-layer-urls', '{', { severity: 'error', occurrence: 2 });
  assert.match(f.message, /layers\[0\] is a foreign layer/);
  d.layers[0]!.urls = [];
  expectOne(j(d), 'docker/foreign-layer-urls', '[]');
  d.layers[0]!.urls = [
    'https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
  ];
  expectNone(j(d), 'docker/foreign-layer-urls');
  // The uncompressed foreign type too.
  d.layers[1]!.mediaType = 'application/vnd.docker.image.rootfs.foreign.diff.tar';
  expectOne(j(d), 'docker/foreign-layer-urls', '{', { occurrence: 3 });
});

test('docker/platform-required: an entry without platform', () => {
  const l = dockerList();
  delete l.manifests[1]!.platform;
  const text = j(l);
  const at = text.lastIndexOf('{\n      "mediaType"');
  const f = expectOne(text, 'docker/platform-required', '{', {
    severity: 'error',
    occurrence: text.slice(0, at).split('{').length - 1,
  });
  assert.match(f.message, /^manifests\[1\] has no "platform"/);
  expectNone(j(dockerList()), 'docker/platform-required');
});

test("docker/platform-required: a platform without os is the schema check's, not reported twice", () => {
  const l = dockerList();
  delete (l.manifests[0]!.platform as Record<string, unknown>).os;
  expectNone(j(l), 'docker/platform-required');
});

test('docker/platform-required: not for a legacy BuildKit cache list nor nested lists', () => {
  const l = dockerList();
  l.manifests = [
    {
      mediaType: MT.dockerLayer,
      digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      size: 7143,
    },
    {
      mediaType: 'application/vnd.buildkit.cacheconfig.v0',
      digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
      size: 300,
    },
  ];
  expectNone(j(l), 'docker/platform-required');
  expectNone(j(l), 'oci/media-type-position');
  const n = dockerList();
  n.manifests[0]!.mediaType = MT.dockerList;
  delete n.manifests[0]!.platform;
  expectNone(j(n), 'docker/platform-required');
});

test('odd shapes are skipped without throwing', () => {
  const doc = {
    ...dockerManifest(),
    config: [],
    layers: [null, 3, { mediaType: MT.dockerForeignLayer, urls: 'x' }],
  };
  const fs = lint(j(doc), { kind: 'docker-manifest' }).filter(
    (f) => DOCKER_CODES.includes(f.code) || f.code === 'oci/internal-error',
  );
  assert.deepEqual(fs, []);
  const list = { ...dockerList(), manifests: [1, { platform: 'x' }] };
  assert.deepEqual(
    lint(j(list), { kind: 'docker-manifest-list' }).filter((f) => f.code === 'oci/internal-error'),
    [],
  );
});

describe('quick-fixes: media types', () => {
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
});

test('a Docker manifest list with an OCI manifest entry: mixing is a warning with the fix, the platform still required', () => {
  const l = dockerList();
  l.manifests[0]!.mediaType = MT.manifest;
  const f = expectOne(j(l), 'oci/media-type-mixed', q(MT.manifest), { severity: 'warning' });
  assert.equal(f.data?.replacement, MT.dockerManifest);
  assert.deepEqual(
    lint(j(l)).filter((x) => x.severity === 'error'),
    [],
  );
  delete l.manifests[0]!.platform;
  expectOne(j(l), 'docker/platform-required', '{', { occurrence: 1, severity: 'error' });
});
