// Verify Digests in a real VS Code: test/e2e/workspace/layout/ is a small OCI image layout (made by
// test/e2e/make-layout.mjs) whose second layer's file was corrupted on purpose. The command, run on the
// manifest blob, reports the mismatch on that layer's digest and returns the summary it shows.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, ours, waitFor } from './util';
import {
  COMMAND_IDS,
  type ComputeDigestResult,
  type VerifyDocumentResult,
} from '../../../server/src/protocol';

const folder = () => vscode.workspace.workspaceFolders![0]!.uri;

suite('Verify Digests in a real VS Code', () => {
  test('the corrupted layer is reported on its descriptor, with the summary', async () => {
    const index = JSON.parse(
      new TextDecoder().decode(
        await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder(), 'layout', 'index.json')),
      ),
    ) as { manifests: { digest: string }[] };
    const [alg, hex] = index.manifests[0]!.digest.split(':') as [string, string];
    const manifestUri = vscode.Uri.joinPath(folder(), 'layout', 'blobs', alg, hex);
    const doc = await vscode.workspace.openTextDocument(manifestUri);
    await vscode.window.showTextDocument(doc);
    const manifest = JSON.parse(doc.getText()) as { layers: { digest: string }[] };
    const badDigest = manifest.layers[1]!.digest;

    const result = await vscode.commands.executeCommand<VerifyDocumentResult>(
      COMMAND_IDS.verifyDigests,
      manifestUri,
    );
    assert.ok(result, 'the command returns its result');
    assert.equal(result.summary, '2 verified, 1 mismatch, 0 not found');

    const d = await waitFor('the mismatch diagnostic', () =>
      ours(manifestUri).find((x) => codeOf(x) === 'oci/blob-digest-mismatch'),
    );
    const at = doc.getText().indexOf(JSON.stringify(badDigest));
    assert.ok(at > 0);
    assert.deepEqual(
      [d.range.start, d.range.end].map((p) => doc.offsetAt(p)),
      [at, at + JSON.stringify(badDigest).length],
      'on the second layer’s digest',
    );
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
  });

  test('Copy Digest of This Document gives the digest of the bytes on disk', async () => {
    const file = vscode.Uri.joinPath(folder(), 'layout', 'oci-layout');
    const r = await vscode.commands.executeCommand<ComputeDigestResult>(COMMAND_IDS.copyDocumentDigest, file);
    assert.ok(r);
    assert.equal(r.size, 31);
    assert.equal(await vscode.env.clipboard.readText(), r.digest);
  });

  test('the new commands return at once with no arguments', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const key of ['verifyDigests', 'insertDescriptor', 'copyDocumentDigest'] as const) {
      assert.equal(await vscode.commands.executeCommand(COMMAND_IDS[key]), undefined, key);
    }
  });
});
