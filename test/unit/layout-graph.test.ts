// The image graph of an OCI layout (core/layout/graph.ts): real layouts made by umoci and skopeo, read from
// disk through the layout source, and handmade broken ones held in memory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLayoutGraph, type LayoutGraph } from '../../server/src/core/layout/graph';
import { openLayoutSource } from '../../server/src/node/content/layoutSource';
import { humanSize, platformText, shortDigest, shortMediaType } from '../../server/src/core/layout/format';
import {
  descriptorOf,
  HAVE_SKOPEO,
  HAVE_UMOCI,
  makeUmociLayout,
  memorySource,
  MT,
  sha256,
  skopeo,
  tempDir,
  text,
} from '../layouts';

/** The graph of a layout folder, read through the layout source (the one safe reader). */
const graphOf = (dir: string): Promise<LayoutGraph> =>
  buildLayoutGraph({ text: readFileSync(join(dir, 'index.json'), 'utf8') }, openLayoutSource(dir), {
    root: dir,
  });

const entryByTag = (g: LayoutGraph, tag: string) => {
  const e = g.index.entries.find((x) => x.refName === tag);
  assert.ok(e, `entry ${tag} in ${JSON.stringify(g.index.entries.map((x) => x.refName))}`);
  return e;
};

describe(
  'layout graph of real layouts',
  { skip: !(HAVE_UMOCI && HAVE_SKOPEO) && 'umoci and skopeo are not installed' },
  () => {
    let tmp: ReturnType<typeof tempDir>;
    let made: ReturnType<typeof makeUmociLayout>;
    before(() => {
      tmp = tempDir();
      made = makeUmociLayout(join(tmp.dir, 'umoci'));
      skopeo('copy', '--all', `oci:${join(tmp.dir, 'umoci')}:multi`, `oci:${join(tmp.dir, 'skopeo')}:multi`);
      skopeo(
        'copy',
        '--dest-compress-format',
        'zstd',
        `oci:${join(tmp.dir, 'umoci')}:v1`,
        `oci:${join(tmp.dir, 'zstd')}:v1-zstd`,
      );
    });
    after(() => tmp.cleanup());

    test('umoci: tags, manifests, configs and layers, all present', async () => {
      const g = await graphOf(join(tmp.dir, 'umoci'));
      assert.equal(g.index.status, 'ok');
      assert.equal(g.index.kind, 'image-index');
      assert.equal(g.truncated, undefined);
      assert.deepEqual(
        g.index.entries.map((e) => e.refName),
        ['base', 'v1', 'v1-arm', 'multi'],
      );
      const v1 = entryByTag(g, 'v1');
      assert.equal(v1.target, made.v1);
      assert.equal(v1.role, 'manifest');
      assert.equal(v1.label, 'v1');
      assert.equal(v1.shortDigest, made.v1.slice(0, 19));
      const m = g.blobs[made.v1]!;
      assert.equal(m.status, 'ok');
      assert.equal(m.kind, 'image-manifest');
      assert.deepEqual(
        m.children!.map((c) => [c.role, shortMediaType(c.mediaType), g.blobs[c.target!]!.status]),
        [
          ['config', 'OCI config', 'ok'],
          ['layer', 'tar+gzip', 'ok'],
        ],
      );
      const layer = m.children![1]!;
      assert.equal(layer.sizeText, humanSize(layer.size));
      assert.equal(layer.label, 'tar+gzip');
      assert.match(layer.description, /^\d+ B · sha256:[0-9a-f]{12}$/);
      // The base image has a config and no layers; v1 and v1-arm share their layer (one node).
      const base = g.blobs[entryByTag(g, 'base').target!]!;
      assert.deepEqual(
        base.children!.map((c) => c.role),
        ['config'],
      );
      const arm = g.blobs[made.v1arm]!;
      assert.equal(arm.children![1]!.target, layer.target);
      assert.notEqual(arm.children![0]!.target, m.children![0]!.target, 'the arm64 config is another blob');
      // Configs and layers are only checked for presence, not read.
      assert.equal(g.blobs[layer.target!]!.kind, undefined);
    });

    test('umoci + a nested index: platforms under the tag', async () => {
      const g = await graphOf(join(tmp.dir, 'umoci'));
      const multi = entryByTag(g, 'multi');
      assert.equal(multi.mediaType, MT.index);
      const nested = g.blobs[multi.target!]!;
      assert.equal(nested.kind, 'image-index');
      assert.deepEqual(
        nested.children!.map((c) => [c.label, c.platform, c.target]),
        [
          ['linux/amd64', 'linux/amd64', made.v1],
          ['linux/arm64/v8', 'linux/arm64/v8', made.v1arm],
        ],
      );
    });

    test('skopeo copy --all: the nested index and every image it lists are copied and found', async () => {
      const g = await graphOf(join(tmp.dir, 'skopeo'));
      assert.equal(g.index.status, 'ok');
      const multi = entryByTag(g, 'multi');
      const nested = g.blobs[multi.target!]!;
      assert.equal(nested.status, 'ok');
      assert.deepEqual(
        nested.children!.map((c) => c.platform),
        ['linux/amd64', 'linux/arm64/v8'],
      );
      for (const c of nested.children!) {
        const m = g.blobs[c.target!]!;
        assert.equal(m.status, 'ok', `${c.platform}: ${m.problem}`);
        for (const d of m.children!)
          assert.equal(g.blobs[d.target!]!.status, 'ok', `${c.platform} ${d.role}`);
      }
      // Nothing else is in the graph: 1 index + 2 manifests + 2 configs + 1 shared layer.
      assert.equal(Object.keys(g.blobs).length, 6);
    });

    test('skopeo recompressing to zstd: the layer media type shows as tar+zstd', async () => {
      const g = await graphOf(join(tmp.dir, 'zstd'));
      const m = g.blobs[entryByTag(g, 'v1-zstd').target!]!;
      const layer = m.children!.find((c) => c.role === 'layer')!;
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
      assert.equal(shortMediaType(layer.mediaType), 'tar+zstd');
      assert.equal(g.blobs[layer.target!]!.status, 'ok');
    });
  },
);

// ---- handmade layouts --------------------------------------------------------------------------------------

const config = text({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const layerBytes = 'not really a tarball';
const manifestOf = (layers: string[] = [layerBytes], extra: Record<string, unknown> = {}) =>
  text({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, config),
    layers: layers.map((l) => descriptorOf(MT.layer, l)),
    ...extra,
  });
const indexOf = (manifests: unknown[]) => text({ schemaVersion: 2, mediaType: MT.index, manifests });
const tagged = (mediaType: string, content: string, tag: string, extra: Record<string, unknown> = {}) =>
  descriptorOf(mediaType, content, { annotations: { 'org.opencontainers.image.ref.name': tag }, ...extra });

describe('layout graph of handmade layouts', () => {
  test('missing blobs are marked: a manifest, a config, a layer', async () => {
    const image = manifestOf();
    const lost = manifestOf(['another layer']);
    const index = indexOf([tagged(MT.manifest, image, 'ok'), tagged(MT.manifest, lost, 'lost')]);
    // The layer of `image` is not there; neither is `lost`.
    const g = await buildLayoutGraph({ text: index }, memorySource([image, config]));
    assert.equal(g.blobs[sha256(lost)]!.status, 'missing');
    assert.match(g.blobs[sha256(lost)]!.problem!, /has no blobs\/sha256\//);
    const m = g.blobs[sha256(image)]!;
    assert.equal(g.blobs[m.children![0]!.target!]!.status, 'ok');
    assert.equal(g.blobs[m.children![1]!.target!]!.status, 'missing');
    assert.equal(m.status, 'ok');
  });

  test('a nested index is followed, with platform strings, and each blob is read once', async () => {
    const amd = manifestOf(['amd layer']);
    const arm = manifestOf(['arm layer']);
    const nested = indexOf([
      descriptorOf(MT.manifest, amd, { platform: { os: 'linux', architecture: 'amd64' } }),
      descriptorOf(MT.manifest, arm, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
      descriptorOf(MT.manifest, amd, {
        platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' },
      }),
    ]);
    const index = indexOf([tagged(MT.index, nested, 'latest'), tagged(MT.index, nested, '1.0')]);
    const reader = memorySource([nested, amd, arm, config, 'amd layer', 'arm layer']);
    const g = await buildLayoutGraph({ text: index }, reader);
    const n = g.blobs[sha256(nested)]!;
    assert.equal(n.kind, 'image-index');
    assert.deepEqual(
      n.children!.map((c) => c.label),
      ['linux/amd64', 'linux/arm64/v8', 'windows/amd64 10.0.17763.1234'],
    );
    assert.equal(new Set(reader.reads).size, reader.reads.length, `each document read once: ${reader.reads}`);
    assert.equal(reader.reads.length, 3);
    assert.equal(g.index.entries[1]!.label, '1.0');
    assert.match(g.index.entries[1]!.description, /^OCI index · \d+ B · sha256:/);
  });

  test('a referrer (subject) is attached under its subject and marked in index.json', async () => {
    const image = manifestOf();
    const signature = text({
      schemaVersion: 2,
      mediaType: MT.manifest,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: {
        mediaType: MT.empty,
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [descriptorOf('application/vnd.dev.cosign.simplesigning.v1+json', '{"critical":{}}')],
      subject: descriptorOf(MT.manifest, image),
    });
    const sbom = manifestOf(['{"spdxVersion":"SPDX-2.3"}'], {
      artifactType: 'application/spdx+json',
      subject: descriptorOf(MT.manifest, image),
    });
    const index = indexOf([
      tagged(MT.manifest, image, 'app'),
      descriptorOf(MT.manifest, signature, {
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      }),
      descriptorOf(MT.manifest, sbom, { artifactType: 'application/spdx+json' }),
    ]);
    const g = await buildLayoutGraph(
      { text: index },
      memorySource([image, signature, sbom, config, layerBytes, '{}', '{"critical":{}}']),
    );
    const img = g.blobs[sha256(image)]!;
    assert.deepEqual(img.referrers, [sha256(signature), sha256(sbom)]);
    assert.equal(g.blobs[sha256(signature)]!.subject, sha256(image));
    assert.equal(g.blobs[sha256(signature)]!.artifactType, 'application/vnd.dev.cosign.artifact.sig.v1+json');
    assert.deepEqual(
      g.index.entries.map((e) => e.referrer ?? false),
      [false, true, true],
    );
    assert.equal(g.index.entries[1]!.label, 'dev.cosign.artifact.sig.v1+json');
    assert.equal(g.index.entries[2]!.label, 'spdx+json');
    const subjectEdge = g.blobs[sha256(sbom)]!.children!.at(-1)!;
    assert.equal(subjectEdge.role, 'subject');
    assert.equal(subjectEdge.cycle, undefined);
  });

  test('a referrer whose subject is not in the layout stays at the top, its subject marked missing', async () => {
    const image = manifestOf();
    const sig = manifestOf(['sig'], { subject: descriptorOf(MT.manifest, image) });
    const g = await buildLayoutGraph(
      { text: indexOf([descriptorOf(MT.manifest, sig)]) },
      memorySource([sig, config, 'sig']),
    );
    assert.equal(g.index.entries[0]!.referrer, undefined);
    assert.equal(g.blobs[sha256(image)]!.status, 'missing');
    assert.deepEqual(g.blobs[sha256(image)]!.referrers, [sha256(sig)]);
  });

  test('a cycle (an index stored under a digest it lists itself) is marked, and the walk ends', async () => {
    const selfDigest = sha256('the index claims this digest');
    const looping = indexOf([{ mediaType: MT.index, digest: selfDigest, size: 10 }]);
    const g = await buildLayoutGraph(
      { text: indexOf([{ mediaType: MT.index, digest: selfDigest, size: 10 }]) },
      memorySource([{ content: looping, at: selfDigest }]),
    );
    const node = g.blobs[selfDigest]!;
    assert.equal(node.status, 'ok');
    assert.equal(node.children![0]!.cycle, true);
    assert.equal(g.index.entries[0]!.cycle, undefined);
  });

  test('nesting deeper than maxDepth is not followed and the graph says so', async () => {
    const leaf = manifestOf([]);
    let inner = indexOf([descriptorOf(MT.manifest, leaf)]);
    const blobs = [leaf, config, inner];
    for (let i = 0; i < 5; i++) {
      inner = indexOf([descriptorOf(MT.index, inner)]);
      blobs.push(inner);
    }
    const g = await buildLayoutGraph(
      { text: indexOf([descriptorOf(MT.index, inner)]) },
      memorySource(blobs),
      { maxDepth: 3 },
    );
    assert.match(g.truncated!, /deeper than 3 levels/);
    const unchecked = Object.values(g.blobs).filter((b) => b.status === 'unchecked');
    assert.equal(unchecked.length, 1);
    assert.match(unchecked[0]!.problem!, /nested more than 3 levels/);
  });

  test('invalid, unreadable and wrong-kind blobs, and descriptors without a usable digest', async () => {
    const notJson = 'this is not json';
    const aConfig = config;
    const index = indexOf([
      descriptorOf(MT.manifest, notJson),
      descriptorOf(MT.manifest, aConfig),
      descriptorOf(MT.manifest, 'a fifo'),
      { mediaType: MT.manifest, digest: 'sha256:../../etc/passwd', size: 1 },
      { mediaType: MT.manifest, size: 1 },
    ]);
    const g = await buildLayoutGraph(
      { text: index },
      memorySource([notJson, aConfig], { unreadable: [sha256('a fifo')] }),
    );
    const [bad, cfg, fifo, traversal, none] = g.index.entries;
    assert.equal(g.blobs[bad!.target!]!.status, 'invalid');
    assert.match(g.blobs[bad!.target!]!.problem!, /not valid JSON/);
    assert.equal(g.blobs[cfg!.target!]!.status, 'invalid');
    assert.equal(g.blobs[cfg!.target!]!.kind, 'image-config');
    assert.match(g.blobs[cfg!.target!]!.problem!, /reads as OCI image config/);
    assert.equal(g.blobs[fifo!.target!]!.status, 'unreadable');
    assert.match(g.blobs[fifo!.target!]!.problem!, /FIFO/);
    assert.equal(traversal!.target, undefined);
    assert.match(traversal!.problem!, /path-traversal/);
    assert.equal(none!.target, undefined);
    assert.match(none!.problem!, /has no digest/);
    assert.equal(Object.keys(g.blobs).length, 3);
  });

  test('index.json missing, unreadable, not JSON, or not an index', async () => {
    const r = memorySource([]);
    assert.deepEqual((await buildLayoutGraph({ problem: 'missing' }, r)).index, {
      path: 'index.json',
      status: 'missing',
      problem: 'The layout has no index.json, which every OCI image layout must have.',
      entries: [],
    });
    const unreadable = (
      await buildLayoutGraph({ problem: 'is a FIFO (named pipe), not a regular file, so it was not read' }, r)
    ).index;
    assert.equal(unreadable.status, 'unreadable');
    assert.equal(
      unreadable.problem,
      'index.json is a FIFO (named pipe), not a regular file, so it was not read.',
    );
    assert.equal((await buildLayoutGraph({ text: '][' }, r)).index.status, 'invalid');
    const manifest = await buildLayoutGraph({ text: manifestOf() }, r);
    assert.equal(manifest.index.status, 'invalid');
    assert.match(manifest.index.problem!, /must be an image index, but it reads as OCI image manifest/);
  });

  test('an index.json being typed (a syntax error) still shows what it could recover', async () => {
    const image = manifestOf();
    const broken = indexOf([tagged(MT.manifest, image, 'a')]).replace(/\}\]\}$/, '}],');
    const g = await buildLayoutGraph({ text: broken }, memorySource([image, config, layerBytes]));
    assert.equal(g.index.status, 'invalid');
    assert.equal(g.index.entries.length, 1);
    assert.equal(g.blobs[sha256(image)]!.status, 'ok');
  });

  test('bounds: documents read, nodes, and cancellation', async () => {
    const images = Array.from({ length: 20 }, (_, i) => manifestOf([`layer ${i}`]));
    const index = indexOf(images.map((m) => descriptorOf(MT.manifest, m)));
    const reader = memorySource([...images, config]);
    const g = await buildLayoutGraph({ text: index }, reader, { maxDocuments: 5 });
    assert.match(g.truncated!, /More than 5 manifests/);
    assert.equal(reader.reads.length, 5);
    assert.equal(Object.values(g.blobs).filter((b) => b.kind === 'image-manifest').length, 5);

    const small = await buildLayoutGraph({ text: index }, memorySource([...images, config]), {
      maxNodes: 10,
    });
    assert.equal(Object.keys(small.blobs).length, 10);
    assert.match(small.truncated!, /more than 10 blobs/);

    let calls = 0;
    const cancelled = await buildLayoutGraph({ text: index }, memorySource(images), {
      cancelled: () => ++calls > 3,
      concurrency: 1,
    });
    assert.equal(cancelled.truncated, 'The walk was cancelled.');
  });

  test('a 10,000-entry index.json: every entry in the graph, each distinct blob once', async () => {
    const image = manifestOf();
    const index = indexOf(Array.from({ length: 10_000 }, (_, i) => tagged(MT.manifest, image, `t${i}`)));
    const g = await buildLayoutGraph({ text: index }, memorySource([image, config, layerBytes]));
    assert.equal(g.index.entries.length, 10_000);
    assert.equal(Object.keys(g.blobs).length, 3);
  });
});

describe('layout format helpers', () => {
  test('human sizes, short digests, platforms, short media types', () => {
    assert.equal(humanSize(611), '611 B');
    assert.equal(humanSize(32_654), '31.9 KiB');
    assert.equal(humanSize(3 * 1024 ** 3), '3.0 GiB');
    assert.equal(humanSize(-1), undefined);
    assert.equal(humanSize('12'), undefined);
    assert.equal(shortDigest(`sha256:${'a'.repeat(64)}`), `sha256:${'a'.repeat(12)}`);
    assert.equal(platformText({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 'linux/arm64/v8');
    assert.equal(platformText({ os: 'linux' }), 'linux/?');
    assert.equal(platformText('linux/amd64'), undefined);
    assert.equal(shortMediaType('application/vnd.oci.image.layer.v1.tar+gzip'), 'tar+gzip');
    assert.equal(
      shortMediaType('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'),
      'tar+gzip, non-distributable',
    );
    assert.equal(shortMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip'), 'tar+gzip');
    assert.equal(shortMediaType('application/vnd.cncf.helm.config.v1+json'), 'cncf.helm.config.v1+json');
    assert.equal(shortMediaType('application/spdx+json'), 'spdx+json');
    assert.equal(shortMediaType(42), undefined);
  });
});
