/**
 * The OCI Layouts view (Explorer side bar): every OCI image layout in the workspace and the ones the user
 * opened, each expanded into its image graph as the language server reads it (`ociManifest/layoutGraph`),
 * with the last verification result of each blob. The tree's shape and texts live in `layoutModel.ts` (pure);
 * this file is the editor glue: the TreeDataProvider, the commands and the descriptor documents.
 *
 * The server starts lazily (only for manifest-like documents). The view lists layouts without it (file
 * search) and starts it the first time a layout is expanded, so an unexpanded view costs nothing.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import {
  COMMAND_IDS,
  LayoutGraphRequest,
  type LayoutGraph,
  type LayoutGraphParams,
} from '../../../server/src/protocol';
import { registerCommand } from '../commands';
import type { Log } from '../log';
import { onDidChange as onDidChangeVerification, statusOf } from '../verify/store';
import {
  descriptorChildren,
  descriptorJson,
  layoutChildren,
  layoutMessage,
  pathText,
  present,
  type DescriptorNode,
  type LayoutRootNode,
  type LayoutTreeNode,
  type Presentation,
} from './layoutModel';
import { findLayoutRoot, LayoutRoots, pickLayoutOrArchive } from './layoutRoots';

export const LAYOUTS_VIEW_ID = 'ociManifest.layouts';
/** Context key: true once the workspace has a layout or the user opened one (shows the view). */
const AVAILABLE_KEY = 'ociManifest.layouts.available';
/** Scheme of the read-only documents that show a descriptor (a layer's, say). */
const DESCRIPTOR_SCHEME = 'oci-descriptor';
/** The server trusts what it knows of the disk for a second; ask again a little after that. */
const CHANGE_DEBOUNCE_MS = 1200;

export interface LayoutsViewOptions {
  client(): LanguageClient | undefined;
  /** Starts the language server if it is not running (resolves when it runs, or failed to start). */
  ensureStarted(): Promise<void>;
  log: Log;
}

/** What the e2e tests (and other extensions) can ask the view. */
export interface LayoutsViewApi {
  roots(): Promise<LayoutTreeNode[]>;
  children(node: LayoutTreeNode): Promise<LayoutTreeNode[]>;
  item(node: LayoutTreeNode): vscode.TreeItem;
  /** Lists the layouts again and forgets the graphs. */
  refresh(): Promise<void>;
  /** Adds a layout folder (or the layout a file or folder is in); its node, or undefined when none. */
  open(uri: vscode.Uri): Promise<LayoutRootNode | undefined>;
}

type Loaded = { graph: LayoutGraph | null } | { error: string };

function isNode(v: unknown): v is LayoutTreeNode {
  if (typeof v !== 'object' || v === null) return false;
  const t = (v as { type?: unknown }).type;
  return (
    (t === 'layout' || t === 'descriptor' || t === 'message') &&
    typeof (v as { root?: unknown }).root === 'string'
  );
}

/** An information message that does not block the caller (commands run with no argument must return). */
function tell(text: string): void {
  void vscode.window.showInformationMessage(text);
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A tree item from a view model's presentation (the OCI Layouts and Registries views share it): label, expandable
 * or not, description, a Markdown tooltip that runs nothing, a codicon with its color, the context value.
 */
export function treeItem(
  id: string,
  p: Pick<Presentation, 'label' | 'description' | 'tooltip' | 'icon' | 'contextValue' | 'collapsible'>,
): vscode.TreeItem {
  const item = new vscode.TreeItem(
    p.label,
    p.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = id;
  if (p.description) item.description = p.description;
  const tooltip = new vscode.MarkdownString(p.tooltip, true);
  tooltip.isTrusted = false;
  item.tooltip = tooltip;
  item.iconPath = new vscode.ThemeIcon(
    p.icon.id,
    p.icon.color ? new vscode.ThemeColor(p.icon.color) : undefined,
  );
  item.contextValue = p.contextValue;
  return item;
}

class LayoutsProvider implements vscode.TreeDataProvider<LayoutTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LayoutTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly rootNodes = new Map<string, LayoutRootNode>();
  private readonly loaded = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();
  private readonly dirty = new Set<string>();
  private dirtyTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly roots: LayoutRoots,
    private readonly options: LayoutsViewOptions,
  ) {
    this.subscriptions.push(
      this.changed,
      roots.onDidChange(() => this.changed.fire(undefined)),
      roots.onDidChangeFile((uri) => this.fileChanged(uri)),
      onDidChangeVerification(() => this.changed.fire(undefined)),
    );
  }

  // ---- TreeDataProvider ----------------------------------------------------------------------------------

  async getChildren(node?: LayoutTreeNode): Promise<LayoutTreeNode[]> {
    if (!node) return this.layoutNodes();
    if (node.type === 'layout') {
      const l = await this.load(node);
      if ('error' in l) return [layoutMessage(node, 'error', 'Could not read the layout', l.error)];
      return layoutChildren(node, l.graph);
    }
    if (node.type === 'descriptor') return descriptorChildren(node, this.graphOf(node.root));
    return [];
  }

  getTreeItem(node: LayoutTreeNode): vscode.TreeItem {
    const p = present(node, this.graphOf(node.root), statusOf);
    const item = treeItem(node.id, p);
    if (p.fileUri && node.type === 'descriptor') item.resourceUri = vscode.Uri.parse(p.fileUri);
    if (node.type === 'descriptor') {
      item.command = { command: COMMAND_IDS.openLayoutItem, title: 'Open', arguments: [node] };
    }
    return item;
  }

  getParent(node: LayoutTreeNode): LayoutTreeNode | undefined {
    return node.type === 'layout' ? undefined : node.parent;
  }

  // ---- data ------------------------------------------------------------------------------------------------

  private async layoutNodes(): Promise<LayoutRootNode[]> {
    const list = await this.roots.list();
    if (list.length > 0) void vscode.commands.executeCommand('setContext', AVAILABLE_KEY, true);
    const keep = new Set<string>();
    const out = list.map(({ uri, opened }) => {
      const root = uri.toString();
      keep.add(root);
      const location = locationOf(uri);
      let node = this.rootNodes.get(root);
      if (!node || node.opened !== opened || node.location !== location) {
        node = { type: 'layout', id: `layout:${root}`, root, name: nameOf(uri), opened };
        if (location) node.location = location;
        this.rootNodes.set(root, node);
      }
      return node;
    });
    for (const k of [...this.rootNodes.keys()]) if (!keep.has(k)) this.rootNodes.delete(k);
    return out;
  }

  graphOf(root: string): LayoutGraph | undefined {
    const l = this.loaded.get(root);
    return l && 'graph' in l && l.graph ? l.graph : undefined;
  }

  private load(node: LayoutRootNode): Promise<Loaded> {
    const done = this.loaded.get(node.root);
    if (done) return Promise.resolve(done);
    let p = this.loading.get(node.root);
    if (!p) {
      p = this.request(node.root).then((l) => {
        this.loading.delete(node.root);
        // Errors are not kept: the next look (a refresh, expanding again) asks again.
        if ('graph' in l) {
          this.loaded.set(node.root, l);
          // The layout's own item shows facts from the graph (its tooltip, a warning for a broken index.json).
          setTimeout(() => this.changed.fire(node), 0);
        }
        return l;
      });
      this.loading.set(node.root, p);
    }
    return p;
  }

  private async request(root: string): Promise<Loaded> {
    await this.options.ensureStarted();
    const params: LayoutGraphParams = { uri: root };
    let lastError = 'The OCI Manifest language server is not running; see the OCI Manifest output.';
    // The client may be between a stop and a start (a restart): try a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const client = this.options.client();
      if (client && client.state !== State.Stopped) {
        try {
          return { graph: await client.sendRequest(LayoutGraphRequest, params) };
        } catch (err) {
          lastError = errorText(err);
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    this.options.log.error(`Reading the layout ${root} failed: ${lastError}`);
    return { error: lastError };
  }

  private fileChanged(uri: vscode.Uri): void {
    const s = uri.toString();
    for (const root of this.rootNodes.keys()) {
      if (s.startsWith(`${root}/`) || s === root) this.dirty.add(root);
    }
    if (this.dirty.size === 0) return;
    if (this.dirtyTimer) clearTimeout(this.dirtyTimer);
    this.dirtyTimer = setTimeout(() => {
      this.dirtyTimer = undefined;
      for (const root of this.dirty) {
        this.loaded.delete(root);
        const node = this.rootNodes.get(root);
        if (node) this.changed.fire(node);
      }
      this.dirty.clear();
    }, CHANGE_DEBOUNCE_MS);
  }

  async refresh(): Promise<void> {
    this.loaded.clear();
    await this.roots.rediscover();
    this.changed.fire(undefined);
  }

  rootNode(uri: vscode.Uri): LayoutRootNode | undefined {
    return this.rootNodes.get(uri.toString());
  }

  dispose(): void {
    if (this.dirtyTimer) clearTimeout(this.dirtyTimer);
    this.subscriptions.forEach((d) => d.dispose());
  }
}

function nameOf(uri: vscode.Uri): string {
  const parts = uri.path.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? uri.toString();
}

/** The folder a layout is in: relative to the workspace when inside it (nothing at the top of a folder). */
function locationOf(uri: vscode.Uri): string | undefined {
  const parent = vscode.Uri.joinPath(uri, '..');
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return parent.scheme === 'file' ? parent.fsPath : parent.toString();
  const multi = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const top = folder.uri.toString();
  if (uri.toString() === top || parent.toString() === top) return multi ? folder.name : undefined;
  return vscode.workspace.asRelativePath(parent, multi);
}

/** Read-only documents showing one descriptor: `oci-descriptor:/<name>.json?<the JSON>`. */
class DescriptorDocuments implements vscode.TextDocumentContentProvider {
  provideTextDocumentContent(uri: vscode.Uri): string {
    return uri.query;
  }

  static uriFor(node: DescriptorNode): vscode.Uri {
    const where = node.edge.path.length > 0 ? pathText(node.edge.path) : node.edge.role;
    const hex = node.edge.digest?.split(':')[1]?.slice(0, 12);
    const name = [where, hex]
      .filter(Boolean)
      .join(' ')
      .replace(/[^\w.[\] -]/g, '_');
    return vscode.Uri.from({
      scheme: DESCRIPTOR_SCHEME,
      path: `/${name} descriptor.json`,
      query: `${descriptorJson(node.edge)}\n`,
    });
  }
}

async function showDescriptor(node: DescriptorNode): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(DescriptorDocuments.uriFor(node));
  const json = doc.languageId === 'json' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'json');
  return vscode.window.showTextDocument(json, { preview: true });
}

/**
 * Opens a blob as JSON, read-only for this session: editing a blob would change its digest, so the lock is
 * on by default, and the user can lift it (File: Toggle Active Editor Read-only in Session).
 */
async function openBlob(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const json = doc.languageId === 'json' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'json');
  const editor = await vscode.window.showTextDocument(json, { preview: true });
  await vscode.commands.executeCommand('workbench.action.files.setActiveEditorReadonlyInSession');
  return editor;
}

/** Registers the OCI Layouts view and its commands. */
export function registerLayoutsView(
  context: vscode.ExtensionContext,
  options: LayoutsViewOptions,
): LayoutsViewApi {
  const roots = new LayoutRoots(context.workspaceState);
  const provider = new LayoutsProvider(roots, options);
  const view = vscode.window.createTreeView(LAYOUTS_VIEW_ID, {
    treeDataProvider: provider,
    showCollapseAll: true,
  });

  const descriptorOf = (arg: unknown, action: string): DescriptorNode | undefined => {
    if (isNode(arg) && arg.type === 'descriptor') return arg;
    tell(
      `${action} works on an item of the OCI Layouts view: right-click a manifest, config or layer there.`,
    );
    return undefined;
  };

  const open = async (uri: vscode.Uri): Promise<LayoutRootNode | undefined> => {
    const root = await findLayoutRoot(uri);
    if (!root) {
      const shown = uri.scheme === 'file' ? uri.fsPath : uri.toString();
      void vscode.window.showWarningMessage(
        `${shown} is not an OCI image layout: neither it nor a folder above it has an oci-layout file (and it is no .tar image archive).`,
      );
      return undefined;
    }
    await roots.open(root);
    void vscode.commands.executeCommand('setContext', AVAILABLE_KEY, true);
    await provider.getChildren();
    const node = provider.rootNode(root);
    if (node && view.visible) {
      await Promise.resolve(view.reveal(node, { select: true, focus: false, expand: true })).catch(
        () => undefined,
      );
    }
    return node;
  };

  const openAndShow = async (picked: vscode.Uri): Promise<void> => {
    const node = await open(picked);
    if (!node) return;
    // Show the view (it may have been hidden until now) and the layout in it, expanded.
    await vscode.commands.executeCommand(`${LAYOUTS_VIEW_ID}.focus`).then(undefined, () => undefined);
    await Promise.resolve(view.reveal(node, { select: true, focus: true, expand: true })).catch(
      () => undefined,
    );
  };

  context.subscriptions.push(
    roots,
    provider,
    view,
    vscode.workspace.registerTextDocumentContentProvider(DESCRIPTOR_SCHEME, new DescriptorDocuments()),

    registerCommand('openLayout', (arg) => {
      if (arg instanceof vscode.Uri) return open(arg);
      // With nothing given, ask for a folder or an archive, but do not make the caller wait for the dialog.
      pickLayoutOrArchive('Open an OCI image layout or image archive', 'Open Image Layout', (u) =>
        openAndShow(u).catch((err) => options.log.error('Opening the image layout failed', err)),
      );
      return undefined;
    }),

    registerCommand('refreshLayouts', () => provider.refresh()),

    registerCommand('closeLayout', async (arg) => {
      if (!isNode(arg) || arg.type !== 'layout' || !arg.opened) {
        tell('Close Layout works on a layout opened with "OCI: Open Image Layout…" in the OCI Layouts view.');
        return;
      }
      await roots.close(vscode.Uri.parse(arg.root));
    }),

    registerCommand('openLayoutItem', async (arg) => {
      const node = descriptorOf(arg, 'Open');
      if (!node) return;
      const p = present(node, provider.graphOf(node.root));
      if (p.open === 'blob' && p.fileUri) {
        try {
          await openBlob(vscode.Uri.parse(p.fileUri));
          return;
        } catch (err) {
          void vscode.window.showWarningMessage(
            `The blob ${node.edge.digest ?? ''} could not be opened as text (${errorText(err)}); showing its descriptor instead.`,
          );
        }
      }
      await showDescriptor(node);
    }),

    registerCommand('verifyLayoutItem', async (arg) => {
      if (!isNode(arg)) {
        tell(
          'Verify works on an item of the OCI Layouts view; to verify a layout folder, run "OCI: Verify Layout".',
        );
        return;
      }
      const all = await vscode.commands.getCommands(true);
      if (!all.includes(COMMAND_IDS.verifyLayout)) {
        tell('Verification is not available in this version of the extension.');
        return;
      }
      // The verification's result (the store gets it too, and the icons follow from there).
      return vscode.commands.executeCommand(COMMAND_IDS.verifyLayout, vscode.Uri.parse(arg.root));
    }),

    registerCommand('copyDigest', async (arg) => {
      const node = descriptorOf(arg, 'Copy Digest');
      if (!node) return;
      if (node.edge.digest === undefined) {
        tell('This descriptor has no digest.');
        return;
      }
      await vscode.env.clipboard.writeText(node.edge.digest);
      vscode.window.setStatusBarMessage(`$(clippy) Copied ${node.edge.digest}`, 3000);
    }),

    registerCommand('copyDescriptor', async (arg) => {
      const node = descriptorOf(arg, 'Copy Descriptor');
      if (!node) return;
      await vscode.env.clipboard.writeText(descriptorJson(node.edge));
      vscode.window.setStatusBarMessage('$(clippy) Copied the descriptor', 3000);
    }),

    registerCommand('revealBlob', async (arg) => {
      if (!isNode(arg) || arg.type === 'message') {
        tell('Reveal Blob File works on an item of the OCI Layouts view.');
        return;
      }
      const p = present(arg, provider.graphOf(arg.root));
      if (!p.fileUri) {
        tell('The layout has no file for this blob.');
        return;
      }
      const uri = vscode.Uri.parse(p.fileUri);
      try {
        if (vscode.workspace.getWorkspaceFolder(uri))
          await vscode.commands.executeCommand('revealInExplorer', uri);
        else await vscode.commands.executeCommand('revealFileInOS', uri);
      } catch (err) {
        void vscode.window.showWarningMessage(`Could not reveal ${uri.fsPath}: ${errorText(err)}`);
      }
    }),
  );

  // List the layouts at once, so that the view shows (its context key) when the workspace has any.
  void provider.getChildren().catch((err) => options.log.error('Listing the OCI image layouts failed', err));

  return {
    roots: () => provider.getChildren(),
    children: (node) => provider.getChildren(node),
    item: (node) => provider.getTreeItem(node),
    refresh: () => provider.refresh(),
    open,
  };
}
