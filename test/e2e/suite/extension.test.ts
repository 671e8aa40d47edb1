// End-to-end tests inside a real VS Code extension host: the extension as installed from source, the language
// server as a real child process, documents opened and edited through the VS Code API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ErrorAction } from 'vscode-languageclient/node';
import { codeOf, ours, sleep, uri, waitFor } from './util';
import type { ExtensionApi } from '../../../client/src/extension';
import { COMMAND_IDS, ServerInfoRequest } from '../../../server/src/protocol';

const EXT_ID = 'oci-manifest.oci-manifest';

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(uri(name));
  await vscode.window.showTextDocument(doc);
  return doc;
}

async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace
    .getConfiguration('ociManifest')
    .update(key, value, vscode.ConfigurationTarget.Global);
}

suite('OCI Manifest in a real VS Code', () => {
  let api: ExtensionApi;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXT_ID);
    assert.ok(ext, `extension ${EXT_ID} is installed`);
    api = await ext.activate();
  });

  test('an unrelated JSON file does not start the language server', async () => {
    const doc = await open('unrelated.json');
    await sleep(1500);
    assert.equal(api.serverStarted(), false);
    assert.deepEqual(ours(doc.uri), []);
    assert.equal(api.statusText(), undefined);
  });

  test('a broken manifest starts the server and gets a diagnostic with its code and range', async () => {
    const doc = await open('broken.manifest.json');
    const d = await waitFor('oci/schema-version', () =>
      ours(doc.uri).find((x) => codeOf(x) === 'oci/schema-version'),
    );
    assert.equal(api.serverStarted(), true);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(doc.getText(d.range), '"2"');
    assert.deepEqual([d.range.start.line, d.range.start.character], [1, 19]);
    assert.match(String((d.code as { target: vscode.Uri }).target), /docs\/rules\.md#oci-schema-version$/);
  });

  test('the status bar shows the detected kind', async () => {
    await open('broken.manifest.json');
    const text = await waitFor(
      'status text',
      () => api.statusText()?.includes('OCI image manifest') && api.statusText(),
    );
    assert.match(text, /OCI image manifest/);
  });

  test('a JSON file recognised by its content is served', async () => {
    const doc = await open('detected.json');
    const d = await waitFor('oci/ambiguous-document', () =>
      ours(doc.uri).find((x) => codeOf(x) === 'oci/ambiguous-document'),
    );
    assert.equal(doc.getText(d.range), '"layers"');
    assert.equal(api.kindOf(doc.uri)?.kind, 'image-index');
  });

  test('an edit that fixes the problem clears the diagnostic', async () => {
    const doc = await open('broken.manifest.json');
    const d = await waitFor('oci/schema-version', () =>
      ours(doc.uri).find((x) => codeOf(x) === 'oci/schema-version'),
    );
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, d.range, '2');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(
      'the diagnostic to go away',
      () => !ours(doc.uri).some((x) => codeOf(x) === 'oci/schema-version'),
    );
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('a severity override in the settings applies without a reload', async () => {
    const doc = await open('detected.json');
    try {
      await setSetting('diagnostics.severity', { 'oci/ambiguous-document': 'info' });
      await waitFor('severity info', () =>
        ours(doc.uri).some(
          (x) =>
            codeOf(x) === 'oci/ambiguous-document' && x.severity === vscode.DiagnosticSeverity.Information,
        ),
      );
      await setSetting('diagnostics.severity', { 'oci/ambiguous-document': 'off' });
      await waitFor(
        'the rule to be off',
        () => !ours(doc.uri).some((x) => codeOf(x) === 'oci/ambiguous-document'),
      );
    } finally {
      await setSetting('diagnostics.severity', undefined);
    }
    await waitFor('the default severity back', () =>
      ours(doc.uri).some(
        (x) => codeOf(x) === 'oci/ambiguous-document' && x.severity === vscode.DiagnosticSeverity.Error,
      ),
    );
  });

  test('switching content detection off leaves only files matched by name', async () => {
    const detected = await open('detected.json');
    const named = await open('broken.manifest.json');
    await waitFor('diagnostics on both', () => ours(detected.uri).length > 0 && ours(named.uri).length > 0);
    try {
      await setSetting('diagnostics.contentDetection', false);
      await waitFor('detected.json to be cleared', () => ours(detected.uri).length === 0);
      assert.ok(ours(named.uri).length > 0, 'a *.manifest.json file is still validated');
    } finally {
      await setSetting('diagnostics.contentDetection', undefined);
    }
    await waitFor('detected.json to be served again', () => ours(detected.uri).length > 0);
  });

  test('every contributed command is registered and runs', async () => {
    const pkg = vscode.extensions.getExtension(EXT_ID)!.packageJSON as {
      contributes: { commands: { command: string }[] };
    };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(COMMAND_IDS).sort());
    const all = await vscode.commands.getCommands(true);
    for (const id of contributed) assert.ok(all.includes(id), `${id} is registered`);
    await vscode.commands.executeCommand(COMMAND_IDS.showOutput);
    const before = await api.client()!.sendRequest(ServerInfoRequest);
    await vscode.commands.executeCommand(COMMAND_IDS.restartServer);
    const after = await waitFor('a new server', async () => {
      const c = api.client();
      if (!c?.isRunning()) return undefined;
      const info = await c.sendRequest(ServerInfoRequest);
      return info.pid !== before.pid && info;
    });
    assert.notEqual(after.pid, before.pid);
    const doc = await open('detected.json');
    await waitFor('diagnostics from the new server', () => ours(doc.uri).length > 0);
  });

  test('the client restarts the server after it is killed', async () => {
    const c0 = api.client()!;
    // Messages still in flight when the server dies fail to be written (EPIPE) before the close is seen. The
    // library's default error handler shuts the client down for good after three such errors (seen in CI on a busy
    // machine); ours keeps going and lets the close restart the server.
    const onError = await c0.clientOptions.errorHandler!.error(new Error('write EPIPE'), undefined, 10);
    assert.equal(onError.action, ErrorAction.Continue);
    const before = await c0.sendRequest(ServerInfoRequest);
    process.kill(before.pid, 'SIGKILL');
    await Promise.allSettled(Array.from({ length: 8 }, () => c0.sendRequest(ServerInfoRequest)));
    const after = await waitFor(
      'the client to restart the server',
      async () => {
        const c = api.client();
        if (!c?.isRunning()) return undefined;
        try {
          const info = await c.sendRequest(ServerInfoRequest);
          return info.pid !== before.pid && info;
        } catch {
          return undefined;
        }
      },
      45_000,
    );
    assert.notEqual(after.pid, before.pid);
    const doc = await open('broken.manifest.json');
    await waitFor('diagnostics after the restart', () =>
      ours(doc.uri).some((x) => codeOf(x) === 'oci/schema-version'),
    );
  });
});
