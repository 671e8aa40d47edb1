/** Settings: severity overrides and content detection through workspace/configuration, and the fallbacks. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileUri, LspClient } from './client';
import { brokenManifest, j, specIndex } from './documents';

const schemaVersion = (p: { diagnostics: { code?: unknown; severity?: unknown }[] }) =>
  p.diagnostics.filter((d) => d.code === 'oci/schema-version');

describe('settings through workspace/configuration', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({ settings: { diagnostics: { delay: 0 } } });
  });
  after(() => c.stop());

  test('a severity override takes effect on didChangeConfiguration: off, then info', async () => {
    const uri = fileUri('config/severity.json');
    let mark = c.mark(uri);
    await c.open(uri, brokenManifest());
    assert.equal(schemaVersion(await c.waitForPublish(uri, mark))[0]?.severity, 1);

    const asked = c.configurationRequests;
    mark = c.mark(uri);
    await c.configure({ diagnostics: { delay: 0, severity: { 'oci/schema-version': 'off' } } });
    const off = await c.waitForPublish(uri, mark);
    assert.deepEqual(schemaVersion(off), []);
    assert.ok(c.configurationRequests > asked, 'the server asked for the settings again');

    mark = c.mark(uri);
    await c.configure({ diagnostics: { delay: 0, severity: { 'oci/schema-version': 'info' } } });
    const info = await c.waitForPublish(uri, mark, (p) => schemaVersion(p).length > 0);
    assert.equal(schemaVersion(info)[0]?.severity, 3);
    await c.close(uri);
  });

  test('contentDetection false clears a document recognised by content; x.manifest.json still validates', async () => {
    await c.configure({ diagnostics: { delay: 0 } });
    const byContent = fileUri('config/content.json');
    const byName = fileUri('config/x.manifest.json');
    let markContent = c.mark(byContent);
    let markName = c.mark(byName);
    const kinds = c.kinds.length;
    await c.open(byContent, brokenManifest());
    await c.open(byName, brokenManifest());
    assert.equal(schemaVersion(await c.waitForPublish(byContent, markContent)).length, 1);
    assert.equal(schemaVersion(await c.waitForPublish(byName, markName)).length, 1);
    await c.waitForKind(byContent, kinds);

    markContent = c.mark(byContent);
    markName = c.mark(byName);
    const kindsBefore = c.kinds.length;
    await c.configure({ diagnostics: { delay: 0, contentDetection: false } });
    assert.deepEqual((await c.waitForPublish(byContent, markContent)).diagnostics, []);
    assert.equal((await c.waitForKind(byContent, kindsBefore)).kind, null);
    // The named file keeps its diagnostics: either republished unchanged or not republished at all.
    await c.hover(byName, 0, 0);
    const republished = (c.publishes.get(byName) ?? []).slice(markName);
    for (const p of republished) assert.equal(schemaVersion(p).length, 1);

    markContent = c.mark(byContent);
    await c.configure({ diagnostics: { delay: 0 } });
    assert.equal(schemaVersion(await c.waitForPublish(byContent, markContent)).length, 1);
    await c.close(byContent);
    await c.close(byName);
  });
});

describe('index.json beside oci-layout', () => {
  let c: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oci-manifest-lsp-'));
    mkdirSync(join(dir, 'layout'));
    mkdirSync(join(dir, 'plain'));
    writeFileSync(join(dir, 'layout', 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
    // Content detection off: only the file name (and the oci-layout next to it) can claim index.json.
    c = await LspClient.start({ settings: { diagnostics: { delay: 0, contentDetection: false } } });
  });
  after(async () => {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is served when an oci-layout file sits in the same folder, and not elsewhere', async () => {
    const text = j({ ...specIndex(), schemaVersion: '2' });
    const inLayout = pathToFileURL(join(dir, 'layout', 'index.json')).href;
    const elsewhere = pathToFileURL(join(dir, 'plain', 'index.json')).href;
    await c.open(elsewhere, text);
    const mark = c.mark(inLayout);
    await c.open(inLayout, text);
    assert.equal(schemaVersion(await c.waitForPublish(inLayout, mark)).length, 1);
    assert.equal(c.mark(elsewhere), 0);
  });
});

describe('settings without workspace/configuration', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({
      configuration: false,
      initializationOptions: {
        settings: { diagnostics: { delay: 0, severity: { 'oci/schema-version': 'hint' } } },
      },
    });
  });
  after(() => c.stop());

  test('initializationOptions.settings apply, and a didChangeConfiguration payload replaces them', async () => {
    const uri = fileUri('noconfig/a.json');
    let mark = c.mark(uri);
    await c.open(uri, brokenManifest());
    assert.equal(schemaVersion(await c.waitForPublish(uri, mark))[0]?.severity, 4);

    mark = c.mark(uri);
    await c.configure(
      {},
      { ociManifest: { diagnostics: { delay: 0, severity: { 'oci/schema-version': 'warning' } } } },
    );
    assert.equal(schemaVersion(await c.waitForPublish(uri, mark))[0]?.severity, 2);
    assert.equal(c.configurationRequests, 0);
    assert.deepEqual(c.errorLogs(), []);
  });
});
