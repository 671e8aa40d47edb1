// The conformance corpus through the built CLI: the same codes as through the core (test/unit/conformance.test.ts).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { corpus } from '../conformance';
import { cli, ensureCli } from './cli';

interface FileResult {
  file: string;
  kind: string | null;
  diagnostics: { code: string; severity: string }[];
}

before(ensureCli);

test('valid documents lint clean through the CLI (exit 0)', () => {
  const files = corpus('valid').map((c) => c.file);
  const r = cli(['lint', '--format', 'json', ...files]);
  const out = JSON.parse(r.stdout) as FileResult[];
  assert.equal(out.length, files.length);
  const bad = out.flatMap((f) =>
    f.diagnostics
      .filter((d) => d.severity === 'error' || d.severity === 'warning')
      .map((d) => `${f.file}: ${d.code}`),
  );
  assert.deepEqual(bad, []);
  assert.equal(r.status, 0);
});

test('invalid documents get their codes through the CLI', () => {
  // Fixtures that need a forced kind run one CLI call per kind; those that need a layout around them are
  // covered by the core runner only.
  const groups = new Map<string, { file: string; codes: string[] }[]>();
  for (const c of corpus('invalid')) {
    if (c.expect!.origin) continue;
    const key = c.expect!.kind ?? '';
    groups.set(key, [...(groups.get(key) ?? []), { file: c.file, codes: c.expect!.codes }]);
  }
  let checked = 0;
  for (const [kind, items] of groups) {
    const r = cli([
      'lint',
      '--format',
      'json',
      ...(kind ? ['--kind', kind] : []),
      ...items.map((i) => i.file),
    ]);
    const out = new Map(
      (JSON.parse(r.stdout) as FileResult[]).map((f) => [f.file, new Set(f.diagnostics.map((d) => d.code))]),
    );
    for (const item of items) {
      const got = [...out.entries()].find(([f]) => item.file.endsWith(f))?.[1];
      assert.ok(got, `${item.file} was linted`);
      for (const code of item.codes)
        assert.ok(got.has(code), `${item.file}: expected ${code}, got ${[...got].join(', ')}`);
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} invalid documents checked`);
});
