// Image archives in a real VS Code: an OCI layout tarball (a real gzip layer, packed by GNU tar as buildx and
// Docker 25+ write them) is opened with "OCI: Open Image Layout…", its graph shows in the OCI Layouts view,
// clicking its manifest opens the blob read from the tarball as a read-only oci-blob: document that gets
// diagnostics, and Verify (and Verify Layout (Deep)) on it verify it; a copy with a flipped layer byte fails.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as vscode from 'vscode';
import { codeOf, ours, waitFor } from './util';
import type { ExtensionApi } from '../../../client/src/extension';
import type { LayoutTreeNode } from '../../../client/src/views/layoutModel';
import type { LayoutsViewApi } from '../../../client/src/views/layouts';
import { COMMAND_IDS, type VerifyLayoutResult } from '../../../server/src/protocol';

const EXT_ID = 'oci-manifest.oci-manifest';
const sha256 = (b: string | Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function tar(args: string[]): void {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
}

/** A one-image layout with a real gzip layer, packed as `image.tar`; and `flipped.tar` with a layer byte changed. */
function makeArchives(dir: string) {
  const content = join(dir, 'content');
  mkdirSync(join(content, 'etc'), { recursive: true });
  writeFileSync(join(content, 'etc', 'motd'), 'hello from a tarball\n');
  tar(['-cf', join(dir, 'layer.tar'), '-C', content, 'etc']);
  const plain = readFileSync(join(dir, 'layer.tar'));
  const layer = gzipSync(plain);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [sha256(plain)] },
    history: [{ created_by: 'e2e' }],
  });
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    },
    null,
    2,
  );
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha256(manifest),
        size: manifest.length,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'org.opencontainers.image.ref.name': 'v1' },
      },
    ],
  });
  const layout = join(dir, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layout, 'index.json'), index);
  for (const b of [config, manifest, layer])
    writeFileSync(join(layout, 'blobs', 'sha256', sha256(b).slice(7)), b);
  const good = join(dir, 'image.tar');
  tar(['-cf', good, '-C', layout, '.']);
  // The same image with one byte of the layer changed (same length).
  const broken = Buffer.from(layer);
  const mid = Math.floor(broken.length / 2);
  broken[mid] = broken[mid]! ^ 0xff;
  writeFileSync(join(layout, 'blobs', 'sha256', sha256(layer).slice(7)), broken);
  const flipped = join(dir, 'flipped.tar');
  tar(['-cf', flipped, '-C', layout, '.']);
  return { good, flipped, manifest, config, layer: sha256(layer) };
}

suite('Image archives in the OCI Layouts view of a real VS Code', () => {
  let view: LayoutsViewApi;
  let dir: string;
  let made: ReturnType<typeof makeArchives>;
  const item = (n: LayoutTreeNode) => view.item(n);
  const label = (n: LayoutTreeNode) => String(item(n).label);
  const icon = (n: LayoutTreeNode) => (item(n).iconPath as vscode.ThemeIcon).id;
  const archiveNode = async (name: string) => {
    const n = (await view.roots()).find((x) => label(x) === name);
    assert.ok(n, `${name} in the view`);
    return n;
  };

  suiteSetup(async () => {
    const api = await vscode.extensions.getExtension<ExtensionApi>(EXT_ID)!.activate();
    view = api.layoutsView();
    dir = mkdtempSync(join(tmpdir(), 'oci-e2e-archive-'));
    made = makeArchives(dir);
  });

  suiteTeardown(async () => {
    for (const name of ['image.tar', 'flipped.tar']) {
      const node = (await view.roots()).find((n) => label(n) === name);
      if (node) await vscode.commands.executeCommand(COMMAND_IDS.closeLayout, node);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  test('Open Image Layout takes a .tar: the archive shows with its image, config and layer', async () => {
    const node = await vscode.commands.executeCommand<LayoutTreeNode>(
      COMMAND_IDS.openLayout,
      vscode.Uri.file(made.good),
    );
    assert.ok(node, 'the archive opened');
    const root = await archiveNode('image.tar');
    assert.match(String(item(root).contextValue), /\bopened\b/);
    const [entry, ...rest] = await view.children(root);
    assert.deepEqual(rest, []);
    assert.equal(label(entry!), 'v1');
    assert.equal(icon(root), 'file-zip', 'the graph says it is an archive');
    assert.match((item(root).tooltip as vscode.MarkdownString).value, /OCI image layout archive/);
    const kids = await view.children(entry!);
    assert.deepEqual(kids.map(label), ['config', 'layers[0]']);
    assert.doesNotMatch(
      String(item(kids[0]!).contextValue),
      /\bfile\b/,
      'nothing to reveal inside a tarball',
    );
  });

  test('clicking the manifest opens the blob read from the tarball, read-only, linted like a file', async () => {
    const [entry] = await view.children(await archiveNode('image.tar'));
    const command = item(entry!).command!;
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    const editor = await waitFor(
      'the manifest from the archive',
      () =>
        vscode.window.activeTextEditor?.document.uri.scheme === 'oci-blob' && vscode.window.activeTextEditor,
    );
    assert.equal(editor.document.getText(), made.manifest);
    assert.equal(editor.document.languageId, 'json');
    // A document from a content provider cannot be edited.
    await vscode.commands.executeCommand('type', { text: 'x' });
    assert.equal(editor.document.getText(), made.manifest);
    // The server serves it: its kind is detected (shown in the status bar), and its descriptors link to the
    // archive's blobs.
    const links = await waitFor('links into the archive', async () => {
      const l = await vscode.commands.executeCommand<vscode.DocumentLink[]>(
        'vscode.executeLinkProvider',
        editor.document.uri,
      );
      return l && l.length > 0 && l;
    });
    assert.ok(
      links.every((l) => l.target?.scheme === 'oci-blob'),
      JSON.stringify(links.map((l) => l.target?.toString())),
    );
  });

  test('Verify on the archive verifies every blob (icons); a flipped layer byte fails on that layer', async () => {
    const root = await archiveNode('image.tar');
    const result = await vscode.commands.executeCommand<VerifyLayoutResult>(
      COMMAND_IDS.verifyLayoutItem,
      root,
    );
    assert.ok(result, 'the verification returns its result');
    assert.match(result.summary, /^3 verified, 0 mismatches, 0 not found; 3 blobs/);
    const [entry] = await view.children(root);
    const kids = await view.children(entry!);
    await waitFor('the verified icons', () => icon(kids[1]!) === 'pass');
    assert.equal(icon(kids[0]!), 'pass');

    await vscode.commands.executeCommand(COMMAND_IDS.openLayout, vscode.Uri.file(made.flipped));
    const broken = await archiveNode('flipped.tar');
    const deep = await vscode.commands.executeCommand<VerifyLayoutResult>(
      COMMAND_IDS.verifyLayoutDeep,
      broken,
    );
    assert.ok(deep);
    assert.match(deep.summary, /1 mismatch/);
    const manifestFile = deep.files.find((f) => f.findings > 0)!;
    assert.match(manifestFile.uri, /^oci-blob:\/\/archive\//);
    await waitFor('the mismatch on the manifest from the archive', () =>
      ours(vscode.Uri.parse(manifestFile.uri)).some((d) => codeOf(d) === 'oci/blob-digest-mismatch'),
    );
  });
});
