// The conformance corpus: valid documents of every kind must lint clean; each invalid document, which breaks one
// spec requirement, must get the codes its .expect.json names. Run through the core here and through the CLI
// in test/cli/conformance.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../server/src/core/index';
import { RULE_BY_CODE } from '../../server/src/core/codes';
import { isDocumentKind, type DocumentKind } from '../../server/src/core/kinds';
import { corpus } from '../conformance';

test('valid documents of every kind lint with no error or warning', () => {
  const kinds = new Set<string>();
  for (const { file, name } of corpus('valid')) {
    const text = readFileSync(file, 'utf8');
    const r = analyze(text, { fileName: file });
    assert.ok(r.detection, `${name} is detected as a manifest kind`);
    kinds.add(r.detection.kind);
    const bad = r.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
    assert.deepEqual(
      bad.map((f) => `${f.code}: ${f.message}`),
      [],
      name,
    );
  }
  for (const k of [
    'image-manifest',
    'image-index',
    'image-config',
    'layout-header',
    'docker-manifest',
    'docker-manifest-list',
  ]) {
    assert.ok(kinds.has(k), `the valid corpus has a ${k}`);
  }
});

test('each invalid document gets the codes it names', () => {
  const invalid = corpus('invalid');
  assert.ok(invalid.length > 0);
  for (const { file, name, expect } of invalid) {
    assert.ok(
      expect && expect.codes.length > 0 && expect.requirement && expect.source,
      `${name} has a complete .expect.json`,
    );
    for (const code of expect.codes) assert.ok(RULE_BY_CODE.has(code), `${name}: ${code} is a known rule`);
    const kind = expect.kind;
    if (kind !== undefined) assert.ok(isDocumentKind(kind), `${name}: kind ${kind}`);
    const text = readFileSync(file, 'utf8');
    const options = { fileName: file, ...expect.origin, kind: kind as DocumentKind | undefined };
    const got = new Set(analyze(text, options).findings.map((f) => f.code));
    for (const code of expect.codes)
      assert.ok(got.has(code), `${name}: expected ${code}, got ${[...got].join(', ') || 'nothing'}`);
  }
});
