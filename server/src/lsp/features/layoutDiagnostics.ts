/**
 * Workspace diagnostics for OCI image layouts: the JSON files of each small layout under the workspace folders
 * (`oci-layout`, `index.json`, manifest, index and config blobs) are checked from disk and their diagnostics
 * pushed, so problems show in the Problems panel without opening the files. Bounded: layouts found by a
 * bounded walk (node/layoutGraph.ts), at most {@link MAX_LAYOUTS} of them, each with at most 200 blobs and
 * 16 MiB of JSON; one file is checked per turn of the event loop. Setting `ociManifest.layouts.workspaceDiagnostics`.
 *
 * Pushed in both diagnostic models: a file open in the editor is served by the document diagnostics instead
 * (its pushed list is cleared on open and restored from disk on close). Layouts are checked again when the
 * client reports file changes (a watcher is registered where the client allows), when a workspace folder
 * is added or removed, and when the settings change.
 */
import {
  DidChangeWatchedFilesNotification,
  type DidChangeWatchedFilesParams,
  type Diagnostic,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../../core';
import type { Settings } from '../../protocol';
import { toDiagnostic } from '../convert';
import type { LayoutFileLimits, LayoutJsonFile } from '../layoutAccess';
import { formatError, guard } from '../runner';
import type { Feature, FeatureContext } from './feature';
import { uriKey } from './layoutSupport';

/** What is read of one layout for its workspace diagnostics. */
export const WORKSPACE_LIMITS: LayoutFileLimits = {
  maxBlobs: 200,
  maxFileBytes: 4 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
};
/** At most this many layouts get workspace diagnostics. */
export const MAX_LAYOUTS = 20;
/** Quiet time after a burst of file events before the layouts are checked again. */
const SETTLE_MS = 300;

// Read from the initialize request (one client per server process).
let folders: string[] = [];
let canWatch = false;
let hasFolderEvents = false;
let pullModel = false;

interface Checked {
  uri: string;
  version: string;
  diagnostics: Diagnostic[];
}

const pathOf = (uri: string): string => {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
};

function check(file: LayoutJsonFile, s: Settings): Diagnostic[] {
  const analysis = analyze(file.text, {
    fileName: pathOf(file.uri),
    besideOciLayout: file.relative === 'index.json',
    contentDetection: s['diagnostics.contentDetection'],
    severities: s['diagnostics.severity'],
    maxFullCheckSize: s['diagnostics.maxFullCheckSize'],
  });
  if (!analysis.findings.length) return [];
  const doc = TextDocument.create(file.uri, 'json', 0, file.text);
  return analysis.findings.map((f) => toDiagnostic(doc, f));
}

function start(ctx: FeatureContext): {
  refresh(delay: number): void;
  settingsChanged(): void;
  initialized(): void;
} {
  const { connection, documents, runtime } = ctx;
  /** Per layout root: per file key, the last check. Reused while the file's version is unchanged. */
  let checked = new Map<string, Map<string, Checked>>();
  /** Per file key: what was last pushed (non-empty lists only). */
  const pushed = new Map<string, Checked>();
  const skippedLogged = new Set<string>();
  let generation = 0;
  let timer: { dispose(): void } | undefined;
  /** The layouts found by the last walk; walked again only when folders or `oci-layout` files come and go. */
  let roots: string[] | undefined;

  const log = (what: string, err: unknown): void =>
    connection.console.error(formatError(`oci-manifest: ${what}`, err));
  const send = (uri: string, diagnostics: Diagnostic[]): void => {
    void connection.sendDiagnostics({ uri, diagnostics }).catch(() => undefined);
  };
  const nextTurn = (): Promise<void> => new Promise((resolve) => runtime.timer.setImmediate(resolve));

  const refresh = (delay: number): void => {
    timer?.dispose();
    timer = runtime.timer.setTimeout(() => {
      timer = undefined;
      run().catch((err: unknown) => log('checking the OCI layouts of the workspace failed', err));
    }, delay);
  };

  async function run(): Promise<void> {
    const layouts = runtime.layouts;
    if (!layouts) return;
    const gen = ++generation;
    const stale = (): boolean => gen !== generation;
    if (!roots) {
      const found = folders.length ? (await layouts.findLayouts(folders)).slice(0, MAX_LAYOUTS) : [];
      if (stale()) return;
      roots = found;
    }
    const next = new Map<string, Map<string, Checked>>();
    for (const root of roots) {
      const s = await ctx.settingsOf(root);
      if (stale()) return;
      if (!s['layouts.workspaceDiagnostics']) continue;
      const files = await layouts.jsonFiles(root, WORKSPACE_LIMITS);
      if (stale()) return;
      if (files.blobCount > WORKSPACE_LIMITS.maxBlobs || files.incomplete) {
        if (!skippedLogged.has(root)) {
          skippedLogged.add(root);
          connection.console.info(
            `oci-manifest: workspace diagnostics for ${root}: ${files.incomplete ?? 'too large'}`,
          );
        }
        if (files.blobCount > WORKSPACE_LIMITS.maxBlobs) continue;
      }
      const before = checked.get(root);
      const now = new Map<string, Checked>();
      for (const f of files.files) {
        const key = uriKey(f.uri);
        let entry = before?.get(key);
        if (!entry || entry.version !== f.version) {
          entry = { uri: f.uri, version: f.version, diagnostics: check(f, s) };
          await nextTurn();
          if (stale()) return;
        }
        now.set(key, entry);
      }
      next.set(root, now);
    }
    checked = next;
    publish();
  }

  /** Pushes what changed: new lists for closed files, empty lists for files gone, fixed or opened. */
  function publish(): void {
    const open = new Set(documents.all().map((d) => uriKey(d.uri)));
    const wanted = new Map<string, Checked>();
    for (const files of checked.values()) {
      for (const [key, entry] of files)
        if (entry.diagnostics.length && !open.has(key)) wanted.set(key, entry);
    }
    for (const [key, entry] of pushed) {
      if (wanted.has(key) || open.has(key)) continue; // open files are cleared in onDidOpen
      send(entry.uri, []);
      pushed.delete(key);
    }
    for (const [key, entry] of wanted) {
      if (pushed.get(key)?.diagnostics === entry.diagnostics) continue;
      send(entry.uri, entry.diagnostics);
      pushed.set(key, entry);
    }
  }

  documents.onDidOpen(
    guard(connection, 'layout diagnostics: didOpen', (e: { document: TextDocument }) => {
      const key = uriKey(e.document.uri);
      const entry = pushed.get(key);
      if (!entry) return;
      pushed.delete(key);
      if (pullModel) {
        // Pulled diagnostics live in another collection: ours would show twice.
        send(entry.uri, []);
        return;
      }
      // Pushed: the document's own diagnostics replace ours, unless it has none, in which case ours would stay.
      void ctx.analysisOf(e.document.uri).then((found) => {
        if (!found || found.analysis.findings.length === 0) send(entry.uri, []);
      });
    }),
  );
  documents.onDidClose(
    guard(connection, 'layout diagnostics: didClose', (e: { document: TextDocument }) => {
      const key = uriKey(e.document.uri);
      for (const files of checked.values()) {
        if (files.has(key)) {
          refresh(0);
          return;
        }
      }
    }),
  );
  connection.onDidChangeWatchedFiles(
    guard(connection, 'workspace/didChangeWatchedFiles', (params: DidChangeWatchedFilesParams) => {
      if (params.changes.some((c) => /[/\\]oci-layout$/.test(pathOf(c.uri)))) roots = undefined;
      refresh(SETTLE_MS);
    }),
  );

  return {
    refresh,
    settingsChanged() {
      checked = new Map(); // the severities may have changed: check everything again
      refresh(0);
    },
    initialized() {
      if (!runtime.layouts) return;
      if (canWatch) {
        connection.client
          .register(DidChangeWatchedFilesNotification.type, {
            watchers: [
              { globPattern: '**/oci-layout' },
              { globPattern: '**/index.json' },
              { globPattern: '**/blobs/**' },
            ],
          })
          .catch((err: unknown) => log('registering the OCI layout file watcher failed', err));
      }
      if (hasFolderEvents) {
        connection.workspace.onDidChangeWorkspaceFolders((e) => {
          const removed = new Set(e.removed.map((f) => f.uri));
          folders = [...folders.filter((f) => !removed.has(f)), ...e.added.map((f) => f.uri)];
          roots = undefined;
          refresh(0);
        });
      }
      refresh(0);
    },
  };
}

let instance: ReturnType<typeof start> | undefined;

export const layoutDiagnosticsFeature: Feature = {
  id: 'layoutDiagnostics',
  capabilities(client, params) {
    folders = params.workspaceFolders?.length
      ? params.workspaceFolders.map((f) => f.uri)
      : params.rootUri
        ? [params.rootUri]
        : [];
    canWatch = client.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    hasFolderEvents = client.workspace?.workspaceFolders === true;
    pullModel = client.textDocument?.diagnostic !== undefined;
    return hasFolderEvents
      ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } }
      : {};
  },
  register(ctx) {
    instance = start(ctx);
  },
  initialized() {
    instance?.initialized();
  },
  settingsChanged() {
    instance?.settingsChanged();
  },
};
