// package.json's contributions must match the typed contract in server/src/protocol.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COMMAND_IDS, readSettings, SETTING_KEYS, SETTINGS } from '../../server/src/protocol';
import { contributedSettings, README_BEGIN, README_END, settingsRows } from '../../scripts/settings-doc';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test('package.json contributes exactly the settings of the one table, as generated (npm run docs)', () => {
  assert.deepEqual(pkg.contributes.configuration.properties, contributedSettings());
  for (const [key, p] of Object.entries(contributedSettings())) {
    assert.ok(String(p.markdownDescription).length > 20, `markdownDescription of ${key}`);
    assert.ok(p.scope, `scope of ${key}`);
  }
});

test("the README's settings table lists every setting of the one table, as generated (npm run docs)", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(README_BEGIN)[1]?.split(README_END)[0] ?? '';
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, '|')),
    );
  assert.deepEqual(rows, settingsRows());
  assert.equal(rows.length, SETTING_KEYS.length + 1);
});

test('a workspace cannot set the insecure registries: scope machine, read only from the user level', () => {
  assert.equal(SETTINGS['verify.insecureRegistries'].scope, 'machine');
  const folder = { verify: { insecureRegistries: ['evil.example:5000'], registry: 'reg.example/app' } };
  const user = { verify: { insecureRegistries: ['lab.example:5000'], registry: 'ignored.example/x' } };
  const s = readSettings(folder, user);
  assert.deepEqual(s['verify.insecureRegistries'], ['lab.example:5000']);
  assert.equal(s['verify.registry'], 'reg.example/app', 'resource settings come from the folder');
  assert.deepEqual(readSettings(folder, {})['verify.insecureRegistries'], []);
  // Without a separate user level (initializationOptions, didChangeConfiguration), the one object is the user's.
  assert.deepEqual(readSettings(folder)['verify.insecureRegistries'], ['evil.example:5000']);
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
  assert.equal(
    readSettings({ diagnostics: { delay: -5 } })['diagnostics.delay'],
    SETTINGS['diagnostics.delay'].default,
  );
  // Defaults are fresh objects: changing one settings object does not change another.
  readSettings(undefined)['diagnostics.severity']['oci/x'] = 'off';
  assert.deepEqual(readSettings(undefined)['diagnostics.severity'], {});
});
