// The OCI Layouts view's tree as plain data (client/src/views/layoutModel.ts, no vscode): which items sit under
// which, and their labels, descriptions, icons, tooltips and context values, over graphs built by the real
// graph builder from in-memory layouts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLayoutGraph, type LayoutGraph } from '../../server/src/core/layout/graph';
import {
  descriptorChildren,
  descriptorJson,
  descriptorText,
  hasChildren,
  layoutChildren,
  pathText,
  present,
  READ_ONLY_NOTE,
  referrerKind,
  type DescriptorNode,
  type LayoutRootNode,
  type LayoutTreeNode,
} from '../../client/src/views/layoutModel';
import { showControls } from '../../server/src/core/controls';
import { descriptorOf, memorySource, MT, sha256, text } from '../layouts';
import { assertInert, HOSTILE, shownText } from '../markdown';

const TAG = 'org.opencontainers.image.ref.name';
const short = (d: string) => d.slice(0, 'sha256:'.length + 12);

const config = text({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const layer = 'pretend this is a gzip layer';
const gone = 'a layer that is not in the layout';
const manifest = text({
  schemaVersion: 2,
  mediaType: MT.manifest,
  config: descriptorOf(MT.config, config),
  layers: [descriptorOf(MT.layer, layer), descriptorOf(MT.layer, gone)],
});
const armManifest = text({
  schemaVersion: 2,
  mediaType: MT.manifest,
  config: descriptorOf(MT.config, config),
  layers: [descriptorOf(MT.layer, layer)],
});
const nested = text({
  schemaVersion: 2,
  mediaType: MT.index,
  manifests: [
    descriptorOf(MT.manifest, manifest, { platform: { architecture: 'amd64', os: 'linux' } }),
    descriptorOf(MT.manifest, armManifest, {
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    }),
  ],
});
const empty = '{}';
const signature = text({
  schemaVersion: 2,
  mediaType: MT.manifest,
  artifactType: 'application/vnd.cncf.notary.signature',
  config: descriptorOf(MT.empty, empty),
  layers: [descriptorOf('application/jose+json', '{"sig":1}')],
  subject: descriptorOf(MT.manifest, manifest),
});
const sbom = text({
  schemaVersion: 2,
  mediaType: MT.manifest,
  artifactType: 'application/spdx+json',
  config: descriptorOf(MT.empty, empty),
  layers: [descriptorOf('application/spdx+json', '{"spdxVersion":"SPDX-2.3"}')],
  subject: descriptorOf(MT.index, nested),
});
const indexJson = {
  schemaVersion: 2,
  mediaType: MT.index,
  manifests: [
    descriptorOf(MT.manifest, manifest, {
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { [TAG]: '1.0' },
    }),
    descriptorOf(MT.index, nested, { annotations: { [TAG]: 'multi' } }),
    descriptorOf(MT.manifest, signature, { artifactType: 'application/vnd.cncf.notary.signature' }),
    descriptorOf(MT.manifest, sbom, { artifactType: 'application/spdx+json' }),
  ],
};

/** The graph of the layout above, with file URIs for the blobs that are there (as the server sets them). */
async function graph(): Promise<LayoutGraph> {
  const reader = memorySource([
    config,
    layer,
    manifest,
    armManifest,
    nested,
    empty,
    signature,
    sbom,
    '{"sig":1}',
  ]);
  const g = await buildLayoutGraph({ text: JSON.stringify(indexJson), layoutVersion: '1.0.0' }, reader, {
    root: 'file:///l',
  });
  for (const b of Object.values(g.blobs)) if (b.status !== 'missing') b.uri = `file:///l/${b.path}`;
  return g;
}

const layout: LayoutRootNode = {
  type: 'layout',
  id: 'layout:file:///l',
  root: 'file:///l',
  name: 'l',
  opened: false,
};
const labels = (g: LayoutGraph, nodes: LayoutTreeNode[]) => nodes.map((n) => present(n, g).label);
const byLabel = (g: LayoutGraph, nodes: LayoutTreeNode[], label: string): DescriptorNode => {
  const n = nodes.find((x) => present(x, g).label === label);
  assert.ok(n && n.type === 'descriptor', `${label} in ${labels(g, nodes).join(', ')}`);
  return n;
};

describe('layout tree model', () => {
  test('the layout lists index.json entries by tag; referrers are not repeated at the top', async () => {
    const g = await graph();
    const top = layoutChildren(layout, g);
    assert.deepEqual(labels(g, top), ['1.0', 'multi']);
    const tagged = present(top[0]!, g);
    assert.equal(
      tagged.description,
      `linux/amd64 · OCI manifest · ${manifest.length} B · ${short(sha256(manifest))}`,
    );
    assert.equal(tagged.icon.id, 'package');
    assert.equal(tagged.open, 'blob');
    assert.ok(tagged.collapsible);
    assert.ok(tagged.tooltip.includes(READ_ONLY_NOTE));
    assert.equal(tagged.contextValue, 'ociLayoutItem descriptor manifest digest file');
    assert.equal(present(top[1]!, g).icon.id, 'layers');
    const root = present(layout, g);
    assert.equal(root.contextValue, 'ociLayoutItem layout');
    assert.match(root.tooltip, /imageLayoutVersion 1\\\.0\\\.0/);
  });

  test('a manifest shows its config and layers with media type, size and short digest; referrers under it', async () => {
    const g = await graph();
    const m = byLabel(g, layoutChildren(layout, g), '1.0');
    const kids = descriptorChildren(m, g);
    assert.deepEqual(labels(g, kids), ['config', 'layers[0]', 'layers[1]', 'cncf.notary.signature']);
    const [cfg, l0, l1, sig] = kids.map((k) => present(k, g));
    assert.equal(cfg!.description, `OCI config · ${config.length} B · ${short(sha256(config))}`);
    assert.equal(cfg!.icon.id, 'settings-gear');
    assert.equal(cfg!.open, 'blob');
    assert.equal(l0!.description, `tar+gzip · ${layer.length} B · ${short(sha256(layer))}`);
    assert.equal(l0!.open, 'descriptor');
    assert.equal(l0!.icon.id, 'file-zip');
    assert.ok(!l0!.tooltip.includes(READ_ONLY_NOTE));
    assert.ok(
      l0!.tooltip.includes('```json\n{\n  "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"'),
    );
    // The missing layer: a warning icon, the problem in the tooltip, nothing to reveal.
    assert.equal(l1!.icon.id, 'warning');
    assert.match(shownText(l1!.tooltip), /The layout has no blobs\/sha256\//);
    assert.ok(!/\bfile\b/.test(l1!.contextValue));
    assert.match(sig!.description!, /^signature · OCI manifest · \d+ B · sha256:/);
    assert.equal(sig!.icon.id, 'key');
    assert.ok(/\breferrer\b/.test(sig!.contextValue));
    // The signature expands into its own descriptors, the subject last and not expandable.
    const sigKids = descriptorChildren(kids[3] as DescriptorNode, g);
    assert.deepEqual(labels(g, sigKids), ['config', 'layers[0]', 'subject']);
    assert.equal(present(sigKids[0]!, g).description, `empty · 2 B · ${short(sha256(empty))}`);
    assert.equal(hasChildren(sigKids[2]!, g), false);
    assert.equal(present(sigKids[2]!, g).icon.id, 'link');
  });

  test('a nested index shows its platforms, and its SBOM as a referrer', async () => {
    const g = await graph();
    const multi = byLabel(g, layoutChildren(layout, g), 'multi');
    const kids = descriptorChildren(multi, g);
    assert.deepEqual(labels(g, kids), ['linux/amd64', 'linux/arm64/v8', 'spdx+json']);
    assert.match(present(kids[1]!, g).description!, /^OCI manifest · \d+ B · sha256:[0-9a-f]{12}$/);
    assert.match(present(kids[2]!, g).description!, /^SBOM · /);
    assert.equal(present(kids[2]!, g).icon.id, 'checklist');
    // Ids are unique in the tree even where one blob shows twice.
    const arm = descriptorChildren(kids[1] as DescriptorNode, g);
    const amd = descriptorChildren(kids[0] as DescriptorNode, g);
    const ids = [...arm, ...amd, ...descriptorChildren(byLabel(g, layoutChildren(layout, g), '1.0'), g)].map(
      (n) => n.id,
    );
    assert.equal(new Set(ids).size, ids.length);
  });

  test('the last verification result sets the icon and a tooltip line', async () => {
    const g = await graph();
    const m = byLabel(g, layoutChildren(layout, g), '1.0');
    const [cfg, l0, l1] = descriptorChildren(m, g);
    const status = (d: string) =>
      d === sha256(config)
        ? 'verified'
        : d === sha256(layer)
          ? 'mismatch'
          : d === sha256(gone)
            ? 'missing'
            : undefined;
    assert.equal(present(cfg!, g, status).icon.id, 'pass');
    assert.match(present(cfg!, g, status).tooltip, /content matches the digest/);
    assert.equal(present(l0!, g, status).icon.id, 'error');
    assert.match(present(l0!, g, status).tooltip, /does \*\*not\*\* match/);
    assert.equal(present(l1!, g, status).icon.id, 'warning');
  });

  test('a loop in a corrupt layout is shown once and not expanded', async () => {
    const fake = `sha256:${'ab'.repeat(32)}`;
    const loop = text({
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: [{ mediaType: MT.index, digest: fake, size: 1 }],
    });
    const g = await buildLayoutGraph(
      { text: text({ schemaVersion: 2, manifests: [{ mediaType: MT.index, digest: fake, size: 1 }] }) },
      memorySource([{ content: loop, at: fake }]),
    );
    const top = layoutChildren(layout, g);
    assert.equal(top.length, 1);
    const inner = descriptorChildren(top[0] as DescriptorNode, g);
    assert.equal(inner.length, 1);
    assert.equal(hasChildren(inner[0]!, g), false);
    assert.deepEqual(descriptorChildren(inner[0] as DescriptorNode, g), []);
    assert.equal(present(inner[0]!, g).icon.id, 'warning');
    assert.match(present(inner[0]!, g).tooltip, /loop/);
  });

  test('a layout that cannot be read, or has a broken or empty index.json, says so', async () => {
    assert.deepEqual(
      layoutChildren(layout, null).map((n) => n.type === 'message' && n.text),
      ['Not an OCI image layout'],
    );
    const broken = await buildLayoutGraph({ text: '{"schemaVersion": 2, "manifests": [' }, memorySource([]));
    const msgs = layoutChildren(layout, broken);
    assert.equal(msgs[0]!.type, 'message');
    assert.equal(present(msgs[0]!, broken).icon.id, 'warning');
    assert.equal(present(layout, broken).icon.id, 'warning');
    const none = await buildLayoutGraph(
      { text: text({ schemaVersion: 2, manifests: [] }) },
      memorySource([]),
    );
    assert.deepEqual(
      layoutChildren(layout, none).map((n) => n.type === 'message' && n.text),
      ['No images'],
    );
    const missing = await buildLayoutGraph({ problem: 'missing' }, memorySource([]));
    assert.match(present(layoutChildren(layout, missing)[0]!, missing).description!, /no index\.json/);
  });
});

describe('layout label helpers', () => {
  test('pathText writes JSON paths as people do', () => {
    assert.equal(pathText(['layers', 0]), 'layers[0]');
    assert.equal(pathText(['config']), 'config');
    assert.equal(pathText(['manifests', 2, 'platform']), 'manifests[2].platform');
    assert.equal(pathText([]), '');
  });

  test('referrerKind names signatures, SBOMs and attestations', () => {
    assert.equal(referrerKind('application/vnd.cncf.notary.signature'), 'signature');
    assert.equal(referrerKind('application/vnd.dev.cosign.artifact.sig.v1+json'), 'signature');
    assert.equal(referrerKind('application/spdx+json'), 'SBOM');
    assert.equal(referrerKind('application/vnd.cyclonedx+json'), 'SBOM');
    assert.equal(referrerKind('application/vnd.in-toto+json'), 'attestation');
    assert.equal(referrerKind('application/vnd.example.thing'), 'referrer');
    assert.equal(referrerKind(undefined), 'referrer');
  });

  test('descriptorText puts the media type of configs and layers in the description', () => {
    const edge = {
      role: 'layer' as const,
      path: ['layers', 1],
      label: 'tar+zstd',
      description: '31.9 KiB · sha256:9834876dcfb0',
      descriptor: {},
    };
    assert.deepEqual(descriptorText(edge), {
      label: 'layers[1]',
      description: 'tar+zstd · 31.9 KiB · sha256:9834876dcfb0',
    });
    assert.deepEqual(descriptorText({ ...edge, role: 'manifest', path: ['manifests', 0], label: 'v1' }), {
      label: 'v1',
      description: '31.9 KiB · sha256:9834876dcfb0',
    });
    assert.equal(descriptorJson({ ...edge, descriptor: { size: 1 } }), '{\n  "size": 1\n}');
  });

  test('tooltips quote tags, media types, platforms and digests from the files, never render them', async () => {
    for (const h of HOSTILE) {
      const entry = descriptorOf(MT.manifest, manifest, {
        platform: { architecture: 'amd64', os: h },
        annotations: { [TAG]: h },
      });
      const odd = { mediaType: h, artifactType: h, digest: h, size: 3, annotations: { [TAG]: `${h} 2` } };
      const g = await buildLayoutGraph(
        {
          text: JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: [entry, odd] }),
          layoutVersion: h,
        },
        memorySource([manifest, config, layer]),
        { root: 'file:///l' },
      );
      const top = layoutChildren(layout, g);
      assert.equal(top.length, 2);
      const tooltips = [present(layout, g), ...top.map((n) => present(n, g))].map((p) => p.tooltip);
      for (const t of tooltips) assertInert(t, 'a tooltip');
      assert.ok(shownText(tooltips[1]!).includes(`Tag: ${showControls(h)}`), tooltips[1]);
      assert.ok(shownText(tooltips[2]!).includes(showControls(h)), tooltips[2]);
    }
  });

  test('a referrer that index.json does not name shows under its subject, saying so, with the size it has', async () => {
    const source = memorySource([config, layer, manifest, empty, signature, '{"sig":1}'], { list: true });
    const only = { ...indexJson, manifests: [indexJson.manifests[0]] };
    const g = await buildLayoutGraph({ text: JSON.stringify(only) }, source, { root: 'file:///l' });
    const [tagged] = layoutChildren(layout, g);
    const kids = descriptorChildren(tagged as DescriptorNode, g);
    const sig = byLabel(g, kids, 'application/vnd.cncf.notary.signature');
    const p = present(sig, g);
    assert.equal(p.description, `signature · ${short(sha256(signature))}`);
    assert.match(shownText(p.tooltip), /Not named by index\.json: found among the blobs of the layout/);
    assert.match(shownText(p.tooltip), new RegExp(`Size: ${signature.length} bytes`));
    assert.equal(sig.edge.size, signature.length);
    assert.equal(p.icon.id, 'key');
    assert.deepEqual(labels(g, descriptorChildren(sig, g)), ['config', 'layers[0]', 'subject']);
  });
});
