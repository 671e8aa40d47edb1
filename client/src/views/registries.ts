/**
 * Registries in the editor (issue 15), the client side: the command **OCI: Open Manifest from Registry…** and
 * the **Registries** view (Explorer, next to OCI Layouts): configured registries → repositories → tags → an
 * index's platforms → referrers. The server does the network (`ociManifest/openReference`, `registryCatalog`,
 * `registryTags`, `registryReferrers`); documents open as `oci-blob://registry/…` (blobDocuments.ts), named by
 * digest. Credentials come from SecretStorage (verify/index.ts `storedCredentials`) and go with each request.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  COMMAND_IDS,
  OpenReferenceRequest,
  RegistryCatalogRequest,
  RegistryReferrersRequest,
  RegistryTagsRequest,
  SETTINGS_SECTION,
  type OpenReferenceResult,
  type RegistryEntry,
  type VerifyCredentials,
} from '../../../server/src/protocol';
import { registerCommand } from '../commands';
import {
  fail,
  isCancellation,
  messageOf,
  pickOrType,
  RecentValues,
  runningClient,
  say,
  type CommandDeps,
} from '../ui';
import { storedCredentials } from '../verify';
import { treeItem } from './layouts';
import {
  isRepositoryName,
  openTarget,
  presentRegistry,
  referenceOf,
  registryGroups,
  type EntryNode,
  type MessageNode,
  type RegistryNode,
  type RegistryTreeNode,
  type RepositoryNode,
  type TagNode,
} from './registryModel';

const RECENT_KEY = 'ociManifest.recentReferences';
const ADDED_KEY = 'ociManifest.addedRepositories';
const MAX_RECENT = 15;

/** What Open Manifest from Registry… takes as an argument (the e2e tests and the view pass one). */
export interface OpenReferenceArgs {
  reference: string;
  /** For an index: open the entry with this platform (`linux/arm64/v8`), or `index` for the index itself. */
  platform?: string;
}

/** What the command did: the server's answer and the document opened. */
export interface OpenedReference {
  result: OpenReferenceResult;
  /** The URI of the document shown (the index, or the entry picked). */
  uri: string;
}

/** The view's tree, for the e2e tests. */
export interface RegistriesViewApi {
  roots(): Promise<RegistryTreeNode[]>;
  children(node: RegistryTreeNode): Promise<RegistryTreeNode[]>;
  item(node: RegistryTreeNode): vscode.TreeItem;
  refresh(): void;
}

const hostOf = (reference: string): string =>
  reference
    .trim()
    .replace(/^docker:\/\//i, '')
    .split('/')[0]!;

class RegistriesProvider implements vscode.TreeDataProvider<RegistryTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RegistryTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly send: <R>(
      host: string,
      run: (client: LanguageClient, credentials: VerifyCredentials | undefined) => Promise<R>,
    ) => Promise<R>,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  refresh(node?: RegistryTreeNode): void {
    this.changed.fire(node);
  }

  private added(): Record<string, string[]> {
    return this.context.globalState.get<Record<string, string[]>>(ADDED_KEY) ?? {};
  }

  async addRepository(registry: string, name: string): Promise<void> {
    const all = this.added();
    const list = all[registry] ?? [];
    if (!list.includes(name)) all[registry] = [...list, name];
    await this.context.globalState.update(ADDED_KEY, all);
    this.refresh();
  }

  async getChildren(node?: RegistryTreeNode): Promise<RegistryTreeNode[]> {
    if (!node) return this.registries();
    try {
      switch (node.type) {
        case 'registry':
          return await this.repositories(node);
        case 'repository':
          return await this.tags(node);
        case 'tag':
          return await this.tagChildren(node);
        case 'entry':
          return await this.referrers(node, node.repository, node.entry.digest);
        default:
          return [];
      }
    } catch (err) {
      return [message(node, 'error', `Could not list: ${messageOf(err)}`)];
    }
  }

  getTreeItem(node: RegistryTreeNode): vscode.TreeItem {
    const item = treeItem(node.id, presentRegistry(node));
    if (node.type === 'tag' || node.type === 'entry')
      item.command = { command: COMMAND_IDS.openRegistryItem, title: 'Open', arguments: [node] };
    return item;
  }

  getParent(node: RegistryTreeNode): RegistryTreeNode | undefined {
    return node.type === 'registry' ? undefined : node.parent;
  }

  private registries(): RegistryTreeNode[] {
    const setting = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<string[]>('registries') ?? [];
    const { groups, invalid } = registryGroups(Array.isArray(setting) ? setting : []);
    const added = this.added();
    const out: RegistryTreeNode[] = groups.map((g) => ({
      type: 'registry',
      id: `registry:${g.registry}`,
      registry: g.registry,
      repositories: [...new Set([...g.repositories, ...(added[g.registry] ?? [])])],
    }));
    for (const entry of invalid)
      out.push({
        type: 'message',
        id: `invalid:${entry}`,
        text: `Not a registry: ${entry}`,
        detail: `"${entry}" in ociManifest.registries is neither host[:port] nor host[:port]/repository.`,
        level: 'error',
      });
    return out;
  }

  private async repositories(node: RegistryNode): Promise<RegistryTreeNode[]> {
    const catalog = await this.send(node.registry, (c, credentials) =>
      c.sendRequest(RegistryCatalogRequest, {
        registry: node.registry,
        ...(credentials ? { credentials } : {}),
      }),
    );
    const names = [...node.repositories];
    for (const r of catalog.repositories) if (!names.includes(r)) names.push(r);
    const out: RegistryTreeNode[] = names.map((name): RepositoryNode => ({
      type: 'repository',
      id: `repo:${node.registry}/${name}`,
      registry: node.registry,
      repository: `${node.registry}/${name}`,
      parent: node,
    }));
    if (!catalog.available)
      out.push(
        message(
          node,
          'info',
          'No catalog: use "Add Repository…"',
          catalog.reason ?? 'The registry does not list its repositories.',
        ),
      );
    else if (catalog.truncated) out.push(message(node, 'info', 'The catalog was cut short.'));
    return out;
  }

  private async tags(node: RepositoryNode): Promise<RegistryTreeNode[]> {
    const r = await this.send(node.registry, (c, credentials) =>
      c.sendRequest(RegistryTagsRequest, {
        repository: node.repository,
        ...(credentials ? { credentials } : {}),
      }),
    );
    if (!r.found) return [message(node, 'error', 'The registry does not know this repository (404).')];
    if (r.tags.length === 0) return [message(node, 'info', 'No tags.')];
    return r.tags.map((tag): TagNode => ({
      type: 'tag',
      id: `tag:${node.repository}:${tag}`,
      repository: node.repository,
      tag,
      parent: node,
    }));
  }

  /** An index's platforms (and the index's referrers), or a manifest's referrers. */
  private async tagChildren(node: TagNode): Promise<RegistryTreeNode[]> {
    const r = await this.resolve(node);
    const platforms = r.entries.map((entry): EntryNode => ({
      type: 'entry',
      id: `${node.id}>${entry.digest}`,
      repository: node.repository,
      role: 'platform',
      entry,
      parent: node,
    }));
    return [...platforms, ...(await this.referrers(node, node.repository, r.digest))];
  }

  /** Resolves a tag (what it names now), remembering the digest on the node. */
  async resolve(node: TagNode): Promise<OpenReferenceResult> {
    const r = await this.send(hostOf(node.repository), (c, credentials) =>
      c.sendRequest(OpenReferenceRequest, {
        reference: `${node.repository}:${node.tag}`,
        ...(credentials ? { credentials } : {}),
      }),
    );
    const before = node.digest;
    node.digest = r.digest;
    node.kind = r.kind;
    if (r.mediaType) node.mediaType = r.mediaType;
    if (before !== r.digest) setTimeout(() => this.changed.fire(node), 0);
    return r;
  }

  private async referrers(
    parent: TagNode | EntryNode,
    repository: string,
    digest: string,
  ): Promise<RegistryTreeNode[]> {
    const r = await this.send(hostOf(repository), (c, credentials) =>
      c.sendRequest(RegistryReferrersRequest, {
        repository,
        digest,
        ...(credentials ? { credentials } : {}),
      }),
    );
    return r.referrers.map((entry: RegistryEntry): EntryNode => ({
      type: 'entry',
      id: `${parent.id}>ref:${entry.digest}`,
      repository,
      role: 'referrer',
      entry,
      parent,
    }));
  }
}

function message(
  parent: RegistryTreeNode,
  level: 'info' | 'error',
  text: string,
  detail?: string,
): MessageNode {
  return {
    type: 'message',
    id: `${parent.id}>msg:${text}`,
    text,
    level,
    ...(detail ? { detail } : {}),
    ...(parent.type !== 'message' ? { parent } : {}),
  };
}

const isNode = (arg: unknown): arg is RegistryTreeNode =>
  typeof arg === 'object' && arg !== null && 'type' in arg && 'id' in arg;

export function registerRegistries(context: vscode.ExtensionContext, deps: CommandDeps): RegistriesViewApi {
  /** Sends a request with the host's stored credentials. */
  const send = async <R>(
    host: string,
    run: (client: LanguageClient, credentials: VerifyCredentials | undefined) => Promise<R>,
  ): Promise<R> => {
    const client = await runningClient(deps);
    if (!client) throw new Error('The OCI Manifest language server is not running.');
    return run(client, await storedCredentials(context.secrets, host));
  };

  const provider = new RegistriesProvider(context, send);
  const view = vscode.window.createTreeView('ociManifest.registries', {
    treeDataProvider: provider,
    showCollapseAll: true,
  });

  const recent = new RecentValues(context.workspaceState, RECENT_KEY, MAX_RECENT);

  const show = async (uri: string): Promise<void> => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    await vscode.window.showTextDocument(doc, { preview: false });
  };

  /** Resolves and opens a reference; for an index, the platform asked for (or picked). */
  async function openReference(args: OpenReferenceArgs): Promise<OpenedReference | undefined> {
    let result: OpenReferenceResult;
    try {
      result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `OCI: Opening ${args.reference}`,
          cancellable: true,
        },
        (_progress, token) =>
          send(hostOf(args.reference), (c, credentials) =>
            c.sendRequest(
              OpenReferenceRequest,
              { reference: args.reference, ...(credentials ? { credentials } : {}) },
              token,
            ),
          ),
      );
    } catch (err) {
      if (!isCancellation(err)) fail(`OCI: ${messageOf(err)}`);
      return undefined;
    }
    await recent.remember(result.reference);
    let uri = result.uri;
    if (result.kind === 'index' && result.entries.length > 0) {
      let picked: RegistryEntry | 'index' | undefined;
      if (args.platform === 'index') picked = 'index';
      else if (args.platform !== undefined) {
        picked = result.entries.find((e) => e.platform === args.platform);
        if (!picked) {
          fail(`OCI: ${result.reference} has no manifest for the platform ${args.platform}.`);
          return undefined;
        }
      } else {
        const items: (vscode.QuickPickItem & { pick: RegistryEntry | 'index' })[] = [
          {
            label: '$(layers) The index itself',
            description: result.digest.slice(0, 19),
            detail: `${result.entries.length} manifests`,
            pick: 'index',
          },
          ...result.entries.map((e) => ({
            label: `$(package) ${e.platform ?? e.artifactType ?? e.mediaType ?? 'manifest'}`,
            description: e.digest.slice(0, 19),
            ...(e.mediaType ? { detail: e.mediaType } : {}),
            pick: e,
          })),
        ];
        const chosen = await vscode.window.showQuickPick(items, {
          title: `OCI: ${result.reference} is an index: open which manifest?`,
          placeHolder: 'linux/arm64/v8',
          matchOnDescription: true,
        });
        if (!chosen) return undefined;
        picked = chosen.pick;
      }
      if (picked !== 'index') uri = picked.uri;
    }
    try {
      await show(uri);
    } catch (err) {
      fail(`OCI: ${result.reference} could not be opened: ${messageOf(err)}`);
      return undefined;
    }
    if (result.mismatch) fail(`OCI: ${result.mismatch}`);
    return { result, uri };
  }

  /** The input box with the recent references offered (returns at once: the pick continues on its own). */
  function pickReference(): void {
    void pickOrType(recent, {
      title: 'OCI: Open Manifest from Registry',
      placeholder: 'registry.example.com/team/app:1.0 or …/app@sha256:…',
    }).then((chosen) => {
      if (chosen) void openReference({ reference: chosen });
    });
  }

  const nodeOf = (arg: unknown, what: string): RegistryTreeNode | undefined => {
    if (isNode(arg) && (arg.type === 'tag' || arg.type === 'entry')) return arg;
    say(`${what} works on a tag, platform or referrer in the Registries view.`);
    return undefined;
  };

  /** The node's reference with digest, resolving a tag first. */
  const pinned = async (node: RegistryTreeNode): Promise<string | undefined> => {
    if (node.type === 'tag' && !node.digest) await provider.resolve(node);
    return referenceOf(node);
  };

  context.subscriptions.push(
    provider,
    view,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.registries`)) provider.refresh();
    }),
    registerCommand('openFromRegistry', (arg) => {
      if (typeof arg === 'string' && arg.trim()) return openReference({ reference: arg.trim() });
      if (arg && typeof arg === 'object' && typeof (arg as OpenReferenceArgs).reference === 'string')
        return openReference(arg as OpenReferenceArgs);
      pickReference();
      return undefined;
    }),
    registerCommand('refreshRegistries', () => provider.refresh()),
    registerCommand('addRegistryRepository', (arg) => {
      if (!isNode(arg) || arg.type !== 'registry') {
        say(
          'Add Repository… works on a registry in the Registries view (configure them in ociManifest.registries).',
        );
        return undefined;
      }
      void vscode.window
        .showInputBox({
          title: `OCI: Add a repository of ${arg.registry}`,
          prompt: 'The repository name, e.g. team/app',
          validateInput: (v) =>
            isRepositoryName(v.trim())
              ? undefined
              : 'Lowercase letters and digits, with . _ - between them and / between parts.',
        })
        .then((name) => (name?.trim() ? provider.addRepository(arg.registry, name.trim()) : undefined));
      return undefined;
    }),
    registerCommand('openRegistryItem', async (arg) => {
      const node = nodeOf(arg, 'Open');
      const target = node && openTarget(node);
      if (!target) return undefined;
      // A tag opens what it names (an index as the index: its platforms are its children in the view).
      return openReference({ reference: target, platform: 'index' });
    }),
    registerCommand('verifyRegistryItem', async (arg) => {
      const node = nodeOf(arg, 'Verify');
      const target = node && openTarget(node);
      if (!target) return undefined;
      const opened = await openReference({ reference: target, platform: 'index' });
      if (!opened) return undefined;
      // The existing registry verification: Verify Digests on the document, against its own repository.
      return vscode.commands.executeCommand(COMMAND_IDS.verifyDigests, vscode.Uri.parse(opened.uri));
    }),
    registerCommand('copyRegistryDigest', async (arg) => {
      const node = nodeOf(arg, 'Copy Digest');
      if (!node) return undefined;
      try {
        await pinned(node);
      } catch (err) {
        fail(`OCI: ${messageOf(err)}`);
        return undefined;
      }
      const digest =
        node.type === 'tag' ? node.digest : node.type === 'entry' ? node.entry.digest : undefined;
      if (!digest) return undefined;
      await vscode.env.clipboard.writeText(digest);
      vscode.window.setStatusBarMessage(`$(clippy) Copied ${digest}`, 3000);
      return digest;
    }),
    registerCommand('copyRegistryReference', async (arg) => {
      const node = nodeOf(arg, 'Copy Reference');
      if (!node) return undefined;
      let reference: string | undefined;
      try {
        reference = await pinned(node);
      } catch (err) {
        fail(`OCI: ${messageOf(err)}`);
        return undefined;
      }
      if (!reference) return undefined;
      await vscode.env.clipboard.writeText(reference);
      vscode.window.setStatusBarMessage(`$(clippy) Copied ${reference}`, 3000);
      return reference;
    }),
  );

  return {
    roots: () => provider.getChildren(),
    children: (node) => provider.getChildren(node),
    item: (node) => provider.getTreeItem(node),
    refresh: () => provider.refresh(),
  };
}
