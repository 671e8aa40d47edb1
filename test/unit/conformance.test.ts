// The conformance corpus: valid documents of every kind, and layouts as real tools write them, must lint with no
// error or warning (and get the notes their .expect.json names); each invalid document, which breaks one spec
// requirement, must get the codes its .expect.json names. Run through the core here and through the CLI in
// test/cli/conformance.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/core/index';
import { RULE_BY_CODE } from '../../server/src/core/codes';
import { isDocumentKind, type DocumentKind } from '../../server/src/core/kinds';
import type { Finding } from '../../server/src/core/findings';
import { corpus, documents, type Expectation, type Fixture, type PassExpectation } from '../conformance';

/** Every finding of a fixture's documents, by file; the kinds they were read as. */
function lintFixture(fixture: Fixture<Expectation | PassExpectation>) {
  const kind = fixture.expect?.kind as DocumentKind | undefined;
  const findings: { file: string; finding: Finding }[] = [];
  const kinds: string[] = [];
  for (const doc of documents(fixture)) {
    const r = analyze(doc.text, { ...doc.origin, kind });
    if (!r.detection) {
      assert.ok(fixture.directory, `${fixture.name} is detected as a manifest kind`);
      continue;
    }
    kinds.push(r.detection.kind);
    for (const finding of r.findings) findings.push({ file: doc.file, finding });
  }
  return { findings, kinds };
}

test('valid documents of every kind, and real tools’ layouts, lint with no error (and no warning they do not name)', () => {
  const kinds = new Set<string>();
  for (const fixture of corpus('valid')) {
    const r = lintFixture(fixture);
    assert.ok(r.kinds.length > 0, `${fixture.name}: something was linted`);
    r.kinds.forEach((k) => kinds.add(k));
    const allowed = new Set(fixture.expect?.warnings ?? []);
    const bad = r.findings.filter(
      (f) =>
        f.finding.severity === 'error' || (f.finding.severity === 'warning' && !allowed.has(f.finding.code)),
    );
    assert.deepEqual(
      bad.map(
        (f) => `${f.file.slice(f.file.indexOf(fixture.name))}: ${f.finding.code}: ${f.finding.message}`,
      ),
      [],
      fixture.name,
    );
    const expect = fixture.expect;
    if (expect) {
      assert.ok(expect.source && expect.requirement, `${fixture.name} has a complete .expect.json`);
      const got = new Set(r.findings.map((f) => f.finding.code));
      for (const code of expect.notes ?? []) {
        assert.equal(RULE_BY_CODE.get(code)?.severity, 'info', `${fixture.name}: ${code} is a note`);
        assert.ok(got.has(code), `${fixture.name}: expected the note ${code}, got ${[...got].join(', ')}`);
      }
      for (const code of expect.warnings ?? []) {
        assert.equal(RULE_BY_CODE.get(code)?.severity, 'warning', `${fixture.name}: ${code} is a warning`);
        assert.ok(got.has(code), `${fixture.name}: expected the warning ${code}, got ${[...got].join(', ')}`);
      }
    }
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
  for (const fixture of invalid) {
    const { name, expect } = fixture;
    assert.ok(
      expect && expect.codes.length > 0 && expect.requirement && expect.source,
      `${name} has a complete .expect.json`,
    );
    for (const code of expect.codes) assert.ok(RULE_BY_CODE.has(code), `${name}: ${code} is a known rule`);
    if (expect.kind !== undefined) assert.ok(isDocumentKind(expect.kind), `${name}: kind ${expect.kind}`);
    const got = new Set(lintFixture(fixture).findings.map((f) => f.finding.code));
    for (const code of expect.codes)
      assert.ok(got.has(code), `${name}: expected ${code}, got ${[...got].join(', ') || 'nothing'}`);
  }
});
