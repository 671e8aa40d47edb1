// Editing assistance in a real VS Code: a hover, a completion and a quick-fix applied through the editor's own
// commands, on test/e2e/workspace/editing.manifest.json (whose config digest is written in uppercase hex).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, ours, uri, waitFor } from './util';

const FILE = 'editing.manifest.json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const LOWER = 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7';

const labelOf = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);
const text = (c: vscode.MarkdownString | vscode.MarkedString): string =>
  typeof c === 'string' ? c : 'value' in c ? c.value : '';

/** The position `delta` characters into the first occurrence of `needle`. */
function positionOf(doc: vscode.TextDocument, needle: string, delta = 1): vscode.Position {
  const at = doc.getText().indexOf(needle);
  assert.ok(at >= 0, `${needle} in ${FILE}`);
  return doc.positionAt(at + delta);
}

suite('Editing assistance in a real VS Code', () => {
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    doc = await vscode.workspace.openTextDocument(uri(FILE));
    await vscode.window.showTextDocument(doc);
    // The server is up once the document's diagnostic arrives.
    await waitFor('oci/digest-format', () => ours(doc.uri).some((d) => codeOf(d) === 'oci/digest-format'));
  });

  suiteTeardown(async () => {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('hover on a media type explains it (vscode.executeHoverProvider)', async () => {
    const hovers = await waitFor('our hover', async () => {
      const all = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        positionOf(doc, LAYER, 5),
      );
      return all.some((h) => h.contents.some((c) => /most common layer type/.test(text(c)))) && all;
    });
    const mine = hovers.find((h) => h.contents.some((c) => /most common layer type/.test(text(c))))!;
    const md = mine.contents.map(text).join('\n');
    assert.match(md, /\*\*Used by:\*\* OCI/);
    assert.match(md, /✓ fits as the type of a layer/);
    assert.equal(doc.getText(mine.range), `"${LAYER}"`);
  });

  test('completion inside a layer media type offers layer types (vscode.executeCompletionItemProvider)', async () => {
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      doc.uri,
      positionOf(doc, LAYER, LAYER.length),
    );
    const labels = list.items.map(labelOf);
    assert.ok(labels.includes('application/vnd.oci.image.layer.v1.tar+zstd'), labels.join(', '));
    assert.ok(
      !labels.includes('application/vnd.oci.image.manifest.v1+json'),
      'no manifest types for a layer',
    );
  });

  test('the preferred quick-fix lowercases the digest (executeCodeActionProvider + workspace.applyEdit)', async () => {
    const d = ours(doc.uri).find((x) => codeOf(x) === 'oci/digest-format')!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      d.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => /Change the digest/.test(a.title));
    assert.ok(fix, actions.map((a) => a.title).join(', '));
    assert.equal(fix.isPreferred, true);
    assert.ok(fix.edit);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.ok(doc.getText().includes(`"${LOWER}"`));
    await waitFor(
      'the diagnostic to go away',
      () => !ours(doc.uri).some((x) => codeOf(x) === 'oci/digest-format'),
    );
  });
});
