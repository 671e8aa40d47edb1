/**
 * Which layouts the OCI Layouts view lists: the folders with an `oci-layout` file in the workspace (found
 * with `findFiles`, kept current by a file watcher) and the ones the user opened with "Open Image Layout…"
 * (remembered per workspace): layout folders, and image archives (`.tar` files, read in place by the server).
 * Also tells the view when files inside a layout (or an opened archive) change.
 */
import * as vscode from 'vscode';

const OPENED_KEY = 'ociManifest.openedLayouts';
const LAYOUT_FILE = 'oci-layout';
/** How many folders above a picked folder or file are searched for `oci-layout`. */
const MAX_WALK_UP = 32;
/** Layout files whose change makes the view ask the server again. */
const WATCHED = '{index.json,oci-layout,blobs/*/*}';

export interface LayoutFolder {
  uri: vscode.Uri;
  opened: boolean;
}

const key = (uri: vscode.Uri): string => uri.toString();

async function isFile(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.File) !== 0;
  } catch {
    return false;
  }
}

/** True for a file name the view opens as an image archive (the server reads it in place). */
export const isArchiveName = (uri: vscode.Uri): boolean => /\.tar$/i.test(uri.path);

/**
 * The layout `uri` belongs to: an image archive (`.tar` file) is its own; else the nearest folder at or above
 * `uri` (a folder or a file) that holds an `oci-layout` file.
 */
export async function findLayoutRoot(uri: vscode.Uri): Promise<vscode.Uri | undefined> {
  let cur = uri;
  try {
    if (((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) === 0) {
      if (isArchiveName(uri)) return uri;
      cur = vscode.Uri.joinPath(uri, '..');
    }
  } catch {
    return undefined;
  }
  for (let i = 0; i <= MAX_WALK_UP; i++) {
    if (await isFile(vscode.Uri.joinPath(cur, LAYOUT_FILE))) return cur;
    const parent = vscode.Uri.joinPath(cur, '..');
    if (parent.path === cur.path) break;
    cur = parent;
  }
  return undefined;
}

export class LayoutRoots implements vscode.Disposable {
  private found: vscode.Uri[] = [];
  private opened: vscode.Uri[];
  private discovered: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly openedWatchers = new Map<string, vscode.Disposable>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly filesChanged = new vscode.EventEmitter<vscode.Uri>();
  private rediscoverTimer: ReturnType<typeof setTimeout> | undefined;

  /** The list of layouts changed. */
  readonly onDidChange = this.changed.event;
  /** A file inside (or the marker of) some layout was created, changed or deleted. */
  readonly onDidChangeFile = this.filesChanged.event;

  constructor(private readonly state: vscode.Memento) {
    this.opened = (state.get<string[]>(OPENED_KEY) ?? []).flatMap((s) => {
      try {
        return [vscode.Uri.parse(s, true)];
      } catch {
        return [];
      }
    });
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${WATCHED}`);
    this.disposables.push(watcher, this.changed, this.filesChanged, ...this.watchEvents(watcher));
    for (const uri of this.opened) this.watchOpened(uri);
  }

  private watchEvents(watcher: vscode.FileSystemWatcher): vscode.Disposable[] {
    const onFile = (uri: vscode.Uri, created: boolean | undefined): void => {
      if (created !== undefined && uri.path.endsWith(`/${LAYOUT_FILE}`)) this.scheduleRediscover();
      this.filesChanged.fire(uri);
    };
    return [
      watcher.onDidCreate((u) => onFile(u, true)),
      watcher.onDidDelete((u) => onFile(u, false)),
      watcher.onDidChange((u) => onFile(u, undefined)),
    ];
  }

  /**
   * Layouts outside the workspace get their own watcher (the workspace one sees only the workspace); an archive
   * always does (the workspace watcher looks for layout files only).
   */
  private watchOpened(uri: vscode.Uri): void {
    const archive = isArchiveName(uri);
    if (this.openedWatchers.has(key(uri)) || (!archive && vscode.workspace.getWorkspaceFolder(uri))) return;
    const pattern = archive
      ? new vscode.RelativePattern(
          vscode.Uri.joinPath(uri, '..'),
          uri.path.slice(uri.path.lastIndexOf('/') + 1),
        )
      : new vscode.RelativePattern(uri, WATCHED);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const events = this.watchEvents(watcher);
    this.openedWatchers.set(key(uri), {
      dispose: () => {
        events.forEach((d) => d.dispose());
        watcher.dispose();
      },
    });
  }

  private scheduleRediscover(): void {
    if (this.rediscoverTimer) clearTimeout(this.rediscoverTimer);
    this.rediscoverTimer = setTimeout(() => {
      this.rediscoverTimer = undefined;
      void this.rediscover();
    }, 300);
  }

  /** Searches the workspace again for `oci-layout` files. */
  async rediscover(): Promise<void> {
    this.discovered = this.discover();
    await this.discovered;
    this.changed.fire();
  }

  private async discover(): Promise<void> {
    let files: vscode.Uri[] = [];
    try {
      files = await vscode.workspace.findFiles(`**/${LAYOUT_FILE}`, '**/node_modules/**', 50);
    } catch {
      // No workspace folder or no file search in this host: only opened layouts are listed.
    }
    const seen = new Set<string>();
    this.found = [];
    for (const f of files) {
      const dir = vscode.Uri.joinPath(f, '..');
      // A layout's blobs hold no layouts (a blob named oci-layout is a blob).
      if (/\/blobs\/[^/]+$/.test(dir.path) || seen.has(key(dir))) continue;
      seen.add(key(dir));
      this.found.push(dir);
    }
    this.found.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** All layouts, workspace ones first (by path), then the opened ones in the order they were opened. */
  async list(): Promise<LayoutFolder[]> {
    await (this.discovered ??= this.discover());
    const out: LayoutFolder[] = this.found.map((uri) => ({ uri, opened: false }));
    const seen = new Set(this.found.map(key));
    for (const uri of this.opened) if (!seen.has(key(uri))) out.push({ uri, opened: true });
    return out;
  }

  /** Adds a layout the user opened; false when it was listed already. */
  async open(uri: vscode.Uri): Promise<boolean> {
    await (this.discovered ??= this.discover());
    if (this.found.some((f) => key(f) === key(uri)) || this.opened.some((f) => key(f) === key(uri)))
      return false;
    this.opened.push(uri);
    this.watchOpened(uri);
    await this.state.update(OPENED_KEY, this.opened.map(key));
    this.changed.fire();
    return true;
  }

  /** Removes a layout the user opened from the list. */
  async close(uri: vscode.Uri): Promise<void> {
    this.opened = this.opened.filter((f) => key(f) !== key(uri));
    this.openedWatchers.get(key(uri))?.dispose();
    this.openedWatchers.delete(key(uri));
    await this.state.update(OPENED_KEY, this.opened.map(key));
    this.changed.fire();
  }

  dispose(): void {
    if (this.rediscoverTimer) clearTimeout(this.rediscoverTimer);
    this.disposables.forEach((d) => d.dispose());
    this.openedWatchers.forEach((d) => d.dispose());
    this.openedWatchers.clear();
  }
}

/**
 * Asks for a layout folder or an image archive without making the caller wait: a quick pick of the two (a
 * native dialog cannot offer both folders and files on every platform), then the dialog; `then` gets the pick.
 */
export function pickLayoutOrArchive(
  title: string,
  openLabel: string,
  then: (uri: vscode.Uri) => unknown,
  near?: vscode.Uri,
): void {
  const items = [
    { label: '$(folder) Layout folder…', description: 'a folder with an oci-layout file', archive: false },
    {
      label: '$(file-zip) Image archive…',
      description: 'a .tar from skopeo oci-archive:/docker-archive:, docker save or buildx',
      archive: true,
    },
  ];
  void vscode.window.showQuickPick(items, { title, placeHolder: 'What to open' }).then(async (item) => {
    if (!item) return;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: !item.archive,
      canSelectFiles: item.archive,
      canSelectMany: false,
      openLabel,
      title,
      ...(item.archive ? { filters: { 'Image archives': ['tar'], 'All files': ['*'] } } : {}),
      ...(near?.scheme === 'file' ? { defaultUri: near } : {}),
    });
    if (picked?.[0]) await then(picked[0]);
  });
}
