// package.json's contributions must match the typed contract in server/src/protocol.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COMMAND_IDS, DEFAULT_SETTINGS, readSettings, SETTINGS_SECTION } from '../../server/src/protocol';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test('every typed setting is contributed with the same default, a markdownDescription and a scope', () => {
  const props = pkg.contributes.configuration.properties as Record<
    string,
    { default: unknown; markdownDescription?: string; scope?: string }
  >;
  const contributed = Object.keys(props).sort();
  const typed = Object.keys(DEFAULT_SETTINGS)
    .map((k) => `${SETTINGS_SECTION}.${k}`)
    .sort();
  assert.deepEqual(contributed, typed);
  for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
    const p = props[`${SETTINGS_SECTION}.${key}`]!;
    assert.deepEqual(p.default, value, `default of ${key}`);
    assert.ok(p.markdownDescription && p.markdownDescription.length > 20, `markdownDescription of ${key}`);
    assert.ok(p.scope, `scope of ${key}`);
  }
});

test('every command id is contributed, and nothing else', () => {
  const contributed = (pkg.contributes.commands as { command: string; title: string; category: string }[])
    .map((c) => c.command)
    .sort();
  assert.deepEqual(contributed, Object.values(COMMAND_IDS).sort());
});

test('activation is limited to relevant files (no "*")', () => {
  assert.ok(!pkg.activationEvents.includes('*'));
  assert.ok(pkg.activationEvents.every((e: string) => e !== 'onStartupFinished'));
});

test('readSettings accepts nested and flat keys and drops invalid values', () => {
  const s = readSettings({
    diagnostics: { delay: 0, severity: { 'oci/x': 'off', 'oci/y': 'loud' } },
    'diagnostics.contentDetection': false,
  });
  assert.equal(s['diagnostics.delay'], 0);
  assert.equal(s['diagnostics.contentDetection'], false);
  assert.deepEqual(s['diagnostics.severity'], { 'oci/x': 'off' });
  assert.deepEqual(
    readSettings({ diagnostics: { delay: -5 } })['diagnostics.delay'],
    DEFAULT_SETTINGS['diagnostics.delay'],
  );
});
