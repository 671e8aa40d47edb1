// Push Manifest to Registry… in a real VS Code, against Debian's docker-registry started here on 127.0.0.1 (the
// extension host is a Node process; the registry is stopped and its storage removed at the end). The command pushes
// the open file's bytes on disk and returns the digest it shows, which must be the sha256 of exactly those bytes and
// of what the registry then serves; an error-level finding is refused (no tag) unless forced; with no arguments the
// command starts its prompts and returns at once.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMAND_IDS, type PushManifestResult } from '../../../server/src/protocol';
import { api, pushSmallImage } from '../../registry/fixtures';
import { startRegistry, type Registry } from '../../verify/tools';
import { waitFor } from './util';

const sha256 = (bytes: string | Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

suite('Push Manifest to Registry in a real VS Code', () => {
  let reg: Registry;
  let img: Awaited<ReturnType<typeof pushSmallImage>>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-e2e-push-'));
  const tagsOf = async (repo: string): Promise<string[]> =>
    (
      (
        JSON.parse((await api(reg.host, 'GET', `/v2/${repo}/tags/list`)).body.toString()) as {
          tags: string[];
        }
      ).tags ?? []
    ).sort();

  suiteSetup(async () => {
    reg = await startRegistry();
    img = await pushSmallImage(reg.host, 'e2e/app', 'base');
  });
  suiteTeardown(async () => {
    await reg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('push from the editor: the digest it shows is that of the file bytes, which the registry then serves', async () => {
    // Whitespace no serializer writes: the bytes, not a re-serialisation, must reach the registry.
    const text =
      img.manifest.replace(/\n/g, '\r\n').replace('"schemaVersion": 2', '"schemaVersion":\t2') + '\r\n';
    const file = path.join(dir, 'app.manifest.json');
    fs.writeFileSync(file, text);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const result = await vscode.commands.executeCommand<PushManifestResult>(
      COMMAND_IDS.pushManifest,
      doc.uri,
      {
        reference: `${reg.host}/e2e/app:1.0`,
        tags: ['latest'],
      },
    );
    assert.ok(result, 'the command returns the server answer');
    assert.equal(result.pushed, true, result.refusals.join(' '));
    assert.equal(result.digest, sha256(text), 'the digest shown is that of the bytes on disk');
    assert.equal(result.size, Buffer.byteLength(text));
    assert.equal(result.checks, 'no error-level finding; 2 of 2 blobs present in e2e/app');
    assert.match(result.result.join(' '), /^Tagged 1\.0, latest with one PUT each/);
    for (const ref of ['1.0', 'latest', result.digest]) {
      const got = await api(reg.host, 'GET', `/v2/e2e/app/manifests/${ref}`, {
        headers: { Accept: OCI_MANIFEST },
      });
      assert.ok(got.body.equals(Buffer.from(text)), `${ref}: the registry serves the file's exact bytes`);
      assert.equal(got.headers['docker-content-digest'], result.digest);
    }
    assert.deepEqual(await tagsOf('e2e/app'), ['1.0', 'base', 'latest']);
  });

  test('an error-level finding refuses the push and sets no tag; force pushes it', async () => {
    const text = img.manifest.replace('"schemaVersion": 2,', '"schemaVersion": 2, "schemaVersion": 2,');
    const file = path.join(dir, 'dup.manifest.json');
    fs.writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    const refused = await vscode.commands.executeCommand<PushManifestResult>(COMMAND_IDS.pushManifest, uri, {
      reference: `${reg.host}/e2e/app:dup`,
    });
    assert.deepEqual([refused?.pushed, refused?.forceWouldHelp, refused?.errors], [false, true, 1]);
    assert.match(refused!.findings[0]!, /oci\/duplicate-key/);
    assert.deepEqual(await tagsOf('e2e/app'), ['1.0', 'base', 'latest']);
    const forced = await vscode.commands.executeCommand<PushManifestResult>(COMMAND_IDS.pushManifest, uri, {
      reference: `${reg.host}/e2e/app:dup`,
      force: true,
    });
    assert.equal(forced?.pushed, true);
    assert.equal(forced.digest, sha256(text));
    assert.deepEqual(await tagsOf('e2e/app'), ['1.0', 'base', 'dup', 'latest']);
  });

  test('with no arguments the command asks for the reference and returns at once', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(dir, 'app.manifest.json')));
    await vscode.window.showTextDocument(doc);
    assert.equal(await vscode.commands.executeCommand(COMMAND_IDS.pushManifest), undefined);
    await waitFor('the prompt to settle', () => true);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });
});
