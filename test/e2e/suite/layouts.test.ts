// The OCI Layouts view in a real VS Code: a layout written to a temporary folder (outside the workspace) is
// opened with "OCI: Open Image Layout…", its items are read through the extension's API (the same
// TreeDataProvider the view shows), and the item commands run on them: Copy Digest, Copy Descriptor, Open.
// The workspace's own layout (test/e2e/workspace/layout/, one layer corrupted on purpose) is verified from it.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { sleep, waitFor } from './util';
import type { ExtensionApi } from '../../../client/src/extension';
import type { LayoutTreeNode } from '../../../client/src/views/layoutModel';
import type { LayoutsViewApi } from '../../../client/src/views/layouts';
import { COMMAND_IDS } from '../../../server/src/protocol';

const EXT_ID = 'oci-manifest.oci-manifest';
const TAG = 'org.opencontainers.image.ref.name';
const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  empty: 'application/vnd.oci.empty.v1+json',
};
const sha256 = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const desc = (mediaType: string, content: string, extra: Record<string, unknown> = {}) => ({
  mediaType,
  digest: sha256(content),
  size: Buffer.byteLength(content),
  ...extra,
});
const short = (d: string) => d.slice(0, 'sha256:'.length + 12);

/** A small image: tag 1.0 (linux/amd64), tag multi (an index of amd64 and arm64/v8), a signature and an SBOM. */
function writeLayout(dir: string) {
  const blobs: string[] = [];
  const blob = (s: string) => (blobs.push(s), s);
  const config = blob(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const layer = blob('pretend this is a gzip layer');
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: desc(MT.config, config),
      layers: [desc(MT.layer, layer)],
    }),
  );
  const arm = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: desc(MT.config, config),
      layers: [desc(MT.layer, layer), desc(MT.layer, layer)],
    }),
  );
  const nested = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: [
        desc(MT.manifest, manifest, { platform: { architecture: 'amd64', os: 'linux' } }),
        desc(MT.manifest, arm, { platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } }),
      ],
    }),
  );
  const empty = blob('{}');
  const sigBlob = blob('{"signature":"not really"}');
  const signature = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.manifest,
      artifactType: 'application/vnd.cncf.notary.signature',
      config: desc(MT.empty, empty),
      layers: [desc('application/jose+json', sigBlob)],
      subject: desc(MT.manifest, manifest),
    }),
  );
  const sbomBlob = blob('{"spdxVersion":"SPDX-2.3"}');
  const sbom = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.manifest,
      artifactType: 'application/spdx+json',
      config: desc(MT.empty, empty),
      layers: [desc('application/spdx+json', sbomBlob)],
      subject: desc(MT.index, nested),
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: MT.index,
    manifests: [
      desc(MT.manifest, manifest, {
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { [TAG]: '1.0' },
      }),
      desc(MT.index, nested, { annotations: { [TAG]: 'multi' } }),
      desc(MT.manifest, signature, { artifactType: 'application/vnd.cncf.notary.signature' }),
      desc(MT.manifest, sbom, { artifactType: 'application/spdx+json' }),
    ],
  };
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index, null, 2));
  for (const b of blobs) writeFileSync(join(dir, 'blobs', 'sha256', sha256(b).slice(7)), b);
  return { index, manifest, config, layer, nested };
}

suite('OCI Layouts view in a real VS Code', () => {
  let api: ExtensionApi;
  let view: LayoutsViewApi;
  let dir: string;
  let made: ReturnType<typeof writeLayout>;
  const item = (n: LayoutTreeNode) => view.item(n);
  const label = (n: LayoutTreeNode) => String(item(n).label);
  const description = (n: LayoutTreeNode) => String(item(n).description ?? '');
  const find = (nodes: LayoutTreeNode[], l: string): LayoutTreeNode => {
    const n = nodes.find((x) => label(x) === l);
    assert.ok(n, `${l} in ${nodes.map(label).join(', ')}`);
    return n;
  };
  const layoutNode = async () => find(await view.roots(), 'image');

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>(EXT_ID)!.activate();
    view = api.layoutsView();
    dir = join(mkdtempSync(join(tmpdir(), 'oci-e2e-layout-')), 'image');
    made = writeLayout(dir);
  });

  suiteTeardown(async () => {
    const node = (await view.roots()).find(
      (n) => n.type === 'layout' && n.root === vscode.Uri.file(dir).toString(),
    );
    if (node) await vscode.commands.executeCommand(COMMAND_IDS.closeLayout, node);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  test('every layout command returns when run with no argument', async () => {
    const mine = [
      COMMAND_IDS.openLayout,
      COMMAND_IDS.refreshLayouts,
      COMMAND_IDS.closeLayout,
      COMMAND_IDS.openLayoutItem,
      COMMAND_IDS.verifyLayoutItem,
      COMMAND_IDS.copyDigest,
      COMMAND_IDS.copyDescriptor,
      COMMAND_IDS.revealBlob,
    ];
    for (const id of mine) {
      const done = await Promise.race([
        Promise.resolve(vscode.commands.executeCommand(id)).then(() => true),
        sleep(10_000).then(() => false),
      ]);
      assert.ok(done, `${id} returned`);
    }
    // Open Image Layout… with no folder shows a folder picker without waiting for it: close it.
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  test('Open Image Layout adds the layout; its index.json entries show by tag, referrers not at the top', async () => {
    // A file inside the layout is enough: the view finds the folder with the oci-layout file.
    await vscode.commands.executeCommand(COMMAND_IDS.openLayout, vscode.Uri.file(join(dir, 'index.json')));
    const root = await layoutNode();
    assert.equal(root.type === 'layout' && root.opened, true);
    assert.match(String(item(root).contextValue), /\bopened\b/);
    const top = await view.children(root);
    assert.deepEqual(top.map(label), ['1.0', 'multi']);
    const m = made.index.manifests[0]!;
    assert.equal(description(top[0]!), `linux/amd64 · OCI manifest · ${m.size} B · ${short(m.digest)}`);
    assert.equal((item(top[0]!).iconPath as vscode.ThemeIcon).id, 'package');
    assert.equal((item(top[1]!).iconPath as vscode.ThemeIcon).id, 'layers');
  });

  test('a manifest shows its config and layers with media type, size and digest, and its signature', async () => {
    const [tagged] = await view.children(await layoutNode());
    const kids = await view.children(tagged!);
    assert.deepEqual(kids.map(label), ['config', 'layers[0]', 'cncf.notary.signature']);
    assert.equal(
      description(kids[0]!),
      `OCI config · ${made.config.length} B · ${short(sha256(made.config))}`,
    );
    assert.equal(description(kids[1]!), `tar+gzip · ${made.layer.length} B · ${short(sha256(made.layer))}`);
    assert.match(description(kids[2]!), /^signature · OCI manifest · \d+ B · sha256:[0-9a-f]{12}$/);
    assert.deepEqual((await view.children(kids[2]!)).map(label), ['config', 'layers[0]', 'subject']);
    const tooltip = item(kids[1]!).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /"mediaType": "application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip"/);
    assert.match((item(tagged!).tooltip as vscode.MarkdownString).value, /read-only for this session/);
  });

  test('a nested index shows its platforms and its SBOM', async () => {
    const multi = (await view.children(await layoutNode()))[1]!;
    const kids = await view.children(multi);
    assert.deepEqual(kids.map(label), ['linux/amd64', 'linux/arm64/v8', 'spdx+json']);
    assert.match(description(kids[2]!), /^SBOM · /);
    assert.deepEqual((await view.children(kids[1]!)).map(label), ['config', 'layers[0]', 'layers[1]']);
  });

  test('Copy Digest and Copy Descriptor put the digest and the descriptor on the clipboard', async () => {
    const [tagged] = await view.children(await layoutNode());
    const [cfg] = await view.children(tagged!);
    await vscode.commands.executeCommand(COMMAND_IDS.copyDigest, cfg);
    assert.equal(await vscode.env.clipboard.readText(), sha256(made.config));
    await vscode.commands.executeCommand(COMMAND_IDS.copyDescriptor, tagged);
    assert.deepEqual(JSON.parse(await vscode.env.clipboard.readText()), made.index.manifests[0]);
  });

  test('clicking a manifest opens its blob as JSON, read-only; a layer shows its descriptor', async () => {
    const [tagged] = await view.children(await layoutNode());
    const command = item(tagged!).command!;
    assert.equal(command.command, COMMAND_IDS.openLayoutItem);
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    const editor = await waitFor(
      'the manifest editor',
      () =>
        vscode.window.activeTextEditor?.document.uri.path.endsWith(
          made.index.manifests[0]!.digest.slice(7),
        ) && vscode.window.activeTextEditor,
    );
    assert.equal(editor.document.languageId, 'json');
    assert.equal(editor.document.getText(), made.manifest);
    // Typing into it changes nothing while it is read-only in this session; once the user lifts the lock
    // (as the tooltip says), typing edits it. The second half shows that the typing reaches the editor.
    await vscode.commands.executeCommand('type', { text: 'x' });
    await sleep(500);
    const lockedOut = !editor.document.isDirty && editor.document.getText() === made.manifest;
    await vscode.commands.executeCommand('workbench.action.files.toggleActiveEditorReadonlyInSession');
    await vscode.commands.executeCommand('type', { text: 'x' });
    await waitFor('typing to edit the unlocked blob', () => editor.document.isDirty, 5000);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.ok(lockedOut, 'the blob editor is read-only in this session');

    const [, layer] = await view.children(tagged!);
    const c = item(layer!).command!;
    await vscode.commands.executeCommand(c.command, ...(c.arguments ?? []));
    const shown = await waitFor(
      'the descriptor document',
      () =>
        vscode.window.activeTextEditor?.document.uri.scheme === 'oci-descriptor' &&
        vscode.window.activeTextEditor,
    );
    assert.equal(shown.document.languageId, 'json');
    assert.deepEqual(JSON.parse(shown.document.getText()), desc(MT.layer, made.layer));
  });

  test('the workspace layout is listed; Verify on it marks the corrupted layer and the verified blobs', async () => {
    const root = find(await view.roots(), 'layout');
    assert.equal(root.type === 'layout' && root.opened, false);
    assert.doesNotMatch(String(item(root).contextValue), /\bopened\b/);
    const [entry] = await view.children(root);
    assert.equal(label(entry!), 'e2e');
    const kids = await view.children(entry!);
    assert.deepEqual(kids.map(label), ['config', 'layers[0]', 'layers[1]']);
    const icon = (n: LayoutTreeNode) => (item(n).iconPath as vscode.ThemeIcon).id;
    assert.equal(icon(kids[2]!), 'file-zip', 'no status before a verification');
    await vscode.commands.executeCommand(COMMAND_IDS.verifyLayoutItem, root);
    await waitFor('the status icons', () => icon(kids[2]!) === 'error');
    assert.equal(icon(kids[0]!), 'pass');
    assert.equal(icon(kids[1]!), 'pass');
    assert.equal(icon(entry!), 'pass');
    assert.match((item(kids[2]!).tooltip as vscode.MarkdownString).value, /does \*\*not\*\* match/);
  });

  test('a change to index.json on disk shows in the view', async () => {
    const index = structuredClone(made.index);
    index.manifests.push(
      desc(MT.manifest, made.manifest, {
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { [TAG]: 'latest' },
      }),
    );
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index, null, 2));
    await waitFor(
      'the new tag',
      async () => (await view.children(await layoutNode())).map(label).includes('latest'),
      20_000,
    );
  });
});
