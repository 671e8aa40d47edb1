// Registries in a real VS Code: the suite starts Debian's docker-registry on loopback (test/verify/tools.ts, as the
// node tests do), pushes an image with a broken manifest and an index over it with the registry API, then: "OCI:
// Open Manifest from Registry…" opens the broken manifest as a read-only oci-blob://registry document holding the
// exact bytes served, with its diagnostic; Go to Definition on its config digest opens the config fetched from the
// same repository; an index opens the platform asked for; the Registries view lists the registry's repositories,
// tags and an index's platforms; a hover on the tag-pinned base image says which digest the tag names now.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../client/src/extension';
import type { OpenedReference } from '../../../client/src/views/registries';
import type { RegistryTreeNode } from '../../../client/src/views/registryModel';
import { COMMAND_IDS } from '../../../server/src/protocol';
import {
  configOnlyManifest,
  OCI_INDEX,
  OCI_MANIFEST,
  putManifest,
  uploadBlob,
} from '../../registry/fixtures';
import { startRegistry, type Registry } from '../../verify/tools';
import { codeOf, ours, waitFor } from './util';

const EXT_ID = 'oci-manifest.oci-manifest';

suite('Registries', function () {
  this.timeout(120_000);
  let reg: Registry;
  let api: ExtensionApi;
  let manifest: string;
  let manifestDigest: string;
  let config: string;
  let configDigest: string;
  let indexDigest: string;

  suiteSetup(async () => {
    reg = await startRegistry();
    config = JSON.stringify({
      architecture: 'arm64',
      variant: 'v8',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    });
    configDigest = await uploadBlob(reg.host, 'team/app', config);
    manifest = configOnlyManifest(
      { digest: configDigest, size: config.length },
      {
        'org.opencontainers.image.created': 'yesterday',
        'org.opencontainers.image.base.name': `${reg.host}/team/app:1`,
      },
      2,
    );
    manifestDigest = await putManifest(reg.host, 'team/app', '1', manifest, OCI_MANIFEST);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: manifestDigest,
          size: Buffer.byteLength(manifest),
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        },
      ],
    });
    indexDigest = await putManifest(reg.host, 'team/app', 'multi', index, OCI_INDEX);
    api = (await vscode.extensions.getExtension<ExtensionApi>(EXT_ID)!.activate())!;
    // User settings (Global): the workspace folder's files stay untouched.
    await vscode.workspace
      .getConfiguration('ociManifest')
      .update('registries', [reg.host], vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace
      .getConfiguration('ociManifest')
      .update('registries', undefined, vscode.ConfigurationTarget.Global);
    await reg?.stop();
  });

  test('Open Manifest from Registry: the exact bytes as a read-only document with its diagnostic; Go to Definition on the config digest fetches the config', async () => {
    const opened = (await vscode.commands.executeCommand(
      COMMAND_IDS.openFromRegistry,
      `${reg.host}/team/app:1`,
    )) as OpenedReference | undefined;
    assert.ok(opened, 'the command opened the document');
    assert.equal(opened.result.digest, manifestDigest);
    const editor = await waitFor('the registry document in the editor', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.toString() === opened.uri && e;
    });
    const doc = editor.document;
    assert.equal(doc.uri.scheme, 'oci-blob');
    assert.equal(doc.uri.authority, 'registry');
    assert.equal(doc.getText(), manifest);
    const d = await waitFor('oci/annotation-format on the registry document', () =>
      ours(doc.uri).find((x) => codeOf(x) === 'oci/annotation-format'),
    );
    const start = manifest.indexOf('"yesterday"');
    assert.deepEqual(
      [d.range.start.line, d.range.start.character],
      [doc.positionAt(start).line, doc.positionAt(start).character],
    );

    // Go to Definition on the config's digest, as the user does it (F12).
    const at = doc.positionAt(manifest.indexOf(configDigest) + 12);
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('editor.action.revealDefinition');
    const configEditor = await waitFor('the config opened from the registry', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.toString() !== opened.uri && e.document.uri.scheme === 'oci-blob' && e;
    });
    assert.equal(configEditor.document.getText(), config);
    assert.ok(
      configEditor.document.uri.path.includes(configDigest.slice(7)),
      configEditor.document.uri.toString(),
    );
  });

  test('an index opens the manifest of the platform asked for; a hover on the tag-pinned base says which digest the tag names', async () => {
    const opened = (await vscode.commands.executeCommand(COMMAND_IDS.openFromRegistry, {
      reference: `${reg.host}/team/app:multi`,
      platform: 'linux/arm64/v8',
    })) as OpenedReference | undefined;
    assert.ok(opened);
    assert.equal(opened.result.kind, 'index');
    assert.equal(opened.result.digest, indexDigest);
    assert.deepEqual(
      opened.result.entries.map((e) => e.platform),
      ['linux/arm64/v8'],
    );
    const editor = await waitFor('the arm64 manifest', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.toString() === opened.uri && e;
    });
    assert.equal(editor.document.getText(), manifest);
    const pos = editor.document.positionAt(manifest.indexOf(`${reg.host}/team/app:1`) + 3);
    const text = await waitFor('the tag hover', async () => {
      const hovers = (await vscode.commands.executeCommand(
        'vscode.executeHoverProvider',
        editor.document.uri,
        pos,
      )) as vscode.Hover[];
      const all = hovers
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : c.value))
        .join('\n');
      return all.includes('resolves now to') && all;
    });
    assert.ok(text.includes(`resolves now to \`${manifestDigest}\``), text);
  });

  test('the Registries view: the configured registry, its repositories from the catalog, tags, and an index’s platforms', async () => {
    const view = api.registriesView();
    const roots = await waitFor('the configured registry', async () => {
      const r = await view.roots();
      return r.length > 0 && r;
    });
    assert.deepEqual(
      roots.map((n) => (n.type === 'registry' ? n.registry : n.type)),
      [reg.host],
    );
    const repos = await view.children(roots[0]!);
    const app = repos.find((n) => n.type === 'repository' && n.repository === `${reg.host}/team/app`);
    assert.ok(app, JSON.stringify(repos.map((n) => n.id)));
    const tags = (await view.children(app)).filter((n) => n.type === 'tag');
    assert.deepEqual(tags.map((n) => (n.type === 'tag' ? n.tag : '')).sort(), ['1', 'multi']);
    const multi = tags.find((n) => n.type === 'tag' && n.tag === 'multi')!;
    const platforms: RegistryTreeNode[] = await view.children(multi);
    assert.deepEqual(
      platforms.map((n) => (n.type === 'entry' ? [n.role, n.entry.platform, n.entry.digest] : [n.type])),
      [['platform', 'linux/arm64/v8', manifestDigest]],
    );
    const item = view.item(multi);
    assert.equal(item.description, indexDigest.slice(0, 19));
    assert.equal(item.contextValue, 'registryManifest digest reference');
    const copied = await vscode.commands.executeCommand(COMMAND_IDS.copyRegistryReference, platforms[0]);
    assert.equal(copied, `${reg.host}/team/app@${manifestDigest}`);
    assert.equal(await vscode.env.clipboard.readText(), `${reg.host}/team/app@${manifestDigest}`);
  });
});
