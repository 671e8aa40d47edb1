import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import { caseVariantOf } from '../../server/src/core/checks/json';
import { DOCUMENT_KINDS } from '../../server/src/core/kinds';
import { schemaRoot, type SchemaPlace } from '../../server/src/core/schemas';
import { unknownKeys } from '../../server/src/core/keys';

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

test('JSON level: duplicate keys, BOM, syntax errors, key case', () => {
  const dup = '{"schemaVersion": 2, "config": {}, "layers": [], "schemaVersion": 2}';
  expectOne(dup, 'oci/duplicate-key', '"schemaVersion"', { occurrence: 1, severity: 'error' });
  const bom = '\ufeff' + j(specManifest());
  expectOne(bom, 'oci/byte-order-mark', '\ufeff');
  const broken = '{"schemaVersion": 2, "config": {}, "layers": [}';
  const syn = lint(broken, { fileName: 'x.manifest.json' }).filter((f) => f.code === 'oci/json-syntax');
  assert.ok(syn.length >= 1);
  assert.equal(syn[0]!.offset, broken.indexOf('}]') >= 0 ? broken.indexOf('}]') : broken.lastIndexOf('}'));
  const cased = j({ ...specManifest(), Layers: [] });
  expectOne(cased, 'oci/key-case', '"Layers"', { severity: 'warning' });
  // Layers next to layers is a distinct key, and annotations keys are free-form.
  const m = specManifest();
  expectNone(j({ ...m, annotations: { Layers: 'x' } }), 'oci/key-case');
});

test("oci/key-case deep in a document, on both sides of the walk's recursion limit", () => {
  // The walk recurses 48 levels and continues on an explicit stack; a finding must carry its full path either way.
  for (const levels of [10, 47, 48, 49, 60]) {
    let inner: unknown = { MediaType: 'x', annotations: { Digest: 'free-form' } };
    for (let k = 0; k < levels; k++) inner = [inner];
    const text = j({ ...specManifest(), layers: inner });
    const f = expectOne(text, 'oci/key-case', '"MediaType"');
    assert.deepEqual(f.data, { replacement: 'mediaType' }, String(levels));
    expectNone(text.replace('"MediaType"', '"mediaType"'), 'oci/key-case');
  }
  // Through objects too: below the limit, the path is rebuilt from the walk's explicit stack.
  for (const levels of [47, 60]) {
    let inner: unknown = { Digest: 'x' };
    for (let k = 0; k < levels; k++) inner = { [`k${k}`]: inner };
    const text = j({ ...specManifest(), annotations: undefined, extra: inner });
    const f = expectOne(text, 'oci/key-case', '"Digest"');
    assert.deepEqual(f.data, { replacement: 'digest' }, String(levels));
  }
});

test('the shared key walk records unknown keys in document order, and at most 100,000 of them', () => {
  const small = unknownKeys('image-manifest', { ...specManifest(), Layers: [], extra: { MediaType: 'x' } });
  assert.deepEqual(
    small.map((u) => [...u.parent, u.key].join('/')),
    ['Layers', 'extra', 'extra/MediaType'],
  );
  const many: Record<string, string> = {};
  for (let i = 0; i < 150_000; i++) many[`k${i}`] = '';
  const capped = unknownKeys('image-manifest', { ...specManifest(), extra: many });
  assert.equal(capped.length, 100_000);
  assert.equal(capped[0]!.key, 'extra');
});

test('every key a schema defines is spelled as specified, so oci/key-case reads only unknown keys', () => {
  // The key-case check reads the unknown keys of the shared walk; a defined key with a case variant among
  // the specified keys would be skipped, so none may exist.
  const seen = new Set<SchemaPlace>();
  const names: string[] = [];
  const visit = (place: SchemaPlace | undefined): void => {
    if (!place || seen.has(place)) return;
    seen.add(place);
    for (const [name, sub] of place.properties()) {
      names.push(name);
      visit(sub);
    }
    visit(place.items());
    visit(place.additional());
  };
  for (const kind of DOCUMENT_KINDS) visit(schemaRoot(kind));
  assert.ok(names.includes('mediaType') && names.includes('ExposedPorts'), 'the walk reached the schemas');
  assert.deepEqual(
    names.filter((n) => caseVariantOf(n) !== undefined),
    [],
  );
  assert.equal(caseVariantOf('MediaType'), 'mediaType', 'the helper finds case variants');
});

test('oci/encoding: a raw NUL is found at its offset; an escaped one (valid JSON) is not a finding', () => {
  const clean = j(specManifest());
  const raw = clean.replace('"value1"', '"val\u0000ue1"');
  const f = lint(raw).filter((x) => x.code === 'oci/encoding');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.offset, raw.indexOf('\u0000'));
  const escaped = clean.replace('"value1"', '"val\\u0000ue1"');
  assert.equal(JSON.parse(escaped).annotations['com.example.key1'], 'val\u0000ue1');
  expectNone(escaped, 'oci/encoding');
});

test('unrelated JSON is not served', () => {
  assert.deepEqual(lint(j({ name: 'my-package', version: '1.0.0', dependencies: {} })), []);
  assert.deepEqual(lint('{"bad json'), []);
});
