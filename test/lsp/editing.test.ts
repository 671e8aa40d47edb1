/**
 * Editing assistance over stdio, as any LSP client sees it: hover (including the blob lookup in an OCI image
 * layout on disk), completion (with and without snippet support) and code actions (quick-fixes attached to
 * their diagnostics, applied and re-validated; source.fixAll.ociManifest).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompletionItemKind,
  InsertTextFormat,
  type CodeAction,
  type CompletionItem,
  type CompletionList,
  type Hover,
  type MarkupContent,
  type TextEdit,
} from 'vscode-languageserver-protocol';
import { fileUri, LspClient } from './client';
import { j, positionAt, rangeOf, specIndex, specManifest } from './documents';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const markdown = (h: Hover | null): string => {
  assert.ok(h, 'a hover');
  const c = h.contents as MarkupContent;
  assert.equal(c.kind, 'markdown');
  return c.value;
};

const itemsOf = (r: CompletionList | CompletionItem[] | null): CompletionItem[] =>
  Array.isArray(r) ? r : (r?.items ?? []);

/** Applies LSP text edits (line/character ranges) to a text. */
function applyTextEdits(text: string, edits: TextEdit[]): string {
  const offset = (p: { line: number; character: number }): number => {
    let at = 0;
    for (let l = 0; l < p.line; l++) at = text.indexOf('\n', at) + 1;
    return at + p.character;
  };
  const sorted = edits
    .map((e) => ({ s: offset(e.range.start), e: offset(e.range.end), t: e.newText }))
    .sort((a, b) => b.s - a.s);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}

/** The edits of a code action for one document (documentChanges or changes). */
function editsOf(action: CodeAction, uri: string): TextEdit[] {
  const dc = action.edit?.documentChanges?.[0];
  if (dc && 'edits' in dc) {
    assert.equal(dc.textDocument.uri, uri);
    return dc.edits as TextEdit[];
  }
  return action.edit?.changes?.[uri] ?? [];
}

describe('editing over LSP (a client with snippets, Markdown and code-action literals)', () => {
  let c: LspClient;
  let layout: string;
  before(async () => {
    c = await LspClient.start({
      settings: { diagnostics: { delay: 0 } },
      capabilities: {
        textDocument: {
          completion: {
            completionItem: {
              snippetSupport: true,
              documentationFormat: ['markdown'],
              tagSupport: { valueSet: [1] },
            },
          },
          codeAction: {
            codeActionLiteralSupport: {
              codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] },
            },
            isPreferredSupport: true,
            resolveSupport: { properties: ['edit'] },
          },
        },
        workspace: { workspaceEdit: { documentChanges: true } },
      },
    });
    // A small OCI image layout with one blob on disk.
    layout = mkdtempSync(join(tmpdir(), 'oci-manifest-layout-'));
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const blob = Buffer.from('{"hello": "layout"}');
    writeFileSync(join(layout, 'blobs', 'sha256', createHash('sha256').update(blob).digest('hex')), blob);
  });
  after(async () => {
    await c.stop();
    rmSync(layout, { recursive: true, force: true });
  });

  test('initialize announces hover, completion and code actions', () => {
    const caps = c.initializeResult.capabilities;
    assert.equal(caps.hoverProvider, true);
    assert.deepEqual(caps.completionProvider?.triggerCharacters, ['"', ':']);
    assert.deepEqual(caps.codeActionProvider, {
      codeActionKinds: [
        'quickfix',
        'source.fixAll.ociManifest',
        'refactor.rewrite.ociManifest.convert',
        'refactor.rewrite.ociManifest.promoteLabels',
      ],
      resolveProvider: true,
    });
  });

  test('hover: a media type, a key, a size', async () => {
    const uri = fileUri('editing/hover.manifest.json');
    const text = j(specManifest());
    await c.open(uri, text);
    const mt = rangeOf(text, `"${LAYER}"`);
    const h = await c.hover(uri, mt.start.line, mt.start.character + 5);
    assert.match(markdown(h), /most common layer type/);
    assert.match(markdown(h), /✓ fits as the type of a layer/);
    assert.deepEqual(h!.range, mt);
    const key = rangeOf(text, '"config"');
    assert.match(
      markdown(await c.hover(uri, key.start.line, key.start.character + 2)),
      /required in an OCI image manifest/,
    );
    const size = rangeOf(text, '32654');
    assert.match(
      markdown(await c.hover(uri, size.start.line, size.start.character)),
      /32,654 bytes \(31\.9 KiB\)/,
    );
    await c.close(uri);
  });

  test('hover on a digest in an OCI image layout looks the blob up on disk', async () => {
    const blob = Buffer.from('{"hello": "layout"}');
    const present = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const absent = specIndex().manifests[1]!.digest;
    const text = j({
      ...specIndex(),
      manifests: [
        { ...specIndex().manifests[0], digest: present, size: blob.length },
        specIndex().manifests[1],
      ],
    });
    const uri = pathToFileURL(join(layout, 'index.json')).href;
    await c.open(uri, text);
    const p = rangeOf(text, present);
    assert.match(
      markdown(await c.hover(uri, p.start.line, p.start.character + 3)),
      new RegExp(`\`blobs/sha256/${present.slice(7)}\` exists, 19 bytes · ✓ matches \`size\``),
    );
    const a = rangeOf(text, absent);
    assert.match(markdown(await c.hover(uri, a.start.line, a.start.character + 3)), /is missing/);
    await c.close(uri);
  });

  test('completion: media types for a layer, as replacements of the string under the cursor', async () => {
    const uri = fileUri('editing/complete.manifest.json');
    const text = j({
      ...specManifest(),
      layers: [{ ...specManifest().layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar+' }],
    });
    await c.open(uri, text);
    const at = rangeOf(text, '"application/vnd.oci.image.layer.v1.tar+"');
    const items = itemsOf(await c.completion(uri, at.end.line, at.end.character - 1));
    const zstd = items.find((i) => i.label === 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.ok(zstd, JSON.stringify(items.map((i) => i.label)));
    assert.equal(zstd.kind, CompletionItemKind.Value);
    assert.deepEqual(zstd.textEdit && 'range' in zstd.textEdit ? zstd.textEdit.range : undefined, at);
    assert.equal(zstd.filterText, '"application/vnd.oci.image.layer.v1.tar+zstd"');
    assert.ok(!items.some((i) => i.label === MANIFEST), 'no manifest types in layers');
    await c.close(uri);
  });

  test('completion: property names as snippets, required first, with a retrigger for typed values', async () => {
    const uri = fileUri('editing/props.manifest.json');
    const text = `{\n  "schemaVersion": 2,\n  "mediaType": "${MANIFEST}",\n  \n}`;
    await c.open(uri, text);
    const items = itemsOf(await c.completion(uri, 3, 2));
    const sorted = [...items]
      .sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''))
      .map((i) => i.label);
    assert.deepEqual(sorted, ['config', 'layers', 'artifactType', 'subject', 'annotations']);
    const config = items.find((i) => i.label === 'config')!;
    assert.equal(config.insertTextFormat, InsertTextFormat.Snippet);
    assert.equal((config.documentation as MarkupContent).kind, 'markdown');
    const artifactType = items.find((i) => i.label === 'artifactType')!;
    assert.equal(artifactType.command?.command, 'editor.action.triggerSuggest');
    await c.close(uri);
  });

  test('completion: whole-document snippets in a blank file', async () => {
    const uri = fileUri('editing/new.json');
    await c.open(uri, '');
    const items = itemsOf(await c.completion(uri, 0, 0));
    assert.deepEqual(
      items.map((i) => i.label),
      [
        'OCI image manifest',
        'OCI image index (multi-architecture)',
        'OCI artifact (image manifest with artifactType)',
        'Docker manifest list (multi-architecture)',
        'Docker image manifest (schema 2)',
      ],
    );
    assert.ok(items.every((i) => i.kind === CompletionItemKind.Snippet));
    await c.close(uri);
  });

  test('code action: a preferred quick-fix attached to its diagnostic; applying it clears the diagnostic', async () => {
    const uri = fileUri('editing/fix.manifest.json');
    const digest = specManifest().config.digest;
    const text = j({
      ...specManifest(),
      config: { ...specManifest().config, digest: `sha256:${digest.slice(7).toUpperCase()}` },
    });
    const mark = c.mark(uri);
    await c.open(uri, text);
    const published = await c.waitForPublish(uri, mark, (p) => p.diagnostics.length > 0);
    const diagnostic = published.diagnostics.find((d) => d.code === 'oci/digest-format')!;
    assert.ok(diagnostic);
    const actions = (await c.codeActions(uri, diagnostic.range, {
      diagnostics: [diagnostic],
      only: ['quickfix'],
    })) as CodeAction[];
    assert.equal(actions.length, 1, JSON.stringify(actions.map((a) => a.title)));
    const [fix] = actions;
    assert.equal(fix!.kind, 'quickfix');
    assert.equal(fix!.isPreferred, true);
    assert.deepEqual(fix!.diagnostics, [diagnostic]);
    assert.equal(
      (fix!.edit?.documentChanges?.[0] as { textDocument: { version: number } }).textDocument.version,
      1,
    );
    const edits = editsOf(fix!, uri);
    assert.equal(edits.length, 1);
    assert.deepEqual(edits[0]!.range, diagnostic.range, 'only the digest value is replaced');
    const fixed = applyTextEdits(text, edits);
    assert.equal(fixed, j(specManifest()));
    const mark2 = c.mark(uri);
    const v = await c.change(uri, fixed);
    const after = await c.waitForPublish(uri, mark2, (p) => p.version === v);
    assert.deepEqual(after.diagnostics, []);
    await c.close(uri);
  });

  test('code action: source.fixAll.ociManifest fixes every auto-fixable problem in one edit', async () => {
    const uri = fileUri('editing/fixall.index.json');
    const { schemaVersion: _, ...rest } = specIndex();
    const text = j({
      ...rest,
      manifests: [
        { ...specIndex().manifests[0], platform: { architecture: 'aarch64', os: 'Linux' } },
        specIndex().manifests[1],
      ],
      annotations: { 'org.opencontainers.image.license': 'MIT' },
    });
    const mark = c.mark(uri);
    await c.open(uri, text);
    await c.waitForPublish(uri, mark, (p) => p.diagnostics.length >= 4);
    // At one problem: its own fix, then "Fix all", whose edit is resolved only when chosen.
    const near = rangeOf(text, '"aarch64"');
    const here = (await c.codeActions(uri, near, { diagnostics: [], only: ['quickfix'] })) as CodeAction[];
    assert.deepEqual(
      here.map((a) => a.title),
      ['Change to "arm64"', 'Fix all auto-fixable problems'],
    );
    assert.equal(here[1]!.edit, undefined);
    const resolved = (await c.connection.sendRequest('codeAction/resolve', here[1])) as CodeAction;
    const whole = { start: { line: 0, character: 0 }, end: positionAt(text, text.length) };
    const actions = (await c.codeActions(uri, whole, {
      diagnostics: [],
      only: ['source.fixAll'],
    })) as CodeAction[];
    assert.deepEqual(
      actions.map((a) => a.kind),
      ['source.fixAll.ociManifest'],
    );
    const fixed = applyTextEdits(text, editsOf(actions[0]!, uri));
    assert.equal(
      applyTextEdits(text, editsOf(resolved, uri)),
      fixed,
      'the resolved "Fix all" makes the same edit',
    );
    const mark2 = c.mark(uri);
    const v = await c.change(uri, fixed);
    const after = await c.waitForPublish(uri, mark2, (p) => p.version === v);
    assert.deepEqual(
      after.diagnostics.map((d) => d.code),
      [],
    );
    // Quick-fixes are not offered when only source actions are asked for, and vice versa.
    const quick = (await c.codeActions(uri, whole, { diagnostics: [], only: ['quickfix'] })) as CodeAction[];
    assert.deepEqual(quick, []);
    await c.close(uri);
  });

  test('no handler failed along the way', () => {
    assert.deepEqual(c.errorLogs(), []);
  });
});

describe('editing over LSP (a minimal client: no snippets, no code-action literals)', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({ settings: { diagnostics: { delay: 0 } } });
  });
  after(() => c.stop());

  test('completions come as plain text with the placeholders filled in', async () => {
    const uri = fileUri('plain/a.index.json');
    const text = `{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{"platform": }]}`;
    await c.open(uri, text);
    const items = itemsOf(await c.completion(uri, 0, text.indexOf('}]}')));
    const platform = items.find((i) => i.label === 'Platform')!;
    assert.equal(platform.insertTextFormat, InsertTextFormat.PlainText);
    assert.equal(platform.textEdit?.newText, '{\n\t"architecture": "amd64",\n\t"os": "linux"\n}');
    assert.equal(platform.command, undefined);
    await c.close(uri);
  });

  test('the server still answers code actions (with workspace changes instead of document changes)', async () => {
    const uri = fileUri('plain/b.manifest.json');
    const text = j({ ...specManifest(), schemaVersion: '2' });
    const mark = c.mark(uri);
    await c.open(uri, text);
    const d = (await c.waitForPublish(uri, mark, (p) => p.diagnostics.length > 0)).diagnostics[0]!;
    const [fix] = (await c.codeActions(uri, d.range, { diagnostics: [d] })) as CodeAction[];
    assert.equal(fix?.title, 'Set "schemaVersion" to 2');
    assert.equal(applyTextEdits(text, fix!.edit!.changes![uri]!), j(specManifest()));
    await c.close(uri);
  });
});
