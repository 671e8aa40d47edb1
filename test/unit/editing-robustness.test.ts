/**
 * Hover, completion and quick-fixes never throw, whatever the document and the cursor: every offset of every
 * conformance document (valid and invalid), of truncated copies (text being typed), and every finding's fixes,
 * whose edits must apply cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, applyEdits, completionsAt, fixAll, fixesFor, hoverAt } from '../../server/src/core/index';

const DIR = new URL('../fixtures/conformance/', import.meta.url).pathname;
const documents = ['valid', 'invalid'].flatMap((sub) =>
  readdirSync(join(DIR, sub))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expect.json'))
    .map((f) => ({ name: `${sub}/${f}`, text: readFileSync(join(DIR, sub, f), 'utf8') })),
);

/** Offsets to probe: all of a small document, a spread over a large one. */
function probes(text: string): number[] {
  if (text.length <= 3000) return Array.from({ length: text.length + 1 }, (_, i) => i);
  return Array.from({ length: 3001 }, (_, i) => Math.floor((i * text.length) / 3000));
}

test('hover and completion answer at every offset of the conformance corpus', () => {
  assert.ok(documents.length > 100);
  for (const { name, text } of documents) {
    const analysis = analyze(text, { fileName: name });
    for (const o of probes(text)) {
      assert.doesNotThrow(() => hoverAt(analysis, o), `${name} @${o}`);
      assert.doesNotThrow(
        () => completionsAt(analysis.detection ? analysis : undefined, text, o),
        `${name} @${o}`,
      );
    }
  }
});

test('half-typed documents (every prefix of a few) get answers without errors', () => {
  for (const { name, text } of documents.filter((_, i) => i % 20 === 0)) {
    for (let cut = 0; cut <= Math.min(text.length, 1500); cut += 7) {
      const part = text.slice(0, cut);
      const analysis = analyze(part, { fileName: name });
      assert.doesNotThrow(() => hoverAt(analysis, cut), `${name} cut at ${cut}`);
      assert.doesNotThrow(
        () => completionsAt(analysis.detection ? analysis : undefined, part, cut),
        `${name} cut at ${cut}`,
      );
    }
  }
});

test("every finding's fixes apply cleanly, and fix-all never makes a document worse", () => {
  for (const { name, text } of documents) {
    const analysis = analyze(text, { fileName: name });
    for (const f of analysis.findings) {
      for (const fix of fixesFor(analysis, f)) {
        assert.ok(fix.edits.length > 0, `${name}: ${fix.title}`);
        const after = applyEdits(text, fix.edits);
        assert.notEqual(after, text, `${name}: ${fix.title} changes the text`);
      }
    }
    const edits = fixAll(analysis);
    if (!edits.length) continue;
    const after = applyEdits(text, edits);
    const errorsBefore = analysis.findings.filter((x) => x.severity === 'error').length;
    const errorsAfter = analyze(after, { fileName: name }).findings.filter(
      (x) => x.severity === 'error',
    ).length;
    assert.ok(
      errorsAfter <= errorsBefore,
      `${name}: ${errorsBefore} errors before fix-all, ${errorsAfter} after`,
    );
  }
});
