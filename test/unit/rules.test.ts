// The rule table is complete: every code a check, the facade, the CLI or verification can emit is declared in it
// (found in the source, not by running documents: a branch that no test reaches still counts), every rule a family
// module declares is registered in its family, and every fix belongs to a rule of the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKS } from '../../server/src/core/checks';
import { coreRules, resolveSeverity, RULE_BY_CODE, RULES } from '../../server/src/core/codes';
import { analyze } from '../../server/src/core/index';
import type { Rule } from '../../server/src/core/rule';
import { SEVERITIES } from '../../server/src/core/findings';
import { lint } from '../helpers';

const SRC = new URL('../../server/src/', import.meta.url).pathname;
const CHECKS_DIR = join(SRC, 'core', 'checks');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (e.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Rule codes written as string literals in source text, outside comments (a prefix test is not a code). */
function codeLiterals(source: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = [];
  source.split('\n').forEach((text, i) => {
    const trimmed = text.trim();
    if (trimmed.startsWith('*') || trimmed.startsWith('//') || trimmed.startsWith('/*')) return;
    for (const m of text.matchAll(/(?<!startsWith\()(['"])((?:oci|docker)\/[a-z0-9]+(?:-[a-z0-9]+)*)\1/g))
      out.push({ code: m[2]!, line: i + 1 });
  });
  return out;
}

test('every rule code written in the source is declared in the rule table', () => {
  const unknown: string[] = [];
  let seen = 0;
  for (const file of sources(SRC)) {
    for (const { code, line } of codeLiterals(readFileSync(file, 'utf8'))) {
      seen++;
      if (!RULE_BY_CODE.has(code)) unknown.push(`${file.slice(SRC.length)}:${line} ${code}`);
    }
  }
  assert.deepEqual(unknown, []);
  // The scan finds the declarations themselves, so it cannot silently match nothing.
  assert.ok(seen >= RULES.length, `${seen} code literals for ${RULES.length} rules`);
});

test('the scan finds declared and reported codes, and not prefixes or comments', () => {
  const source = [
    "export const typo = rule({ code: 'oci/no-such-rule', severity: 'error' });",
    'ctx.report(typo, { path: [] }, "A message.");',
    'push("docker/another-one", span, \'x\');',
    "if (f.code.startsWith('oci/annotation')) return;",
    ' * `oci/in-a-comment` is documentation.',
    "const spec = 'docker/manifest-v2-2.md';",
  ].join('\n');
  assert.deepEqual(codeLiterals(source), [
    { code: 'oci/no-such-rule', line: 1 },
    { code: 'docker/another-one', line: 3 },
  ]);
  assert.equal(RULE_BY_CODE.has('oci/no-such-rule'), false);
});

test('every rule a family module declares is one of its family rules, and each code is declared once', async () => {
  const families = new Map(CHECKS.map((c) => [c.id, c]));
  for (const file of readdirSync(CHECKS_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
    const mod = (await import(join(CHECKS_DIR, file))) as Record<string, unknown>;
    const declared = Object.values(mod).filter(
      (v): v is Rule =>
        typeof v === 'object' && v !== null && typeof (v as Rule).code === 'string' && 'severity' in v,
    );
    assert.ok(declared.length > 0, `${file} declares rules`);
    const family = [...families.values()].find((c) => declared.every((r) => c.rules.includes(r)));
    assert.ok(
      family,
      `${file}: every declared rule is in one family's rules (${declared.map((r) => r.code)})`,
    );
    for (const r of declared) assert.equal(RULE_BY_CODE.get(r.code), r, `${r.code} is the table's entry`);
  }
  const codes = RULES.map((r) => r.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const r of coreRules) assert.equal(RULE_BY_CODE.get(r.code), r);
});

test('every rule has a default severity, and fixes only exist on rules of the table', () => {
  for (const r of RULES) {
    assert.ok(SEVERITIES.includes(r.severity), r.code);
    if (r.fix) assert.equal(typeof r.fix, 'function', r.code);
  }
  const fixable = RULES.filter((r) => r.fix).map((r) => r.code);
  assert.ok(fixable.includes('oci/digest-format') && fixable.includes('oci/artifact-manifest-removed'));
});

test('resolveSeverity: an override wins, "off" drops, an unknown level is ignored, else the default', () => {
  assert.equal(resolveSeverity('oci/digest-format'), 'error');
  assert.equal(resolveSeverity('oci/digest-format', { 'oci/digest-format': 'info' }), 'info');
  assert.equal(resolveSeverity('oci/digest-format', { 'oci/digest-format': 'off' }), 'off');
  assert.equal(
    resolveSeverity('oci/digest-format', { 'oci/digest-format': 'loud' as unknown as 'info' }),
    'error',
  );
  assert.equal(resolveSeverity('oci/annotation-legacy-key', {}), 'info');
  // The facade resolves through it: the override reaches the finding, "off" removes it.
  const text = JSON.stringify({
    schemaVersion: 2,
    manifests: [],
    mediaType: 'application/vnd.oci.image.index.v1+json',
    annotations: { '': 'x' },
  });
  assert.equal(lint(text)[0]?.severity, 'warning');
  assert.equal(lint(text, { severities: { 'oci/annotation-key-form': 'hint' } })[0]?.severity, 'hint');
  assert.deepEqual(lint(text, { severities: { 'oci/annotation-key-form': 'off' } }), []);
});

test('the findings summary respects its own severity override', () => {
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [],
    annotations: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, 'v'])),
  });
  const summary = (o: Parameters<typeof analyze>[1]) =>
    analyze(text, { maxFindings: 2, ...o }).findings.filter((f) => f.code === 'oci/too-many-findings');
  assert.deepEqual(
    summary({}).map((f) => f.severity),
    ['info'],
  );
  assert.deepEqual(
    summary({ severities: { 'oci/too-many-findings': 'warning' } }).map((f) => f.severity),
    ['warning'],
  );
  assert.deepEqual(summary({ severities: { 'oci/too-many-findings': 'off' } }), []);
});

test('every rule added or changed for spec truth on real-world documents names the sentence it enforces', () => {
  const codes = [
    // added
    'oci/index-entry-type',
    'oci/ref-name-place',
    'docker/config-legacy-type',
    'oci/manifest-size',
    'oci/json-unicode',
    'oci/url-syntax',
    'oci/url-scheme',
    'oci/urls-registry',
    // changed
    'oci/media-type-mismatch',
    'oci/media-type-missing',
    'oci/media-type-position',
    'oci/media-type-mixed',
    'oci/media-type-look-alike',
    'oci/annotation-value-type',
    'oci/annotation-format',
    'oci/annotation-look-alike',
    'oci/annotation-reserved',
    'oci/annotation-legacy-key',
    'oci/annotation-key-form',
    'oci/artifact-config-type',
    'oci/subject-not-manifest',
    'docker/config-media-type',
    'oci/layout-index-kind',
    'oci/type',
    'oci/reduced-checks',
  ];
  for (const code of codes) {
    const r = RULE_BY_CODE.get(code);
    assert.ok(r, code);
    assert.ok(r.sentence && r.sentence.length > 30 && /\.$/.test(r.sentence), `${code} names its sentence`);
  }
  // The generated docs carry it.
  const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
  for (const code of codes) {
    const section = doc.slice(doc.indexOf(`## \`${code}\``));
    assert.ok(section.slice(0, section.indexOf('\n## ', 5)).includes('- Enforces: '), code);
  }
});
