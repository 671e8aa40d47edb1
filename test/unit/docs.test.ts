// docs/rules.md is generated from the one rule table (`npm run docs`); it must not drift from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rulesMarkdown } from '../../server/src/cli/rules';
import { RULES } from '../../server/src/core/codes';

test('docs/rules.md is the rule table as generated', () => {
  const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
  assert.equal(doc, rulesMarkdown(), 'run `npm run docs` to regenerate docs/rules.md');
});

test('every rule code is unique, well-formed and documented', () => {
  const codes = RULES.map((r) => r.code);
  assert.equal(new Set(codes).size, codes.length, 'codes are unique');
  for (const r of RULES) {
    assert.match(r.code, /^(oci|docker)\/[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(r.title.length > 10 && r.description.length > 30, `${r.code} is documented`);
  }
});

test('docs/conformance.md lists the corpus as it is', async () => {
  const { conformanceMarkdown } = await import('../../scripts/conformance-doc.mjs');
  const doc = readFileSync(new URL('../../docs/conformance.md', import.meta.url), 'utf8');
  assert.equal(doc, conformanceMarkdown(), 'run `npm run docs` to regenerate docs/conformance.md');
});
