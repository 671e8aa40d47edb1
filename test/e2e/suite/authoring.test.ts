// The authoring commands in a real VS Code: Convert to OCI on test/e2e/workspace/docker.manifest.json opens the
// converted document in a new editor and returns its digest, which is the sha256 of exactly what that editor holds;
// Compare with… opens VS Code's diff view and says "Docker vs OCI only"; Create Index from Manifests… lists the
// layout's manifest with its config's platform. Nothing is written into the workspace.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMAND_IDS, type CompareResult, type PromoteLabelsResult } from '../../../server/src/protocol';
import type { ConvertOutcome, CreateIndexOutcome } from '../../../client/src/authoring';
import { uri, waitFor } from './util';

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

suite('Authoring commands in a real VS Code', () => {
  test('Convert to OCI: a new editor with only the media types changed, and its digest', async () => {
    const source = await vscode.workspace.openTextDocument(uri('docker.manifest.json'));
    await vscode.window.showTextDocument(source);
    const original = source.getText();
    const result = await vscode.commands.executeCommand<ConvertOutcome>(COMMAND_IDS.convertToOci);
    assert.ok(result?.document, 'the command returns the converted document');
    assert.deepEqual(result.refusals, []);
    const converted = result.document.getText();
    assert.equal(result.document.isUntitled, true, 'a new editor, not the original file');
    assert.equal(
      converted,
      original
        .replace(
          'application/vnd.docker.distribution.manifest.v2+json',
          'application/vnd.oci.image.manifest.v1+json',
        )
        .replace('application/vnd.docker.container.image.v1+json', 'application/vnd.oci.image.config.v1+json')
        .split('application/vnd.docker.image.rootfs.diff.tar.gzip')
        .join('application/vnd.oci.image.layer.v1.tar+gzip'),
    );
    assert.equal(result.digest, sha256(converted), 'the digest shown is that of the bytes in the new editor');
    assert.equal(result.size, Buffer.byteLength(converted));
    await waitFor(
      'the converted editor to be active',
      () => vscode.window.activeTextEditor?.document === result.document,
    );
    assert.equal(source.getText(), original, 'the original is untouched');
  });

  test('Convert to Docker Schema 2 refuses what it would lose, and opens nothing', async () => {
    const file = path.join(os.tmpdir(), `oci-e2e-annotated-${process.pid}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('{}'), size: 2 },
        layers: [],
        annotations: { 'org.opencontainers.image.title': 'kept' },
      }),
    );
    try {
      const before = vscode.workspace.textDocuments.length;
      const result = await vscode.commands.executeCommand<ConvertOutcome>(
        COMMAND_IDS.convertToDocker,
        vscode.Uri.file(file),
      );
      assert.ok(result);
      assert.equal(result.document, undefined);
      assert.equal(result.text, undefined);
      assert.match(result.refusals.join(' '), /Docker schema 2 documents have no annotations/);
      assert.ok(vscode.workspace.textDocuments.length <= before + 1, 'no result editor');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('Compare with…: the diff view of both documents and the semantic verdict', async () => {
    const converted = await vscode.commands.executeCommand<ConvertOutcome>(
      COMMAND_IDS.convertToOci,
      uri('docker.manifest.json'),
    );
    const file = path.join(os.tmpdir(), `oci-e2e-converted-${process.pid}.json`);
    fs.writeFileSync(file, converted!.text!);
    try {
      const result = await vscode.commands.executeCommand<CompareResult>(
        COMMAND_IDS.compareWith,
        uri('docker.manifest.json'),
        vscode.Uri.file(file),
      );
      assert.ok(result);
      assert.equal(result.verdict, 'media-types-only');
      assert.match(result.summary, /^Docker vs OCI only/);
      assert.equal(result.changes.length, 4);
      const tab = await waitFor('the diff editor', () => {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return input instanceof vscode.TabInputTextDiff && input;
      });
      assert.equal(tab.original.toString(), uri('docker.manifest.json').toString());
      assert.equal(tab.modified.fsPath, file);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('Create Index from Manifests…: the layout manifest listed with its config’s platform', async () => {
    const index = JSON.parse(fs.readFileSync(uri('layout/index.json').fsPath, 'utf8')) as {
      manifests: { digest: string }[];
    };
    const [alg, hex] = index.manifests[0]!.digest.split(':') as [string, string];
    const manifest = uri(`layout/blobs/${alg}/${hex}`);
    const result = await vscode.commands.executeCommand<CreateIndexOutcome>(
      COMMAND_IDS.createIndex,
      manifest,
    );
    assert.ok(result?.document, JSON.stringify(result));
    assert.deepEqual(result.entries, [`linux/amd64 ${index.manifests[0]!.digest}`]);
    assert.equal(result.digest, sha256(result.document.getText()));
  });

  test('Promote Config Labels to Annotations says what stops it, and the commands return at once with no arguments', async () => {
    const docker = await vscode.commands.executeCommand<PromoteLabelsResult>(
      COMMAND_IDS.promoteLabels,
      uri('docker.manifest.json'),
    );
    assert.match(docker!.problems.join(' '), /convert the document to OCI first/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const key of [
      'convertToOci',
      'convertToDocker',
      'compareWith',
      'createIndex',
      'promoteLabels',
    ] as const)
      assert.equal(await vscode.commands.executeCommand(COMMAND_IDS[key]), undefined, key);
  });
});
