// The conformance corpus through the built CLI: the same codes as through the core (test/unit/conformance.test.ts).
// Layout fixtures are linted as directories; a document that must sit in a layout's place is copied into a
// temporary layout first.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cliTarget, corpus, type Expectation, type Fixture, type PassExpectation } from '../conformance';
import { cli, ensureCli } from './cli';

interface FileResult {
  file: string;
  kind: string | null;
  diagnostics: { code: string; severity: string }[];
}

before(ensureCli);

/** Lints the fixtures' targets in one CLI call (`kind` forced when given); each fixture's linted files. */
function lintAll(fixtures: Fixture<Expectation | PassExpectation>[], kind?: string) {
  const targets = fixtures.map((f) => ({ fixture: f, ...cliTarget(f) }));
  try {
    const r = cli([
      'lint',
      '--format',
      'json',
      ...(kind ? ['--kind', kind] : []),
      ...targets.map((t) => t.path),
    ]);
    const out = JSON.parse(r.stdout) as FileResult[];
    const byFixture = new Map(targets.map((t) => [t.fixture, out.filter((f) => t.owns(f.file))]));
    return { status: r.status, out, byFixture };
  } finally {
    for (const t of targets) t.cleanup();
  }
}

test('valid documents and layouts lint without error through the CLI (exit 0), with their notes', () => {
  const fixtures = corpus('valid');
  const { status, byFixture } = lintAll(fixtures);
  const bad: string[] = [];
  for (const [fixture, files] of byFixture) {
    // A document is one linted file; a layout is several.
    if (fixture.directory) assert.ok(files.length > 1, `${fixture.name} was linted`);
    else assert.equal(files.length, 1, `${fixture.name} was linted`);
    const expect = fixture.expect as PassExpectation | undefined;
    const allowed = new Set(expect?.warnings ?? []);
    for (const f of files)
      for (const d of f.diagnostics)
        if (d.severity === 'error' || (d.severity === 'warning' && !allowed.has(d.code)))
          bad.push(`${f.file}: ${d.code}`);
    const got = new Set(files.flatMap((f) => f.diagnostics.map((d) => d.code)));
    for (const code of [...(expect?.notes ?? []), ...(expect?.warnings ?? [])])
      assert.ok(got.has(code), `${fixture.name}: expected ${code}, got ${[...got].join(', ')}`);
  }
  assert.deepEqual(bad, []);
  assert.equal(status, 0);
});

test('invalid documents get their codes through the CLI', () => {
  // Fixtures that need a forced kind run one CLI call per kind.
  const groups = new Map<string, Fixture<Expectation>[]>();
  for (const c of corpus('invalid')) {
    const key = c.expect!.kind ?? '';
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  let checked = 0;
  for (const [kind, fixtures] of groups) {
    const { byFixture } = lintAll(fixtures, kind || undefined);
    for (const fixture of fixtures) {
      const files = byFixture.get(fixture)!;
      assert.ok(files.length > 0, `${fixture.name} was linted`);
      const got = new Set(files.flatMap((f) => f.diagnostics.map((d) => d.code)));
      for (const code of fixture.expect!.codes)
        assert.ok(got.has(code), `${fixture.name}: expected ${code}, got ${[...got].join(', ')}`);
      checked++;
    }
  }
  assert.equal(checked, corpus('invalid').length, 'every invalid document went through the CLI');
  assert.ok(checked > 50, `${checked} invalid documents checked`);
});
