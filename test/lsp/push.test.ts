/** The server over stdio with push diagnostics: capabilities, open/change/close, kinds, delay, hover. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { version } from '../../package.json';
import { ruleDocUrl } from '../../server/src/core';
import { ServerInfoRequest } from '../../server/src/protocol';
import { fileUri, LspClient } from './client';
import { brokenManifest, j, rangeOf, specIndex, validManifest } from './documents';

describe('push diagnostics', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({ settings: { diagnostics: { delay: 0 } } });
  });
  after(() => c.stop());

  test('initialize announces incremental sync and hover, and no pull provider to a push client', () => {
    const caps = c.initializeResult.capabilities;
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 });
    assert.equal(caps.hoverProvider, true);
    assert.equal(caps.diagnosticProvider, undefined);
    assert.equal(c.initializeResult.serverInfo?.name, 'oci-manifest');
    assert.equal(c.initializeResult.serverInfo?.version, version);
  });

  test('ociManifest/serverInfo answers the pid and version', async () => {
    const info = await c.connection.sendRequest(ServerInfoRequest);
    assert.deepEqual(info, { pid: c.process.pid, version });
  });

  test('a broken manifest gets its diagnostic; fixing it clears it; closing it clears it', async () => {
    const uri = fileUri('broken.json');
    const text = brokenManifest();
    let mark = c.mark(uri);
    await c.open(uri, text);
    const first = await c.waitForPublish(uri, mark);
    assert.equal(first.version, 1);
    const hits = first.diagnostics.filter((d) => d.code === 'oci/schema-version');
    assert.equal(hits.length, 1, JSON.stringify(first.diagnostics));
    const hit = hits[0]!;
    assert.deepEqual(hit.range, rangeOf(text, '"2"'));
    assert.equal(hit.severity, 1);
    assert.equal(hit.source, 'oci-manifest');
    assert.deepEqual(hit.codeDescription, { href: ruleDocUrl('oci/schema-version') });
    assert.match(ruleDocUrl('oci/schema-version'), /^https:\/\/.*#oci-schema-version$/);
    assert.match(String(hit.message), /schemaVersion/);
    assert.equal((hit.data as { code?: string }).code, 'oci/schema-version');
    for (const d of first.diagnostics) assert.equal(d.source, 'oci-manifest');

    mark = c.mark(uri);
    const v2 = await c.change(uri, validManifest());
    const fixed = await c.waitForPublish(uri, mark);
    assert.equal(fixed.version, v2);
    assert.deepEqual(fixed.diagnostics, []);

    mark = c.mark(uri);
    const v3 = await c.change(uri, text);
    assert.ok((await c.waitForPublish(uri, mark)).version === v3);
    mark = c.mark(uri);
    await c.close(uri);
    const cleared = await c.waitForPublish(uri, mark);
    assert.deepEqual(cleared.diagnostics, []);
  });

  test('a JSON document that is not a manifest gets no diagnostics and no kind', async () => {
    const other = fileUri('not-oci/package.json');
    const manifest = fileUri('not-oci/broken.json');
    const kindsBefore = c.kinds.length;
    await c.open(other, j({ name: 'x', version: '1.0.0', scripts: { test: 'node --test' } }));
    const mark = c.mark(manifest);
    await c.open(manifest, brokenManifest());
    // Documents are validated in order, so once the manifest's diagnostics are here the other's would be too.
    await c.waitForPublish(manifest, mark);
    assert.equal(c.mark(other), 0);
    assert.deepEqual(
      c.kinds.slice(kindsBefore).filter((k) => k.uri === other),
      [],
    );
    await c.close(other);
    await c.close(manifest);
  });

  test('the detected kind is announced on open, on a change of kind, and as null on close', async () => {
    const uri = fileUri('kinds/doc.json');
    let mark = c.kinds.length;
    await c.open(uri, validManifest());
    assert.deepEqual(await c.waitForKind(uri, mark), {
      uri,
      kind: 'image-manifest',
      label: 'OCI image manifest',
      source: 'mediaType',
    });

    mark = c.kinds.length;
    await c.change(uri, j(specIndex()));
    assert.deepEqual(await c.waitForKind(uri, mark), {
      uri,
      kind: 'image-index',
      label: 'OCI image index',
      source: 'mediaType',
    });

    // A change that keeps the kind announces nothing; the hover round trip proves the change was handled.
    mark = c.kinds.length;
    await c.change(uri, j({ ...specIndex(), annotations: { 'com.example.key': 'v' } }));
    await c.hover(uri, 0, 0);
    assert.deepEqual(c.kinds.slice(mark), []);

    mark = c.kinds.length;
    await c.change(uri, j({ hello: 'world' }));
    assert.deepEqual(await c.waitForKind(uri, mark), { uri, kind: null, label: null, source: null });

    await c.change(uri, validManifest());
    await c.waitForKind(uri, mark + 1);
    mark = c.kinds.length;
    await c.close(uri);
    assert.deepEqual(await c.waitForKind(uri, mark), { uri, kind: null, label: null, source: null });
  });

  test('with delay 0 a change is validated before the next message is handled', async () => {
    const uri = fileUri('delay/zero.json');
    await c.open(uri, validManifest());
    const v = await c.change(uri, brokenManifest());
    // The server handles messages in order and answers the hover after the change handler has run.
    await c.hover(uri, 0, 0);
    const published = (c.publishes.get(uri) ?? []).find((p) => p.version === v);
    assert.ok(published, 'diagnostics for the change were published before the hover answer');
    assert.ok(published.diagnostics.some((d) => d.code === 'oci/schema-version'));
    await c.close(uri);
  });

  test('with a delay, changes are debounced: only the last version is validated, after the delay', async () => {
    await c.configure({ diagnostics: { delay: 400 } });
    const uri = fileUri('delay/debounced.json');
    await c.open(uri, validManifest()); // validated at once, when its settings have arrived
    await c.hover(uri, 0, 0); // the hover waits for the same settings, so the open is done
    const v1 = await c.change(uri, brokenManifest());
    const v2 = await c.change(uri, j({ ...JSON.parse(brokenManifest()), annotations: {} }));
    await c.hover(uri, 0, 0);
    assert.equal(c.mark(uri), 0, 'nothing published before the delay');
    const p = await c.waitForPublish(uri, 0);
    assert.equal(p.version, v2);
    assert.ok(p.diagnostics.some((d) => d.code === 'oci/schema-version'));
    await LspClient.sleep(50);
    assert.equal((c.publishes.get(uri) ?? []).filter((x) => x.version === v1).length, 0);
    await c.close(uri);
    await c.configure({ diagnostics: { delay: 0 } });
  });

  test('hover on the opening brace names the detected kind; keys get their field documentation', async () => {
    const uri = fileUri('hover/index.json');
    const text = j(specIndex());
    await c.open(uri, text);
    const onBrace = await c.hover(uri, 0, 0);
    assert.ok(onBrace);
    assert.match(JSON.stringify(onBrace.contents), /OCI image index/);
    assert.deepEqual(onBrace.range, rangeOf(text, '{'));

    const key = rangeOf(text, '"manifests"');
    const onKey = await c.hover(uri, key.start.line, key.start.character + 3);
    assert.ok(onKey);
    assert.deepEqual(onKey.range, key);
    assert.match(JSON.stringify(onKey.contents), /required in an OCI image index/);

    // Nested keys get the richer hover too (test/lsp/editing.test.ts covers the kinds of hover).
    const nested = rangeOf(text, '"platform"');
    const onNested = await c.hover(uri, nested.start.line, nested.start.character + 2);
    assert.match(JSON.stringify(onNested?.contents), /linux\/ppc64le/);
    await c.close(uri);
    assert.equal(await c.hover(uri, 0, 0), null, 'a closed document has no hover');
  });

  test('no handler failed along the way', () => {
    assert.deepEqual(c.errorLogs(), []);
  });
});

describe('hostReportsJsonSyntax', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({
      settings: { diagnostics: { delay: 0 } },
      initializationOptions: { hostReportsJsonSyntax: true },
    });
  });
  after(() => c.stop());

  test('skips oci/json-syntax in JSON documents (the host reports it) but not in other languages', async () => {
    const text = brokenManifest().replace(/\n}$/, ',\n}'); // a trailing comma
    const json = fileUri('syntax/a.manifest.json');
    const plain = fileUri('syntax/b.manifest.json');
    let mark = c.mark(json);
    await c.open(json, text, 'json');
    const codes = (await c.waitForPublish(json, mark)).diagnostics.map((d) => d.code);
    assert.ok(codes.includes('oci/schema-version'), String(codes));
    assert.ok(!codes.includes('oci/json-syntax'), String(codes));

    mark = c.mark(plain);
    await c.open(plain, text, 'plaintext');
    const plainCodes = (await c.waitForPublish(plain, mark)).diagnostics.map((d) => d.code);
    assert.ok(plainCodes.includes('oci/json-syntax'), String(plainCodes));
  });
});
