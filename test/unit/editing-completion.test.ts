/**
 * Completions (server/src/core/editing/completion.ts): each cursor context, on finished and half-typed text.
 * `|` marks the cursor in the test documents.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyze,
  applyEdits,
  completionsAt,
  snippetToPlain,
  type AnalyzeOptions,
  type CompletionEntry,
} from '../../server/src/core/index';
import { EMPTY_BLOB, MT } from '../../server/src/core/catalog/core';
import { lint } from '../helpers';

function complete(marked: string, options: AnalyzeOptions = {}): { text: string; items: CompletionEntry[] } {
  const at = marked.indexOf('|');
  const text = marked.slice(0, at) + marked.slice(at + 1);
  const analysis = analyze(text, options);
  return { text, items: completionsAt(analysis.detection ? analysis : undefined, text, at) };
}

const labels = (items: CompletionEntry[]): string[] =>
  [...items].sort((a, b) => a.sortText.localeCompare(b.sortText)).map((i) => i.label);

/** Inserts an entry the way an editor without snippets would. */
const accept = (text: string, e: CompletionEntry): string =>
  applyEdits(text, [
    {
      offset: e.replace.offset,
      length: e.replace.length,
      newText: e.snippet ? snippetToPlain(e.insertText) : e.insertText,
    },
  ]);

const HEAD = `"schemaVersion": 2,\n  "mediaType": "${MT.manifest}"`;

describe('completion: property names', () => {
  test('the properties the kind defines at the cursor, required first, present ones left out', () => {
    const { items } = complete(`{\n  ${HEAD},\n  |\n}`);
    assert.deepEqual(labels(items), ['config', 'layers', 'artifactType', 'subject', 'annotations']);
    const config = items.find((i) => i.label === 'config')!;
    assert.equal(config.detail, 'required · object');
    assert.equal(config.kind, 'property');
    assert.match(config.documentation!, /descriptor of the configuration blob/);
  });

  test('inserted with a value placeholder of the right type', () => {
    const { items } = complete(`{\n  "mediaType": "${MT.manifest}",\n  |\n}`);
    const by = (l: string) => items.find((i) => i.label === l)!.insertText;
    assert.equal(by('schemaVersion'), '"schemaVersion": 2');
    assert.match(
      by('config'),
      /^"config": \{\n\t"mediaType": "\$\{1:application\/vnd\.oci\.image\.config\.v1\+json\}",\n\t"digest": "sha256:\$\{2\}",\n\t"size": \$\{3:0\}\n\}$/,
    );
    assert.match(
      by('layers'),
      /^"layers": \[\n\t\{\n\t\t"mediaType": "\$\{1:application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip\}"/,
    );
    assert.equal(by('artifactType'), '"artifactType": "$1"');
    assert.equal(items.find((i) => i.label === 'artifactType')!.retrigger, true);
  });

  test('the top-level mediaType of the kind is inserted complete', () => {
    const { items } = complete('{\n  "schemaVersion": 2,\n  "manifests": [],\n  |\n}');
    assert.equal(items.find((i) => i.label === 'mediaType')!.insertText, `"mediaType": "${MT.index}"`);
  });

  test('a half-typed key is replaced with its quotes, filtered with its opening quote', () => {
    const { text, items } = complete(`{\n  ${HEAD},\n  "con|"\n}`);
    const config = items.find((i) => i.label === 'config')!;
    assert.equal(text.slice(config.replace.offset, config.replace.offset + config.replace.length), '"con"');
    assert.equal(config.filterText, '"config"');
  });

  test('a comma is added when another member follows; none when the key already has its colon', () => {
    const { items } = complete(`{\n  ${HEAD},\n  "|"\n  "layers": []\n}`);
    assert.match(items.find((i) => i.label === 'config')!.insertText, /\},$/);
    const renaming = complete(`{\n  ${HEAD},\n  "conf|ig": {}, "layers": []\n}`);
    const config = renaming.items.find((i) => i.label === 'config')!;
    assert.equal(config.insertText, '"config"', 'the key under the cursor is replaced, its value kept');
  });

  test('nested objects: a descriptor, a platform, an image config', () => {
    const d = complete(`{${HEAD}, "config": {"mediaType": "${MT.config}", |}, "layers": []}`);
    assert.deepEqual(labels(d.items), [
      'digest',
      'size',
      'urls',
      'annotations',
      'data',
      'artifactType',
      'platform',
    ]);
    const p = complete(`{"schemaVersion": 2, "mediaType": "${MT.index}", "manifests": [{"platform": {|}}]}`);
    assert.deepEqual(labels(p.items).slice(0, 2), ['architecture', 'os']);
    const c = complete(
      '{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "config": {|}}',
    );
    assert.ok(
      labels(c.items).includes('Env') && labels(c.items).includes('Entrypoint'),
      String(labels(c.items)),
    );
  });

  test('annotation keys: the pre-defined ones first', () => {
    const { items } = complete(
      `{${HEAD}, "config": {}, "layers": [], "annotations": {"org.opencontainers.image.title": "x", "|"}}`,
    );
    const l = labels(items);
    assert.equal(l[0], 'org.opencontainers.image.created');
    assert.ok(!l.includes('org.opencontainers.image.title'), 'present keys are left out');
    assert.ok(l.includes('org.opencontainers.image.licenses'));
    assert.equal(
      items.find((i) => i.label === 'org.opencontainers.image.licenses')!.insertText,
      '"org.opencontainers.image.licenses": "$1"',
    );
  });

  test('accepting a property gives valid JSON', () => {
    const { text, items } = complete(`{\n  ${HEAD},\n  |\n}`);
    let doc = accept(
      text,
      items.find((i) => i.label === 'layers')!,
    );
    assert.doesNotThrow(() => JSON.parse(doc), doc);
    const again = complete(doc.replace(/\n}$/, ',\n  |\n}'));
    doc = accept(
      again.text,
      again.items.find((i) => i.label === 'config')!,
    );
    assert.deepEqual(Object.keys(JSON.parse(doc)), ['schemaVersion', 'mediaType', 'layers', 'config']);
  });
});

describe('completion: values', () => {
  const layersAt = (mt: string) => `{${HEAD}, "config": {}, "layers": [{"mediaType": ${mt}}]}`;

  test('layer media types in layers (the usual one first, deprecated last)', () => {
    const { items } = complete(layersAt('"|"'));
    const l = labels(items);
    assert.equal(l[0], MT.layerGzip);
    assert.equal(items.find((i) => i.label === MT.layerGzip)!.preselect, true);
    assert.ok(l.includes(MT.layerZstd));
    assert.ok(
      !l.includes(MT.config) && !l.includes(MT.manifest) && !l.includes(MT.dockerLayer),
      'only layer types of this format',
    );
    const deprecated = items.find(
      (i) => i.label === 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    )!;
    assert.equal(deprecated.deprecated, true);
    assert.equal(l[l.length - 1]!.includes('nondistributable'), true);
  });

  test('config types in config, manifest types in manifests and subject', () => {
    const config = labels(complete(`{${HEAD}, "config": {"mediaType": "|"}, "layers": []}`).items);
    assert.equal(config[0], MT.config);
    assert.ok(config.includes(MT.empty) && config.includes('application/vnd.cncf.helm.config.v1+json'));
    assert.ok(!config.includes(MT.layerGzip));
    const manifests = labels(
      complete(`{"schemaVersion": 2, "mediaType": "${MT.index}", "manifests": [{"mediaType": "|"}]}`).items,
    );
    assert.deepEqual(manifests.slice(0, 2), [MT.manifest, MT.index]);
    assert.ok(!manifests.includes(MT.dockerManifest));
    const subject = labels(
      complete(`{${HEAD}, "config": {}, "layers": [], "subject": {"mediaType": "|"}}`).items,
    );
    assert.equal(subject[0], MT.manifest);
  });

  test('Docker types in Docker documents', () => {
    const list = labels(
      complete(`{"schemaVersion": 2, "mediaType": "${MT.dockerList}", "manifests": [{"mediaType": "|"}]}`)
        .items,
    );
    assert.equal(list[0], MT.dockerManifest);
    assert.ok(!list.includes(MT.manifest));
    const layers = labels(
      complete(
        `{"schemaVersion": 2, "mediaType": "${MT.dockerManifest}", "config": {}, "layers": [{"mediaType": "|"}]}`,
      ).items,
    );
    assert.equal(layers[0], MT.dockerLayer);
    assert.ok(!layers.includes(MT.layerGzip));
  });

  test('artifact types from the catalog for artifactType', () => {
    const l = labels(complete(`{${HEAD}, "artifactType": "|", "config": {}, "layers": []}`).items);
    assert.ok(l.includes('application/spdx+json') && l.includes('application/vnd.cncf.helm.config.v1+json'));
    assert.ok(!l.includes(MT.layerGzip));
  });

  test('os, architecture, and the variants of the chosen architecture', () => {
    const idx = (p: string) =>
      `{"schemaVersion": 2, "mediaType": "${MT.index}", "manifests": [{"platform": ${p}}]}`;
    assert.equal(labels(complete(idx('{"os": "|"}')).items)[0], 'linux');
    const arch = labels(complete(idx('{"architecture": "|"}')).items);
    assert.deepEqual(arch.slice(0, 3), ['amd64', 'arm64', 'arm']);
    assert.deepEqual(labels(complete(idx('{"architecture": "arm", "variant": "|"}')).items), [
      'v5',
      'v6',
      'v7',
      'v8',
    ]);
    assert.ok(labels(complete(idx('{"architecture": "amd64", "variant": "|"}')).items).includes('v3'));
    assert.ok(
      labels(complete(idx('{"architecture": "aarch64", "variant": "|"}')).items).includes('v8'),
      'a near-miss architecture still gets its variants',
    );
  });

  test('a value after a colon with nothing yet (the next member follows: a comma is added)', () => {
    const { text, items } = complete(
      `{${HEAD}, "config": {"mediaType": | \n "digest": "sha256:x"}, "layers": []}`,
    );
    const first = items[0]!;
    assert.equal(first.label, MT.config);
    assert.equal(first.insertText, `"${MT.config}",`);
    assert.equal(first.replace.length, 0);
    assert.match(
      accept(text, first),
      /"mediaType": "application\/vnd\.oci\.image\.config\.v1\+json", \n "digest"/,
    );
  });

  test('a half-typed value replaces the string; an unquoted word is filtered without quotes', () => {
    const q = complete(layersAt('"application/vnd.oci.image.layer.v1.tar+|"'));
    const e = q.items.find((i) => i.label === MT.layerZstd)!;
    assert.equal(
      q.text.slice(e.replace.offset, e.replace.offset + e.replace.length),
      '"application/vnd.oci.image.layer.v1.tar+"',
    );
    assert.equal(e.filterText, `"${MT.layerZstd}"`);
    const w = complete(
      `{"schemaVersion": 2, "mediaType": "${MT.index}", "manifests": [{"platform": {"os": lin|}}]}`,
    );
    const linux = w.items.find((i) => i.label === 'linux')!;
    assert.equal(linux.filterText, 'linux');
    assert.equal(
      accept(w.text, linux),
      `{"schemaVersion": 2, "mediaType": "${MT.index}", "manifests": [{"platform": {"os": "linux"}}]}`,
    );
  });

  test('schema constants: schemaVersion, imageLayoutVersion, rootfs.type', () => {
    assert.deepEqual(
      labels(
        complete(`{"schemaVersion": |, "mediaType": "${MT.manifest}", "config": {}, "layers": []}`).items,
      ),
      ['2'],
    );
    assert.deepEqual(labels(complete('{"imageLayoutVersion": "|"}', { fileName: 'oci-layout' }).items), [
      '1.0.0',
    ]);
    assert.deepEqual(
      labels(
        complete('{"architecture": "amd64", "os": "linux", "rootfs": {"type": "|", "diff_ids": []}}').items,
      ),
      ['layers'],
    );
  });

  test('the empty descriptor fills in its digest and size', () => {
    const { items } = complete(
      `{${HEAD}, "artifactType": "application/spdx+json", "config": {"mediaType": "${MT.empty}", "digest": "|"}, "layers": []}`,
    );
    assert.equal(items[0]!.label, EMPTY_BLOB.digest);
  });
});

describe('completion: snippets', () => {
  test('a blank document offers whole documents; the kind its file name suggests comes first', () => {
    const blank = complete('|');
    assert.deepEqual(
      blank.items.map((i) => i.label),
      [
        'OCI image manifest',
        'OCI image index (multi-architecture)',
        'OCI artifact (image manifest with artifactType)',
        'Docker manifest list (multi-architecture)',
        'Docker image manifest (schema 2)',
      ],
    );
    const named = complete('{|}', { fileName: '/x/app.index.json' });
    assert.equal(named.items[0]!.label, 'OCI image index (multi-architecture)');
    assert.equal(named.items[0]!.replace.length, 2, 'replaces the empty object');
    assert.equal(complete('{"name": |}').items.length, 0, 'nothing in JSON that is not a manifest');
  });

  test('every document snippet, filled in, is a document of its kind with no errors but the placeholders', () => {
    for (const e of complete('|').items) {
      const doc = snippetToPlain(e.insertText);
      const value = JSON.parse(doc);
      assert.equal(value.schemaVersion, 2, e.label);
      const errors = lint(doc).filter((f) => f.severity === 'error' && !/digest/.test(f.code));
      assert.deepEqual(
        errors.map((f) => f.message),
        [],
        e.label,
      );
    }
  });

  test('the artifact snippet uses the empty config and artifactType', () => {
    const artifact = complete('|').items.find((i) => i.label.startsWith('OCI artifact'))!;
    const value = JSON.parse(snippetToPlain(artifact.insertText));
    assert.deepEqual(value.config, { mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: EMPTY_BLOB.size });
    assert.equal(value.artifactType, 'application/vnd.example+json');
  });

  test('descriptors in layers and manifests, the empty descriptor, a platform', () => {
    const layers = complete(`{${HEAD}, "config": {}, "layers": [|]}`);
    assert.deepEqual(labels(layers.items), ['OCI layer descriptor', 'Empty descriptor']);
    const next = complete(`{${HEAD}, "config": {}, "layers": [|{"mediaType": "${MT.layerGzip}"}]}`);
    assert.match(next.items[0]!.insertText, /\},$/, 'a comma before the next element');
    const manifests = complete(`{"schemaVersion": 2, "mediaType": "${MT.index}", "manifests": [\n  |\n]}`);
    const entry = manifests.items[0]!;
    assert.equal(entry.label, 'OCI manifest (with platform) descriptor');
    assert.deepEqual(JSON.parse(snippetToPlain(entry.insertText)).platform, {
      architecture: 'amd64',
      os: 'linux',
    });
    const config = labels(complete(`{${HEAD}, "config": |, "layers": []}`).items);
    assert.deepEqual(config.slice(0, 2), ['OCI config descriptor', 'Empty descriptor']);
    const platform = complete(
      `{"schemaVersion": 2, "mediaType": "${MT.index}", "manifests": [{"platform": |}]}`,
    );
    assert.equal(platform.items[0]!.label, 'Platform');
    assert.equal(
      platform.items[0]!.insertText,
      '{\n\t"architecture": "${1|amd64,arm64,arm,ppc64le,s390x,riscv64,386|}",\n\t"os": "${2|linux,windows|}"\n}',
    );
  });

  test('snippetToPlain keeps defaults, first choices, and drops empty tab stops', () => {
    assert.equal(snippetToPlain('"${1:a\\}b}" $2 ${3|x,y|} ${4} \\$5'), '"a}b"  x  $5');
  });
});

describe('completion: typing', () => {
  test('right after a typed colon the value gets a space', () => {
    const { text, items } = complete(`{${HEAD}, "config": {"mediaType":|}, "layers": []}`);
    assert.equal(items[0]!.insertText, ` "${MT.config}"`);
    assert.match(accept(text, items[0]!), /"mediaType": "application\/vnd\.oci\.image\.config\.v1\+json"\}/);
  });

  test('an unquoted word in a key position is replaced by the quoted key', () => {
    const { text, items } = complete(`{\n  ${HEAD},\n  conf|\n}`);
    const config = items.find((i) => i.label === 'config')!;
    assert.equal(config.filterText, 'config');
    assert.match(accept(text, config), /\n {2}"config": \{\n\t"mediaType"/);
  });
});
