/**
 * Workspace diagnostics for OCI image layouts: the JSON files of each small layout under the workspace folders
 * (`oci-layout`, `index.json`, manifest, index and config blobs) are checked from disk and their diagnostics
 * pushed, so problems show in the Problems panel without opening the files. Bounded: layouts found by a
 * bounded walk (node/layoutGraph.ts), at most {@link MAX_LAYOUTS} of them, each with at most 200 blobs and
 * 16 MiB of JSON; one file is checked per turn of the event loop. Setting `ociManifest.layouts.workspaceDiagnostics`.
 *
 * Each file is linted as the kind the layout's graph gives it (a config named by a manifest is linted as a
 * config), else as detected. The diagnostics go to the server's one publisher (lsp/diagnostics.ts), which
 * pushes them in both diagnostic models while the file is not open and hands over to the document diagnostics
 * while it is. Layouts are checked again when the client reports file changes (a watcher is registered where
 * the client allows), when a workspace folder is added or removed, and when the settings change.
 */
import {
  DidChangeWatchedFilesNotification,
  type DidChangeWatchedFilesParams,
  type Diagnostic,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../../core';
import type { Settings } from '../../protocol';
import { toDiagnostic, uriKey } from '../convert';
import type { LayoutFileLimits, LayoutJsonFile } from '../../host/layoutAccess';
import { formatError, guard } from '../runner';
import type { Feature, FeatureContext } from './feature';

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

/** The owner of these diagnostics in the server's publisher. */
const OWNER = 'layouts';

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
    ...(file.kind ? { kind: file.kind } : {}),
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
  const { connection, runtime } = ctx;
  /** Per layout root: per file key, the last check. Reused while the file's version is unchanged. */
  let checked = new Map<string, Map<string, Checked>>();
  const skippedLogged = new Set<string>();
  let generation = 0;
  let timer: { dispose(): void } | undefined;
  /** The workspace folders (from initialize, then folder events). */
  let folders: string[] | undefined;
  /** The layouts found by the last walk; walked again only when folders or `oci-layout` files come and go. */
  let roots: string[] | undefined;

  const log = (what: string, err: unknown): void =>
    connection.console.error(formatError(`oci-manifest: ${what}`, err));
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
    folders ??= [...ctx.client.workspaceFolders];
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
    // Through the one publisher: it shows them while the file is not open, and clears what is gone or fixed.
    const keep = new Set<string>();
    for (const files of checked.values()) {
      for (const [key, entry] of files) {
        if (!entry.diagnostics.length) continue;
        keep.add(key);
        ctx.diskDiagnostics.file(OWNER, entry.uri, entry.diagnostics);
      }
    }
    ctx.diskDiagnostics.retainFiles(OWNER, keep);
  }

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
      const caps = ctx.client.capabilities;
      if (caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true) {
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
      if (caps.workspace?.workspaceFolders === true) {
        connection.workspace.onDidChangeWorkspaceFolders((e) => {
          const removed = new Set(e.removed.map((f) => f.uri));
          folders = [
            ...(folders ?? ctx.client.workspaceFolders).filter((f) => !removed.has(f)),
            ...e.added.map((f) => f.uri),
          ];
          roots = undefined;
          refresh(0);
        });
      }
      refresh(0);
    },
  };
}

export const layoutDiagnosticsFeature: Feature = {
  id: 'layoutDiagnostics',
  capabilities(client) {
    return client.workspace?.workspaceFolders === true
      ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } }
      : {};
  },
  register(ctx) {
    const instance = start(ctx);
    return {
      initialized: () => instance.initialized(),
      settingsChanged: () => instance.settingsChanged(),
    };
  },
};
