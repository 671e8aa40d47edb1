// The JSON family (server/src/core/checks/json.ts): syntax, duplicate keys, the byte-order mark, encoding and
// keys that differ from a specified key only by letter case, with their fixes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { expectNone, expectOne, j, lint, specManifest } from '../helpers';
import { caseVariantOf } from '../../server/src/core/checks/json';
import { DOCUMENT_KINDS } from '../../server/src/core/kinds';
import { schemaRoot, type SchemaPlace } from '../../server/src/core/schemas';
import { unknownKeys } from '../../server/src/core/keys';

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

describe('quick-fixes: annotations and keys', () => {
  test('a case variant is respelt', () => {
    const { annotations, ...rest } = specManifest();
    applyFix(j({ ...rest, Annotations: annotations }), 'oci/key-case');
  });

  test('a byte-order mark is removed', () => {
    const r = applyFix(`\uFEFF${j(specManifest())}`, 'oci/byte-order-mark');
    assert.equal(r.after, j(specManifest()));
  });
});

test('oci/json-unicode: lone surrogate escapes and noncharacters are I-JSON errors, on the escape', () => {
  const withTitle = (raw: string) =>
    j(specManifest()).replace('"com.example.key1": "value1"', `"com.example.key1": "a${raw}b"`);
  for (const raw of ['\\ud800', '\\uDBFF', '\\udc00', '\\uDFFF']) {
    const f = expectOne(withTitle(raw), 'oci/json-unicode', raw, { severity: 'error' });
    assert.match(f.message, /a lone surrogate/);
  }
  for (const raw of ['\\ufdd0', '\\uFDEF', '\\uFFFE', '\\uffff', '\\ud83f\\udffe', '\\uDBFF\\uDFFF']) {
    const f = expectOne(withTitle(raw), 'oci/json-unicode', raw, { severity: 'error' });
    assert.match(f.message, /the noncharacter U\+/);
  }
  // A whole pair, another escape, an escaped backslash before "u", and raw text are fine.
  for (const ok of ['\\ud83d\\ude00', '\\u00e9', '\\\\ud800', 'é😀', '\\ufdcf', '\\ufdf0', '\\ufffd'])
    expectNone(withTitle(ok), 'oci/json-unicode');
  // Raw characters too: a lone surrogate (an editor can hold one) and a noncharacter.
  expectOne(withTitle('\ud800'), 'oci/json-unicode', '\ud800');
  const f = expectOne(withTitle('\u{10FFFF}'), 'oci/json-unicode', '\u{10FFFF}');
  assert.match(f.message, /U\+10FFFF/);
  // In a key as well, and in a document too deep for the full check.
  expectOne(
    '{"schemaVersion": 2, "manifests": [], "annotations": {"k\\udc00": "v"}}',
    'oci/json-unicode',
    '\\udc00',
  );
  const deep = `{"schemaVersion": 2, "manifests": [], "annotations": {"x": "\\ud800"}, "z": ${'['.repeat(80)}${']'.repeat(80)}}`;
  const all = lint(deep).map((x) => x.code);
  assert.ok(all.includes('oci/reduced-checks') && all.includes('oci/json-unicode'), String(all));
});
