/** Pull diagnostics: a client that advertises textDocument.diagnostic asks; the server does not push. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileUri, LspClient } from './client';
import { brokenManifest, j, rangeOf, validManifest } from './documents';

describe('pull diagnostics', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({ pull: true, settings: { diagnostics: { delay: 0 } } });
  });
  after(() => c.stop());

  test('the diagnostic provider is announced', () => {
    assert.deepEqual(c.initializeResult.capabilities.diagnosticProvider, {
      identifier: 'oci-manifest',
      interFileDependencies: false,
      workspaceDiagnostics: false,
    });
  });

  test('textDocument/diagnostic answers with the findings, unchanged for the same version, and nothing is pushed', async () => {
    const uri = fileUri('pull/broken.json');
    const text = brokenManifest();
    const kinds = c.kinds.length;
    await c.open(uri, text);
    const report = await c.pull(uri);
    assert.equal(report.kind, 'full');
    const hit =
      report.kind === 'full' ? report.items.find((d) => d.code === 'oci/schema-version') : undefined;
    assert.ok(hit);
    assert.deepEqual(hit.range, rangeOf(text, '"2"'));
    assert.equal(hit.severity, 1);
    assert.equal(hit.source, 'oci-manifest');
    assert.ok(report.resultId);
    assert.equal((await c.waitForKind(uri, kinds)).kind, 'image-manifest');

    assert.deepEqual(await c.pull(uri, report.resultId), { kind: 'unchanged', resultId: report.resultId });

    await c.change(uri, validManifest());
    const fixed = await c.pull(uri, report.resultId);
    assert.equal(fixed.kind, 'full');
    assert.deepEqual(fixed.kind === 'full' && fixed.items, []);
    assert.notEqual(fixed.resultId, report.resultId);

    await c.close(uri);
    assert.deepEqual(await c.pull(uri), { kind: 'full', items: [] }, 'a closed document has no diagnostics');
    assert.equal(c.publishes.size, 0, 'nothing was pushed');
  });

  test('a settings change asks the client to pull again and changes the answer', async () => {
    const uri = fileUri('pull/severity.json');
    await c.open(uri, brokenManifest());
    const before = await c.pull(uri);
    const refreshes = c.refreshRequests;
    await c.configure({ diagnostics: { delay: 0, severity: { 'oci/schema-version': 'off' } } });
    await c.waitFor('a diagnostic refresh', 5000, () => (c.refreshRequests > refreshes ? true : undefined));
    const after = await c.pull(uri, before.resultId);
    assert.equal(after.kind, 'full');
    assert.deepEqual(after.kind === 'full' && after.items.filter((d) => d.code === 'oci/schema-version'), []);
    await c.close(uri);
  });

  test('a non-manifest document pulls an empty report', async () => {
    const uri = fileUri('pull/other.json');
    await c.open(uri, j({ compilerOptions: { strict: true } }));
    const report = await c.pull(uri);
    assert.deepEqual(report.kind === 'full' && report.items, []);
    await c.close(uri);
    assert.deepEqual(c.errorLogs(), []);
  });
});
