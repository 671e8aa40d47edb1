/**
 * The authoring requests over stdio (the built server): convert an open document (its unsaved text) and a list
 * with its manifests from a real layout, compare two inputs, create an index from layout entries, promote labels
 * as edits, and the refactorings offered as code actions. The layouts are written by umoci and skopeo.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ResponseError, type CodeAction } from 'vscode-languageserver-protocol/node';
import {
  COMMAND_IDS,
  CompareRequest,
  ConvertDocumentRequest,
  CreateIndexRequest,
  PromoteLabelsRequest,
} from '../../server/src/protocol';
import { applyEdits } from '../../server/src/core/index';
import { makeArchImages, sha256, skopeo, tempDir } from '../layouts';
import { requireTool } from '../verify/tools';
import { LspClient } from './client';

const work = tempDir('oci-lsp-authoring-');
const img = join(work.dir, 'img');
const v2s2 = join(work.dir, 'v2s2');
const uri = (p: string) => pathToFileURL(p).href;
const manifestFile = (layout: string, tag: string): string => {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const d = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)!.digest;
  return join(layout, 'blobs', ...d.split(':'));
};
let c: LspClient;

before(async () => {
  requireTool('umoci');
  requireTool('skopeo');
  makeArchImages(img, ['amd64', 'arm64'], {
    config: () => ['--config.label', 'org.opencontainers.image.description=Served over LSP'],
  });
  skopeo('copy', '--format', 'v2s2', `oci:${img}:amd64`, `oci:${v2s2}:amd64`);
  c = await LspClient.start({
    capabilities: {
      textDocument: { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: [] } } } },
    },
  });
});

after(async () => {
  await c?.stop();
  work.cleanup();
});

describe('authoring requests', () => {
  test('convertDocument: the open (unsaved) text is converted, with its digest', async () => {
    const file = manifestFile(v2s2, 'amd64');
    const original = readFileSync(file, 'utf8');
    // An unsaved edit: a Docker manifest with a space more than on disk.
    const edited = original.replace('{"schemaVersion":2,', '{"schemaVersion": 2,');
    await c.open(uri(file), edited);
    const r = await c.connection.sendRequest(ConvertDocumentRequest, { input: uri(file), to: 'oci' });
    assert.deepEqual(r.refusals, []);
    assert.ok(
      r.text!.startsWith('{"schemaVersion": 2,"mediaType":"application/vnd.oci.image.manifest.v1+json"'),
    );
    assert.equal(r.digest, sha256(r.text!));
    assert.equal(r.size, Buffer.byteLength(r.text!));
    assert.equal(r.changes.length, 2, 'an image without layers: its own type and its config type');
    assert.equal(r.layout, uri(v2s2));
    const refused = await c.connection.sendRequest(ConvertDocumentRequest, {
      input: uri(file),
      to: 'docker',
    });
    assert.match(refused.notes.join(' '), /already a Docker image manifest/);
    await c.close(uri(file));
  });

  test('convertDocument: a layout entry that is an index comes with its converted manifests', async () => {
    const index = await c.connection.sendRequest(CreateIndexRequest, {
      inputs: [`oci:${img}:amd64`, `oci:${img}:arm64`],
    });
    assert.deepEqual(index.problems, []);
    assert.deepEqual(
      index.entries.map((e) => e.split(' ')[0]),
      ['linux/amd64', 'linux/arm64'],
    );
    assert.deepEqual(index.findings, []);
    assert.equal(index.digest, sha256(index.text!));
    // Written into the layout, the index converts to a Docker list with its manifests.
    const file = join(img, 'app.index.json');
    writeFileSync(file, index.text!);
    const r = await c.connection.sendRequest(ConvertDocumentRequest, { input: uri(file), to: 'docker' });
    assert.deepEqual(r.refusals, []);
    assert.equal(r.blobs.length, 2);
    assert.equal(JSON.parse(r.text!).mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.deepEqual(
      (JSON.parse(r.text!) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
      r.blobs.map((b) => sha256(b.text)),
    );
  });

  test('compare: Docker vs OCI only, with a Markdown report; an unknown tag is an error', async () => {
    const r = await c.connection.sendRequest(CompareRequest, {
      a: `oci:${v2s2}:amd64`,
      b: uri(manifestFile(img, 'amd64')),
    });
    assert.equal(r.verdict, 'media-types-only');
    assert.equal(r.same, false);
    assert.match(r.summary, /^Docker vs OCI only/);
    assert.match(r.markdown, /^# Semantic diff\n/);
    assert.match(r.markdown, /\| A \| oci\\:.*v2s2\\:amd64 \| Docker image manifest/);
    await assert.rejects(
      c.connection.sendRequest(CompareRequest, { a: `oci:${img}:nope`, b: `oci:${img}:amd64` }),
      (e: unknown) =>
        e instanceof ResponseError &&
        /has no entry for the tag "nope"; its tags are "amd64" and "arm64"/.test(e.message),
    );
  });

  test('promoteLabels: edits for the open document; applied, the annotations are there and the rest is untouched', async () => {
    const file = manifestFile(img, 'amd64');
    const text = JSON.stringify(JSON.parse(readFileSync(file, 'utf8')), null, 2);
    await c.open(uri(file), text);
    const r = await c.connection.sendRequest(PromoteLabelsRequest, { uri: uri(file) });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.promoted, ['org.opencontainers.image.description=Served over LSP']);
    assert.equal(r.edits.length, 1);
    const e = r.edits[0]!;
    const lines = text.split('\n');
    const offset =
      lines.slice(0, e.range.start.line).reduce((n, l) => n + l.length + 1, 0) + e.range.start.character;
    const after = applyEdits(text, [{ offset, length: 0, newText: e.newText }]);
    assert.deepEqual((JSON.parse(after) as { annotations: unknown }).annotations, {
      'org.opencontainers.image.description': 'Served over LSP',
    });
    assert.equal(r.digest, sha256(after));
    assert.equal(after.slice(0, offset), text.slice(0, offset));

    // The refactorings are offered on the document's main members.
    const at = text.split('\n').findIndex((l) => l.includes('"config"'));
    const actions = (await c.codeActions(uri(file), {
      start: { line: at, character: 3 },
      end: { line: at, character: 3 },
    })) as CodeAction[];
    const commands = actions.map((a) => a.command?.command);
    assert.ok(commands.includes(COMMAND_IDS.convertToDocker), JSON.stringify(actions));
    assert.ok(commands.includes(COMMAND_IDS.promoteLabels));
    const inLayers = (await c.codeActions(uri(file), {
      start: { line: at + 3, character: 8 },
      end: { line: at + 3, character: 8 },
    })) as CodeAction[];
    assert.deepEqual(
      inLayers.filter((a) => a.command),
      [],
      'not offered inside a descriptor',
    );
    await c.close(uri(file));
  });
});
