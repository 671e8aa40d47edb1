// Document symbols (core/outline.ts): names, details and spans for manifests, indexes, configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/core/index';
import { outline, type OutlineSymbol } from '../../server/src/core/outline';
import { j, specIndex, specManifest } from '../helpers';

const slice = (text: string, s: { offset: number; length: number }): string =>
  text.slice(s.offset, s.offset + s.length);

function symbols(text: string, fileName?: string): OutlineSymbol[] {
  return outline(analyze(text, fileName ? { fileName } : {}));
}

const names = (list: OutlineSymbol[] | undefined): string[] => (list ?? []).map((s) => s.name);

test('a manifest: config, layers[i] with type and size, subject, annotations', () => {
  const m = {
    ...specManifest(),
    subject: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'c'.repeat(64)}`,
      size: 1234,
    },
  };
  m.layers[0]!.size = 32_654;
  const text = j(m);
  const list = symbols(text);
  assert.deepEqual(names(list), ['schemaVersion', 'mediaType', 'config', 'layers', 'subject', 'annotations']);
  const [schemaVersion, , config, layers, subject, annotations] = list as OutlineSymbol[] as [
    OutlineSymbol,
    OutlineSymbol,
    OutlineSymbol,
    OutlineSymbol,
    OutlineSymbol,
    OutlineSymbol,
  ];
  assert.equal(schemaVersion.detail, '2');
  assert.equal(config.kind, 'blob');
  assert.equal(config.detail, 'OCI config, 6.9 KiB · sha256:b5b2b2c507a0');
  assert.equal(layers.detail, `${m.layers.length} layers`);
  assert.equal(layers.children![0]!.name, 'layers[0] (tar+gzip, 31.9 KiB)');
  assert.equal(layers.children![0]!.detail, m.layers[0]!.digest.slice(0, 19));
  assert.equal(subject.kind, 'image');
  assert.equal(subject.detail, `OCI manifest, 1.2 KiB · sha256:${'c'.repeat(12)}`);
  assert.equal(annotations.detail, `${Object.keys(m.annotations).length} annotations`);
  assert.deepEqual(names(annotations.children), Object.keys(m.annotations));
  assert.deepEqual(
    annotations.children!.map((c) => [c.kind, c.detail]),
    Object.values(m.annotations).map((v) => ['annotation', v]),
  );

  // Spans: a member runs from its key to the end of its value; the selection is the key.
  assert.equal(slice(text, config.selection), '"config"');
  assert.ok(slice(text, config.span).startsWith('"config": {'));
  assert.ok(slice(text, config.span).endsWith('}'));
  // An element spans its object and selects its digest.
  const layer0 = layers.children![0]!;
  assert.equal(slice(text, layer0.selection), `"${m.layers[0]!.digest}"`);
  assert.ok(slice(text, layer0.span).startsWith('{') && slice(text, layer0.span).endsWith('}'));
  // Children lie inside their parent.
  assert.ok(
    layer0.span.offset >= layers.span.offset &&
      layer0.span.offset + layer0.span.length <= layers.span.offset + layers.span.length,
  );
});

test('an index: manifests[i] named by platform, the tag in the detail', () => {
  const idx = specIndex();
  (idx.manifests[1] as Record<string, unknown>).annotations = { 'org.opencontainers.image.ref.name': '1.0' };
  idx.manifests.push({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'d'.repeat(64)}`,
    size: 611,
    annotations: { 'org.opencontainers.image.ref.name': 'latest' },
  } as never);
  idx.manifests.push({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'e'.repeat(64)}`,
    size: 99,
  } as never);
  const text = j(idx);
  const manifests = symbols(text).find((s) => s.name === 'manifests')!;
  assert.equal(manifests.detail, '4 manifests');
  const [a, b, c, d] = manifests.children!;
  assert.equal(a!.name, 'manifests[0] linux/ppc64le');
  assert.equal(b!.name, 'manifests[1] linux/amd64');
  assert.match(b!.detail!, /^1\.0 · OCI manifest · [\d.]+ KiB · sha256:[0-9a-f]{12}$/);
  assert.equal(c!.name, 'manifests[2] latest');
  assert.equal(c!.detail, `OCI manifest · 611 B · sha256:${'d'.repeat(12)}`);
  assert.equal(d!.name, 'manifests[3] (OCI manifest, 99 B)');
  assert.equal(d!.detail, `sha256:${'e'.repeat(12)}`);
  assert.ok(manifests.children!.every((s) => s.kind === 'image'));
});

test('an artifact manifest in an index is named by its artifact type', () => {
  const text = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/spdx+json',
        digest: `sha256:${'f'.repeat(64)}`,
        size: 5,
      },
    ],
  });
  const entry = symbols(text).find((s) => s.name === 'manifests')!.children![0]!;
  assert.equal(entry.name, 'manifests[0] spdx+json');
  assert.equal(entry.detail, `OCI manifest · 5 B · sha256:${'f'.repeat(12)}`);
});

test('an image config: members, one level of children', () => {
  const text = j({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['A=1'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [] },
  });
  const list = symbols(text);
  assert.deepEqual(names(list), ['architecture', 'os', 'config', 'rootfs']);
  const config = list[2]!;
  assert.equal(config.kind, 'object', "an image config's config is not a descriptor");
  assert.deepEqual(names(config.children), ['Env', 'WorkingDir']);
  assert.equal(config.children![0]!.detail, '1 item');
});

test('not served, not an object, and damaged elements', () => {
  assert.deepEqual(symbols(j({ compilerOptions: {} })), []);
  assert.deepEqual(symbols('[1, 2]', 'x.manifest.json'), []);
  const text = j({ ...specManifest(), layers: [42, null, { size: 'big' }] });
  const layers = symbols(text).find((s) => s.name === 'layers')!;
  assert.deepEqual(names(layers.children), ['layers[0]', 'layers[1]', 'layers[2]']);
  assert.equal(layers.children![0]!.detail, '42');
  assert.equal(slice(text, layers.children![2]!.selection), '{');
});

test('a document with a syntax error still gets its outline', () => {
  const text = j(specManifest()).replace(/\n}$/, ',\n');
  const list = symbols(text);
  assert.ok(names(list).includes('layers'));
});

test('maxSymbols bounds a 10,000-entry index', () => {
  const idx = specIndex();
  const entry = idx.manifests[0]!;
  idx.manifests = Array.from({ length: 10_000 }, () => entry);
  const text = j(idx);
  const a = analyze(text);
  const all = outline(a);
  assert.equal(all.find((s) => s.name === 'manifests')!.children!.length, 10_000);
  const few = outline(a, { maxSymbols: 50 });
  const count = (l: OutlineSymbol[]): number => l.reduce((n, s) => n + 1 + count(s.children ?? []), 0);
  assert.equal(count(few), 50);
});
