/**
 * Convert (server/src/core/authoring/convert.ts): Docker schema 2 ⇄ OCI as minimal edits (every byte that is not a
 * converted media type stays), each refusal on its own, and lists converted with their manifests through a
 * content source.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { convertDocument, convertImage } from '../../server/src/core/authoring/convert';
import { MT } from '../../server/src/core/catalog/core';
import { analyze } from '../../server/src/core/index';
import { descriptorOf, memorySource, sha256 } from '../layouts';

const CONFIG = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [] },
});
const LAYER = 'layer bytes';

/** A Docker schema 2 manifest laid out the way Docker writes it (three-space indentation). */
const dockerManifest = (layerType: string = MT.dockerLayer, config = CONFIG): string =>
  JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: MT.dockerManifest,
      config: descriptorOf(MT.dockerConfig, config),
      layers: [descriptorOf(layerType, LAYER)],
    },
    null,
    3,
  );

/** An OCI manifest without a top-level mediaType, compact, as umoci writes it. */
const ociManifest = (extra: Record<string, unknown> = {}, layerType: string = MT.layerGzip): string =>
  JSON.stringify({
    schemaVersion: 2,
    config: descriptorOf(MT.config, CONFIG),
    layers: [descriptorOf(layerType, LAYER)],
    ...extra,
  });

/** The text with each occurrence of `from` replaced by `to`, in order. */
const swap = (text: string, pairs: [string, string][]): string =>
  pairs.reduce((t, [from, to]) => t.split(JSON.stringify(from)).join(JSON.stringify(to)), text);

describe('convert to OCI', () => {
  test('a Docker manifest: exactly its three media types change, the digest is of the new bytes', () => {
    const text = dockerManifest();
    const r = convertDocument(text, 'oci');
    assert.deepEqual(r.refusals, []);
    const expected = swap(text, [
      [MT.dockerManifest, MT.manifest],
      [MT.dockerConfig, MT.config],
      [MT.dockerLayer, MT.layerGzip],
    ]);
    assert.equal(r.text, expected);
    assert.equal(r.digest, sha256(expected));
    assert.equal(r.size, Buffer.byteLength(expected));
    assert.deepEqual(
      r.changes.map((c) => c.path.join('.')),
      ['mediaType', 'config.mediaType', 'layers.0.mediaType'],
    );
    assert.deepEqual(
      analyze(r.text).findings.filter((f) => f.severity === 'error'),
      [],
    );
  });

  test('uncompressed, zstd and foreign Docker layers get their OCI types (foreign with a deprecation note)', () => {
    for (const [docker, oci, note] of [
      ['application/vnd.docker.image.rootfs.diff.tar', MT.layerTar, false],
      ['application/vnd.docker.image.rootfs.diff.tar.zstd', MT.layerZstd, false],
      [MT.dockerForeignLayer, 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', true],
    ] as const) {
      const r = convertDocument(dockerManifest(docker), 'oci');
      assert.deepEqual(r.refusals, [], docker);
      assert.equal((JSON.parse(r.text) as { layers: { mediaType: string }[] }).layers[0]!.mediaType, oci);
      assert.equal(
        r.notes.some((n) => n.includes('deprecates')),
        note,
        docker,
      );
    }
  });

  test('a document already in OCI is left byte for byte, and says so', () => {
    const text = ociManifest();
    const r = convertDocument(text, 'oci');
    assert.equal(r.text, text);
    assert.deepEqual(r.edits, []);
    assert.match(r.notes.join(' '), /already an OCI image manifest/);
  });

  test('refused: schema 1, a plugin config, a schema 1 layer type', () => {
    const schema1 = JSON.stringify({ schemaVersion: 1, name: 'a', tag: 'b', fsLayers: [], history: [] });
    assert.match(convertDocument(schema1, 'oci').refusals[0]!.message, /schema 1/);
    const plugin = dockerManifest().replace(MT.dockerConfig, 'application/vnd.docker.plugin.v1+json');
    const r = convertDocument(plugin, 'oci');
    assert.equal(r.text, plugin, 'nothing converted');
    assert.deepEqual(
      r.refusals.map((x) => x.path.join('.')),
      ['config.mediaType'],
    );
    assert.match(r.refusals[0]!.message, /plugin/);
    const gtar = dockerManifest('application/vnd.docker.container.image.rootfs.diff+x-gtar');
    assert.deepEqual(
      convertDocument(gtar, 'oci').refusals.map((x) => x.path.join('.')),
      ['layers.0.mediaType'],
    );
  });
});

describe('convert to Docker', () => {
  test('an OCI manifest without mediaType gets one, in the compact style of the document', () => {
    const text = ociManifest();
    const r = convertDocument(text, 'docker');
    assert.deepEqual(r.refusals, []);
    const expected = swap(text, [
      [MT.config, MT.dockerConfig],
      [MT.layerGzip, MT.dockerLayer],
    ]).replace('{"schemaVersion":2,', `{"schemaVersion":2,"mediaType":${JSON.stringify(MT.dockerManifest)},`);
    assert.equal(r.text, expected);
    assert.equal(r.digest, sha256(expected));
  });

  // Each thing Docker schema 2 cannot say: refused on its own, with the path of what is lost.
  const refusals: [string, string, RegExp][] = [
    [
      ociManifest({ annotations: { 'org.opencontainers.image.title': 'x' } }),
      'annotations',
      /no annotations/,
    ],
    [ociManifest({ artifactType: 'application/vnd.example+json' }), 'artifactType', /artifact types/],
    [ociManifest({ subject: descriptorOf(MT.manifest, '{}') }), 'subject', /no subject/],
    [ociManifest({}, MT.layerZstd), 'layers.0.mediaType', /zstd/],
    [ociManifest({}, 'application/vnd.in-toto+json'), 'layers.0.mediaType', /in-toto/],
    [
      ociManifest({}, 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted'),
      'layers.0.mediaType',
      /encrypted/,
    ],
    [
      ociManifest({}, 'application/vnd.cncf.helm.chart.content.v1.tar+gzip'),
      'layers.0.mediaType',
      /artifact blob/,
    ],
    [
      JSON.stringify({
        schemaVersion: 2,
        config: { ...descriptorOf(MT.config, CONFIG), urls: ['https://example.com/c'] },
        layers: [],
      }),
      'config.urls',
      /layers only/,
    ],
    [
      JSON.stringify({
        schemaVersion: 2,
        config: descriptorOf(MT.config, CONFIG),
        layers: [{ ...descriptorOf(MT.layerGzip, LAYER), data: Buffer.from(LAYER).toString('base64') }],
      }),
      'layers.0.data',
      /embed/,
    ],
    [
      JSON.stringify({
        schemaVersion: 2,
        config: { ...descriptorOf(MT.empty, '{}'), data: 'e30=' },
        layers: [],
      }),
      'config.data',
      /embed/,
    ],
  ];
  for (const [text, path, why] of refusals) {
    test(`refused: ${path} (${why.source})`, () => {
      const r = convertDocument(text, 'docker');
      assert.equal(r.text, text, 'nothing is converted');
      assert.deepEqual(r.edits, []);
      const hit = r.refusals.find((x) => x.path.join('.') === path);
      assert.ok(hit, `a refusal at ${path}: ${JSON.stringify(r.refusals)}`);
      assert.match(hit.message, why);
    });
  }

  test('refused: an artifact with the empty config', () => {
    const text = JSON.stringify({ schemaVersion: 2, config: descriptorOf(MT.empty, '{}'), layers: [] });
    const r = convertDocument(text, 'docker');
    assert.deepEqual(
      r.refusals.map((x) => x.path.join('.')),
      ['config.mediaType'],
    );
    assert.match(r.refusals[0]!.message, /empty config of an artifact/);
  });

  test('refused: an index entry without a platform, a nested index, and index annotations', () => {
    const text = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: [
        descriptorOf(MT.manifest, '{}'),
        descriptorOf(MT.index, '{"x":1}', { platform: { os: 'linux', architecture: 'amd64' } }),
      ],
      annotations: { a: 'b' },
    });
    const r = convertDocument(text, 'docker');
    const paths = r.refusals.map((x) => x.path.join('.'));
    assert.ok(paths.includes('manifests.0'), String(paths));
    assert.ok(paths.includes('manifests.1.mediaType'), String(paths));
    assert.ok(paths.includes('annotations'), String(paths));
  });
});

describe('convert a list with its manifests', () => {
  const amd = dockerManifest();
  const arm = dockerManifest(MT.dockerLayer, CONFIG.replace('amd64', 'arm64'));
  const list = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: MT.dockerList,
      manifests: [
        descriptorOf(MT.dockerManifest, amd, { platform: { architecture: 'amd64', os: 'linux' } }),
        descriptorOf(MT.dockerManifest, arm, {
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        }),
      ],
    },
    null,
    3,
  );

  test('without the manifests the list is refused, each entry saying why', () => {
    const r = convertDocument(list, 'oci');
    assert.equal(r.refusals.length, 2);
    assert.match(r.refusals[0]!.message, /must be converted with the list/);
  });

  test('through a content source: each entry names its converted manifest by its new digest and size', async () => {
    const source = memorySource([amd, arm]);
    const r = await convertImage(list, 'oci', [source]);
    assert.deepEqual(r.refusals, []);
    assert.equal(r.blobs.length, 2);
    const out = JSON.parse(r.text) as {
      mediaType: string;
      manifests: { mediaType: string; digest: string; size: number; platform: unknown }[];
    };
    assert.equal(out.mediaType, MT.index);
    out.manifests.forEach((e, i) => {
      const blob = r.blobs[i]!;
      assert.equal(e.mediaType, MT.manifest);
      assert.equal(e.digest, sha256(blob.text));
      assert.equal(e.size, Buffer.byteLength(blob.text));
      assert.equal(blob.from.digest, sha256(i === 0 ? amd : arm));
      assert.equal((JSON.parse(blob.text) as { mediaType: string }).mediaType, MT.manifest);
    });
    assert.equal(
      out.manifests[1]!.platform && JSON.stringify(out.manifests[1]!.platform),
      '{"architecture":"arm64","os":"linux","variant":"v8"}',
    );
    // Only the three members of each entry changed, nothing else of the list.
    let expected = list.replace(JSON.stringify(MT.dockerList), JSON.stringify(MT.index));
    for (const b of r.blobs)
      expected = expected
        .replace(JSON.stringify(b.from.digest), JSON.stringify(b.digest))
        .replace(`"size": ${b.from.size}`, `"size": ${b.size}`);
    expected = expected.split(JSON.stringify(MT.dockerManifest)).join(JSON.stringify(MT.manifest));
    assert.equal(r.text, expected);
  });

  test('a manifest that cannot be converted makes the list refused, naming the entry', async () => {
    const zstd = ociManifest({}, MT.layerZstd);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: [descriptorOf(MT.manifest, zstd, { platform: { architecture: 'amd64', os: 'linux' } })],
    });
    const r = await convertImage(index, 'docker', [memorySource([zstd])]);
    assert.equal(r.text, index);
    assert.equal(r.refusals.length, 1);
    assert.deepEqual(r.refusals[0]!.path, ['manifests', 0, 'layers', 0, 'mediaType']);
    assert.match(r.refusals[0]!.message, /^manifests\[0\] → layers\[0\].*zstd/);
  });

  test('a manifest whose bytes do not match its digest is not used', async () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.dockerList,
      manifests: [descriptorOf(MT.dockerManifest, amd, { platform: { architecture: 'amd64', os: 'linux' } })],
    });
    const r = await convertImage(index, 'oci', [memorySource([{ content: `${amd}\n`, at: sha256(amd) }])]);
    assert.match(r.refusals[0]!.message, /does not hash to its digest/);
  });
});
