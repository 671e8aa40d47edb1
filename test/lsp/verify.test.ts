/**
 * Digest verification over stdio: `ociManifest/verifyDocument` on a manifest inside a real layout on disk (one
 * layer corrupted), its findings merged with the lint diagnostics and kept or dropped as the document is edited,
 * the hover of a verified digest, the quick-fix, cancellation that stops the reads, `ociManifest/verifyLayout`
 * and `ociManifest/computeDigest`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  CancellationTokenSource,
  DiagnosticSeverity,
  WorkDoneProgress,
  type CodeAction,
  type Diagnostic,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageserver-protocol/node';
import {
  ComputeDigestRequest,
  VerifyDocumentRequest,
  VerifyLayoutRequest,
  type VerifyDocumentParams,
} from '../../server/src/protocol';
import { descriptorOf, MT, sha256, tempDir, writeLayout } from '../layouts';
import { LspClient } from './client';
import { positionAt, rangeOf } from './documents';

const uri = (p: string): string => pathToFileURL(p).href;
const codeOf = (d: Diagnostic): string => String(d.code);
const blobCodes = (ds: readonly Diagnostic[]): string[] =>
  ds.map(codeOf).filter((c) => c.startsWith('oci/blob-'));

/** A layout whose second layer's file was changed (same length, other bytes). Pretty JSON so edits are easy. */
function corruptLayout(dir: string) {
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
  });
  const layerA = 'layer A bytes';
  const layerB = 'layer B bytes';
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: descriptorOf(MT.config, config),
      layers: [descriptorOf(MT.layer, layerA), descriptorOf(MT.layer, layerB)],
      annotations: { 'org.opencontainers.image.created': 'yesterday' },
    },
    null,
    2,
  );
  const index = { schemaVersion: 2, mediaType: MT.index, manifests: [descriptorOf(MT.manifest, manifest)] };
  writeLayout(dir, index, [config, layerA, manifest, { content: 'layer B bytez', at: sha256(layerB) }]);
  return {
    manifest,
    manifestFile: join(dir, 'blobs', 'sha256', sha256(manifest).slice(7)),
    layerB: sha256(layerB),
    layerA: sha256(layerA),
  };
}

describe('verification', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: LspClient;
  before(async () => {
    tmp = tempDir('oci-lsp-verify-');
    c = await LspClient.start({ settings: { diagnostics: { delay: 0 } } });
  });
  after(async () => {
    await c.stop();
    tmp.cleanup();
  });

  const verify = (params: VerifyDocumentParams, token?: CancellationTokenSource) =>
    c.connection.sendRequest(VerifyDocumentRequest, params, token?.token);

  test('Verify Digests: the mismatch on that descriptor, merged with lint, kept and dropped by edits', async () => {
    const layout = join(tmp.dir, 'a');
    const made = corruptLayout(layout);
    const u = uri(made.manifestFile);
    let text = made.manifest;
    let mark = c.mark(u);
    await c.open(u, text);
    const lint = await c.waitForPublish(u, mark, (p) => p.diagnostics.length > 0);
    assert.equal(blobCodes(lint.diagnostics).length, 0);

    // Progress through the client's work-done token.
    const progress: string[] = [];
    const sub = c.connection.onProgress(WorkDoneProgress.type, 'verify-1', (v) => {
      progress.push((v as WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd).kind);
    });
    mark = c.mark(u);
    const result = await verify({ uri: u, workDoneToken: 'verify-1' });
    sub.dispose();
    assert.equal(result.summary, '2 verified, 1 mismatch, 0 not found');
    assert.equal(result.counts.digestMismatch, 1);
    assert.equal(result.cancelled, false);
    assert.deepEqual(progress[0], 'begin');
    assert.equal(progress.at(-1), 'end');
    const bad = result.results.find((r) => r.status === 'digest-mismatch')!;
    assert.deepEqual(bad.path, ['layers', 1]);
    assert.equal(bad.actualDigest, sha256('layer B bytez'));
    assert.deepEqual(bad.range, rangeOf(text, JSON.stringify(made.layerB)));

    const merged = await c.waitForPublish(u, mark, (p) => blobCodes(p.diagnostics).length > 0);
    const mismatch = merged.diagnostics.find((d) => codeOf(d) === 'oci/blob-digest-mismatch')!;
    assert.deepEqual(mismatch.range, rangeOf(text, JSON.stringify(made.layerB)));
    assert.ok(
      merged.diagnostics.some((d) => !codeOf(d).startsWith('oci/blob-')),
      'the lint diagnostics are still there',
    );
    assert.equal(blobCodes(merged.diagnostics).length, 1);

    // The hover of a verified digest says so.
    const at = rangeOf(text, made.layerA).start;
    const hover = await c.hover(u, at.line, at.character + 3);
    assert.match(JSON.stringify(hover?.contents), /Verified against/);

    // The quick-fix updates the digest to the blob's real one.
    const actions = (await c.codeActions(u, mismatch.range, { diagnostics: [mismatch] })) as CodeAction[];
    const fix = actions.find((a) => a.title === "Update the descriptor to the blob's real digest");
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    const edits = fix.edit?.changes?.[u] ?? [];
    assert.deepEqual(edits, [{ range: mismatch.range, newText: JSON.stringify(sha256('layer B bytez')) }]);

    // An edit elsewhere (the annotation) keeps the finding, now on the shifted line.
    text = text
      .replace('"yesterday"', '"2024-01-01T00:00:00Z"')
      .replace('"schemaVersion": 2,', '"schemaVersion": 2,\n');
    mark = c.mark(u);
    const v2 = await c.change(u, text);
    // (The cross-document checks of the layout may republish the version before: wait for this one.)
    const kept = await c.waitForPublish(u, mark, (p) => p.version === v2);
    const moved = kept.diagnostics.find((d) => codeOf(d) === 'oci/blob-digest-mismatch');
    assert.ok(moved, 'still reported');
    assert.deepEqual(moved.range, rangeOf(text, JSON.stringify(made.layerB)));

    // An edit of that descriptor drops it.
    text = text.replace('"size": 13\n    }\n  ]', '"size": 14\n    }\n  ]');
    assert.notEqual(text.indexOf('"size": 14'), -1);
    mark = c.mark(u);
    const v3 = await c.change(u, text);
    const dropped = await c.waitForPublish(u, mark, (p) => p.version === v3);
    assert.deepEqual(blobCodes(dropped.diagnostics), []);
    await c.close(u);
  });

  test('a descriptor with embedded data that disagrees is reported once, by the lint', async () => {
    const layout = join(tmp.dir, 'd');
    const made = corruptLayout(layout);
    const withData = JSON.parse(made.manifest) as { layers: Record<string, unknown>[] };
    withData.layers[0]!.data = Buffer.from('other bytes!!').toString('base64');
    const text = JSON.stringify(withData, null, 2);
    const u = uri(join(layout, 'data.manifest.json'));
    await c.open(u, text);
    const mark = c.mark(u);
    await verify({ uri: u });
    const p = await c.waitForPublish(u, mark, (x) => blobCodes(x.diagnostics).length > 0);
    const codes = p.diagnostics.map(codeOf);
    assert.ok(codes.includes('oci/data-digest-mismatch'), codes.join());
    // Layer 0 (data wrong) is the lint's; layer 1 (file corrupt) is verification's.
    assert.deepEqual(blobCodes(p.diagnostics), ['oci/blob-digest-mismatch']);
    assert.equal(
      p.diagnostics.find((d) => codeOf(d) === 'oci/blob-digest-mismatch')!.range.start.line,
      positionAt(text, text.indexOf(made.layerB)).line,
    );
    await c.close(u);
  });

  test('cancellation stops the reads of a large blob at once', async () => {
    const layout = join(tmp.dir, 'big');
    mkdirSync(layout);
    const size = 8 * 1024 ** 3;
    const digest = `sha256:${'ab'.repeat(32)}`;
    writeLayout(layout, { schemaVersion: 2, manifests: [] });
    const fd = openSync(join(layout, 'blobs', 'sha256', 'ab'.repeat(32)), 'w');
    ftruncateSync(fd, size); // sparse: reads as zeros, costs no disk
    closeSync(fd);
    const text = JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: MT.manifest,
        config: { mediaType: MT.empty, digest: sha256('{}'), size: 2, data: 'e30=' },
        layers: [{ mediaType: MT.layer, digest, size }],
      },
      null,
      2,
    );
    const u = uri(join(layout, 'big.manifest.json'));
    await c.open(u, text);
    const source = new CancellationTokenSource();
    const started = Date.now();
    const answer = verify({ uri: u }, source);
    setTimeout(() => source.cancel(), 300);
    const result = await answer;
    const took = Date.now() - started;
    assert.equal(result.cancelled, true);
    assert.equal(result.results.find((r) => r.path[0] === 'layers')!.status, 'cancelled');
    assert.ok(took < 2000, `answered ${took} ms after the start (hashing 8 GiB takes several seconds)`);
    // The server is free again: a small request is answered at once.
    const t = Date.now();
    await c.hover(u, 1, 5);
    assert.ok(Date.now() - t < 1000);
    await c.close(u);
  });

  test('Verify Layout publishes the findings of files that are not open', async () => {
    const layout = join(tmp.dir, 'l');
    const made = corruptLayout(layout);
    writeFileSync(join(layout, 'blobs', 'sha256', 'cd'.repeat(32)), 'not referenced by anything');
    const u = uri(made.manifestFile);
    const mark = c.mark(u);
    const result = await c.connection.sendRequest(VerifyLayoutRequest, {
      uri: uri(layout),
    });
    assert.match(result.summary, /^3 verified, 1 mismatch, 0 not found/);
    assert.equal(result.root, uri(layout));
    const p = await c.waitForPublish(u, mark, (x) => blobCodes(x.diagnostics).length > 0);
    assert.deepEqual(blobCodes(p.diagnostics), ['oci/blob-digest-mismatch']);
    assert.deepEqual(
      p.diagnostics.find((d) => codeOf(d) === 'oci/blob-digest-mismatch')!.range,
      rangeOf(made.manifest, JSON.stringify(made.layerB)),
    );
    const stray = uri(join(layout, 'blobs', 'sha256', 'cd'.repeat(32)));
    const strayP = await c.waitForPublish(stray, 0);
    assert.ok(
      strayP.diagnostics.map(codeOf).some((code) => code.startsWith('oci/layout-')),
      JSON.stringify(strayP),
    );
  });

  test('Verify Layout lists nothing outside the layout: a blobs folder linked out is reported, not read', async () => {
    const layout = join(tmp.dir, 'linked-blobs');
    writeLayout(layout, { schemaVersion: 2, mediaType: MT.index, manifests: [] });
    const outside = join(tmp.dir, 'outside-blobs');
    mkdirSync(join(outside, 'sha256'), { recursive: true });
    writeFileSync(join(outside, 'sha256', 'name-outside-the-layout'), 'x');
    writeFileSync(join(outside, 'sha256', 'cd'.repeat(32)), 'secret');
    rmSync(join(layout, 'blobs'), { recursive: true });
    symlinkSync(outside, join(layout, 'blobs'));
    const result = await c.connection.sendRequest(VerifyLayoutRequest, { uri: uri(layout) });
    // Before: both entries outside were listed (and published as the layout's blobs).
    assert.doesNotMatch(JSON.stringify(result), /name-outside-the-layout|cdcdcdcd/);
    assert.deepEqual(
      result.files.map((f) => f.relative),
      ['.', 'oci-layout', 'index.json'],
    );
  });

  test('a layout that lacks a blob: a warning, or an error with ociManifest.verify.requireComplete', async () => {
    const layout = join(tmp.dir, 'partial');
    const made = corruptLayout(layout);
    rmSync(join(layout, 'blobs', 'sha256', made.layerA.slice(7)));
    const u = uri(made.manifestFile);
    const severityOf = async (): Promise<number | undefined> => {
      const mark = c.mark(u);
      await c.connection.sendRequest(VerifyLayoutRequest, { uri: uri(layout) });
      const p = await c.waitForPublish(u, mark, (x) =>
        x.diagnostics.some((d) => codeOf(d) === 'oci/blob-missing'),
      );
      return p.diagnostics.find((d) => codeOf(d) === 'oci/blob-missing')!.severity;
    };
    assert.equal(await severityOf(), DiagnosticSeverity.Warning);
    await c.configure({ diagnostics: { delay: 0 }, verify: { requireComplete: true } });
    try {
      assert.equal(await severityOf(), DiagnosticSeverity.Error);
    } finally {
      await c.configure({ diagnostics: { delay: 0 } });
    }
  });

  test('computeDigest guesses the media type and hashes the file', async () => {
    const file = join(tmp.dir, 'layer.tar.gz');
    const bytes = gzipSync(Buffer.from('some tar bytes'));
    writeFileSync(file, bytes);
    const r = await c.connection.sendRequest(ComputeDigestRequest, {
      uri: uri(file),
    });
    assert.deepEqual(r, { mediaType: MT.layer, digest: sha256(bytes), size: bytes.length });
    const json = join(tmp.dir, 'm.json');
    writeFileSync(json, JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: [] }));
    const m = await c.connection.sendRequest(ComputeDigestRequest, {
      uri: uri(json),
    });
    assert.equal(m.mediaType, MT.index);
    const other = join(tmp.dir, 'x.bin');
    writeFileSync(other, Buffer.from([1, 2, 3]));
    const o = await c.connection.sendRequest(ComputeDigestRequest, {
      uri: uri(other),
    });
    assert.equal(o.mediaType, 'application/octet-stream');
    await assert.rejects(
      c.connection.sendRequest(ComputeDigestRequest, { uri: uri(tmp.dir) }),
      /not a regular file|EISDIR/,
    );
  });
});
