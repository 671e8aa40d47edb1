/**
 * The language server proper: documents, settings, validation (pushed or pulled) and the kind notification;
 * hover, completion and code actions plug in through the feature table (features/index.ts). It knows the
 * LSP and the core facade; everything host-specific comes in through `runtime`, so the node entry stays a
 * few lines.
 */
import {
  DocumentDiagnosticReportKind,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type DiagnosticServerCancellationData,
  type Disposable,
  type DocumentDiagnosticReport,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, KIND_LABELS, type Analysis, type AnalyzeOptions, type Detection } from '../core';
import { version } from '../../../package.json';
import {
  DocumentKindNotification,
  readSettings,
  ServerInfoRequest,
  type ServerInfo,
  type DocumentKindParams,
  type InitializationOptions,
  type Settings,
} from '../protocol';
import { internalErrorDiagnostic, toDiagnostic } from './convert';
import { formatError, guard, runSafeAsync } from './runner';
import { DiagnosticsPublisher } from './diagnostics';
import type { RuntimeEnvironment } from './runtime';
import { sectionOf, SettingsCache } from './settings';
import { FEATURES } from './features';
import type { ClientInfo, DiagnosticsProvider, FeatureContext, FeatureHooks } from './features/feature';
import { VerificationStore } from './features/verify';

export type { RuntimeEnvironment } from './runtime';

/** The server's name in `serverInfo` and the pull-diagnostics identifier. */
export const SERVER_NAME = 'oci-manifest';

/** One analysis per document version and settings epoch: the document is parsed once per version. */
interface Cached {
  version: number;
  epoch: number;
  detection?: Detection;
  /** Kept for hover, completion and code actions while the document is served; dropped otherwise. */
  analysis?: Analysis;
  diagnostics: Diagnostic[];
}

/** What the server remembers about one open document. */
interface DocState {
  /** Distinguishes one opening of a URI from the next (pull result ids must not carry over). */
  readonly serial: number;
  timer?: Disposable;
  cache?: Cached;
  /** The kind last announced with DocumentKindNotification (`kind/source`), or null. */
  announced: string | null;
  /** A validation is waiting for the document's settings; `immediate` says whether to skip the delay then. */
  awaiting?: { immediate: boolean };
  /** Bumped when the extra diagnostics (FeatureContext.addDiagnosticsProvider) may have changed. */
  extras: number;
}

const JSON_LANGUAGES = new Set(['json', 'jsonc']);

/** The path part of a URI (decoded), which is all the core needs of a file name. */
export function uriPath(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/** Starts serving on `connection`. The caller creates the connection; this calls `listen()`. */
export function startServer(connection: Connection, runtime: RuntimeEnvironment): void {
  const documents = new TextDocuments(TextDocument);
  const settings = new SettingsCache(connection);
  const states = new Map<string, DocState>();
  let serials = 0;
  let pullDiagnostics = false;
  let refreshSupport = false;
  let hostReportsJsonSyntax = false;
  const providers: DiagnosticsProvider[] = [];
  const client: { capabilities: ClientInfo['capabilities']; workspaceFolders: readonly string[] } = {
    capabilities: {},
    workspaceFolders: [],
  };
  const publisher = new DiagnosticsPublisher(connection, () => pullDiagnostics);
  /** What each feature asked to hear about after registering. */
  const hooks: [string, FeatureHooks][] = [];

  // ---- lifecycle -------------------------------------------------------------------------------------

  connection.onInitialize((params): InitializeResult => {
    const caps = params.capabilities;
    client.capabilities = caps;
    client.workspaceFolders = params.workspaceFolders?.length
      ? params.workspaceFolders.map((f) => f.uri)
      : params.rootUri
        ? [params.rootUri]
        : [];
    settings.useConfigurationRequest = caps.workspace?.configuration === true;
    pullDiagnostics = caps.textDocument?.diagnostic !== undefined;
    refreshSupport = caps.workspace?.diagnostics?.refreshSupport === true;
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    hostReportsJsonSyntax = init.hostReportsJsonSyntax === true;
    if (init.settings !== undefined) settings.fallback = readSettings(sectionOf(init.settings));

    const capabilities: ServerCapabilities = {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    };
    if (pullDiagnostics) {
      capabilities.diagnosticProvider = {
        identifier: SERVER_NAME,
        interFileDependencies: false,
        workspaceDiagnostics: false,
      };
    }
    for (const f of FEATURES) Object.assign(capabilities, f.capabilities?.(caps, params));
    return { capabilities, serverInfo: { name: SERVER_NAME, version } };
  });

  connection.onInitialized(
    guard(connection, 'initialized', () => {
      for (const [id, h] of hooks) safely(`${id}: initialized`, () => h.initialized?.());
    }),
  );

  connection.onDidChangeConfiguration(
    guard(connection, 'workspace/didChangeConfiguration', (params: { settings?: unknown }) => {
      // Without workspace/configuration the payload is the only source; with it, the payload may be empty
      // (pull model) and the settings are asked for again per document.
      if (!settings.useConfigurationRequest && params.settings !== undefined && params.settings !== null) {
        settings.fallback = readSettings(sectionOf(params.settings));
      }
      settings.reset();
      for (const [id, h] of hooks) safely(`${id}: settings change`, () => h.settingsChanged?.());
      if (pullDiagnostics && refreshSupport) {
        connection.languages.diagnostics
          .refresh()
          .catch((err: unknown) =>
            connection.console.error(formatError('oci-manifest: diagnostic refresh failed', err)),
          );
      }
      // One document per turn of the event loop, so that a burst of large documents does not hold up requests.
      for (const doc of documents.all()) {
        runtime.timer.setImmediate(() => {
          const current = documents.get(doc.uri);
          if (current) safely('validation', () => trigger(current, true));
        });
      }
    }),
  );

  // ---- documents -------------------------------------------------------------------------------------

  documents.onDidOpen(
    guard(connection, 'textDocument/didOpen', (e: { document: TextDocument }) => {
      const old = states.get(e.document.uri);
      old?.timer?.dispose();
      states.set(e.document.uri, {
        serial: ++serials,
        extras: 0,
        announced: old?.announced ?? null,
      });
      publisher.opened(e.document.uri);
      trigger(e.document, true);
    }),
  );

  documents.onDidChangeContent(
    guard(connection, 'textDocument/didChange', (e: { document: TextDocument }) => {
      // onDidOpen has already validated the opened version.
      const st = states.get(e.document.uri);
      if (st?.cache?.version === e.document.version && st.cache.epoch === settings.epoch) return;
      trigger(e.document, false);
    }),
  );

  documents.onDidClose(
    guard(connection, 'textDocument/didClose', (e: { document: TextDocument }) => {
      const uri = e.document.uri;
      const st = states.get(uri);
      states.delete(uri);
      settings.forget(uri);
      publisher.closed(uri);
      if (!st) return;
      st.timer?.dispose();
      if (st.announced !== null) announce(uri, undefined, st);
    }),
  );

  // ---- validation ------------------------------------------------------------------------------------

  /** Validates now (`immediate`, or a delay of 0) or after the configured delay, replacing a pending one. */
  function trigger(doc: TextDocument, immediate: boolean): void {
    const uri = doc.uri;
    const st = states.get(uri);
    if (!st) return;
    st.timer?.dispose();
    st.timer = undefined;
    const s = settings.peek(uri);
    if (!s) {
      // Settings are on their way; validate when they arrive (once, however many edits come meanwhile).
      if (st.awaiting) {
        st.awaiting.immediate ||= immediate;
        return;
      }
      const awaiting = (st.awaiting = { immediate });
      void settings.get(uri).then(() => {
        if (states.get(uri) !== st) return; // closed or reopened meanwhile
        st.awaiting = undefined;
        const current = documents.get(uri);
        // If the settings were reset again meanwhile, trigger() asks once more.
        if (current) safely('validation', () => trigger(current, awaiting.immediate));
      });
      return;
    }
    const delay = immediate ? 0 : s['diagnostics.delay'];
    if (delay <= 0) {
      validate(uri, doc.version, s);
    } else {
      st.timer = runtime.timer.setTimeout(() => {
        st.timer = undefined;
        safely('validation', () => {
          const current = documents.get(uri);
          if (!current || states.get(uri) !== st) return;
          const now = settings.peek(uri);
          if (now) validate(uri, current.version, now);
          else trigger(current, true);
        });
      }, delay);
    }
  }

  /** Analyses the document (cached per version) and, in push mode, publishes the result. */
  function validate(uri: string, version: number, s: Settings): void {
    const doc = documents.get(uri);
    // A validation of an older version is dropped: a newer one has been triggered by the change.
    if (!doc || doc.version !== version) return;
    const result = analysisFor(doc, s);
    if (!pullDiagnostics) publish(uri, version, withExtras(doc, result));
  }

  /** The document's diagnostics plus those of the providers (none for documents that are not served). */
  function withExtras(doc: TextDocument, cached: Cached): Diagnostic[] {
    const analysis = cached.analysis;
    if (!providers.length || !analysis) return cached.diagnostics;
    const extra: Diagnostic[] = [];
    for (const p of providers) safely('extra diagnostics', () => extra.push(...p(doc, analysis)));
    if (!extra.length) return cached.diagnostics;
    // Two providers may know the same finding (a cross-document one, live and from Verify Layout): once each.
    const key = (d: Diagnostic): string =>
      `${String(d.code)}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${typeof d.message === 'string' ? d.message : d.message.value}`;
    const seen = new Set<string>();
    const out = [...cached.diagnostics];
    for (const d of extra) {
      const k = key(d);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(d);
    }
    return out;
  }

  /** Publishes again (push) or asks the client to pull again, after a provider's answer changed. */
  function refreshDiagnostics(uri: string): void {
    const st = states.get(uri);
    const doc = documents.get(uri);
    if (!st || !doc) return;
    st.extras++;
    if (pullDiagnostics) {
      if (refreshSupport)
        connection.languages.diagnostics
          .refresh()
          .catch((err: unknown) =>
            connection.console.error(formatError('oci-manifest: diagnostic refresh failed', err)),
          );
      return;
    }
    const s = settings.peek(uri);
    if (s) publish(uri, doc.version, withExtras(doc, analysisFor(doc, s)));
    else trigger(doc, true);
  }

  function publish(uri: string, version: number, diagnostics: Diagnostic[]): void {
    if (!states.has(uri) || documents.get(uri)?.version !== version) return;
    publisher.document(uri, version, diagnostics);
  }

  /** The analysis of the document's current version under the current settings, computed at most once. */
  function analysisFor(doc: TextDocument, s: Settings): Cached {
    const st = states.get(doc.uri);
    const epoch = settings.epoch;
    if (st?.cache && st.cache.version === doc.version && st.cache.epoch === epoch) return st.cache;
    const cached = analyzeDocument(doc, s, epoch);
    if (st) {
      st.cache = cached;
      announce(doc.uri, cached.detection, st);
    }
    return cached;
  }

  function analyzeDocument(doc: TextDocument, s: Settings, epoch: number): Cached {
    try {
      const options: AnalyzeOptions = {
        fileName: uriPath(doc.uri),
        besideOciLayout: besideOciLayout(doc.uri),
        contentDetection: s['diagnostics.contentDetection'],
        severities: s['diagnostics.severity'],
        maxFullCheckSize: s['diagnostics.maxFullCheckSize'],
        hostReportsSyntax: hostReportsJsonSyntax && JSON_LANGUAGES.has(doc.languageId),
      };
      const analysis = analyze(doc.getText(), options);
      const diagnostics = analysis.findings.map((f) => toDiagnostic(doc, f));
      const detection = analysis.detection;
      return detection
        ? { version: doc.version, epoch, detection, analysis, diagnostics }
        : { version: doc.version, epoch, diagnostics };
    } catch (err) {
      // analyze() promises not to throw; if it does anyway (a stack overflow...), say so once and go on.
      connection.console.error(formatError(`oci-manifest: analysing ${doc.uri} failed`, err));
      return { version: doc.version, epoch, diagnostics: [internalErrorDiagnostic(err)] };
    }
  }

  function besideOciLayout(uri: string): boolean {
    if (!runtime.layouts) return false;
    try {
      return runtime.layouts.besideLayoutFile(uri);
    } catch (err) {
      connection.console.error(formatError(`oci-manifest: looking for oci-layout beside ${uri} failed`, err));
      return false;
    }
  }

  /** Tells the client the detected kind when it differs from what it was last told. */
  function announce(uri: string, detection: Detection | undefined, st: DocState): void {
    const key = detection ? `${detection.kind}/${detection.source}` : null;
    if (key === st.announced) return;
    st.announced = key;
    const params: DocumentKindParams = detection
      ? {
          uri,
          kind: detection.kind,
          label: KIND_LABELS[detection.kind] ?? detection.kind,
          source: detection.source,
        }
      : { uri, kind: null, label: null, source: null };
    void connection.sendNotification(DocumentKindNotification, params).catch(() => undefined);
  }

  function safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      connection.console.error(formatError(`oci-manifest: ${what} failed`, err));
    }
  }

  /** The cached analysis of the current version, waiting for the document's settings if need be. */
  async function currentAnalysis(
    uri: string,
  ): Promise<{ doc: TextDocument; cached: Cached; st: DocState } | undefined> {
    if (!documents.get(uri)) return undefined;
    const s = settings.peek(uri) ?? (await settings.get(uri));
    const doc = documents.get(uri);
    const st = states.get(uri);
    if (!doc || !st) return undefined;
    return { doc, cached: analysisFor(doc, s), st };
  }

  // ---- pull diagnostics ------------------------------------------------------------------------------

  const emptyReport: DocumentDiagnosticReport = { kind: DocumentDiagnosticReportKind.Full, items: [] };
  connection.languages.diagnostics.on((params, token) =>
    runSafeAsync<DocumentDiagnosticReport, DiagnosticServerCancellationData>(
      connection,
      'textDocument/diagnostic',
      emptyReport,
      token,
      async () => {
        const found = await currentAnalysis(params.textDocument.uri);
        if (!found) return emptyReport;
        const { doc, cached, st } = found;
        const resultId = `${st.serial}:${cached.version}:${cached.epoch}:${st.extras}`;
        if (params.previousResultId === resultId)
          return { kind: DocumentDiagnosticReportKind.Unchanged, resultId };
        return { kind: DocumentDiagnosticReportKind.Full, resultId, items: withExtras(doc, cached) };
      },
    ),
  );

  // ---- features (features/index.ts) -----------------------------------------------------------------

  const featureContext: FeatureContext = {
    connection,
    documents,
    runtime,
    client,
    diskDiagnostics: publisher,
    verifications: new VerificationStore(),
    analysisOf: async (uri) => {
      const found = await currentAnalysis(uri);
      if (!found?.cached.analysis) return undefined;
      return {
        doc: found.doc,
        analysis: found.cached.analysis,
        settings: settings.peek(uri) ?? readSettings(undefined),
      };
    },
    settingsOf: (uri) => settings.get(uri),
    addDiagnosticsProvider: (provider) => void providers.push(provider),
    refreshDiagnostics: (uri) => safely('diagnostics refresh', () => refreshDiagnostics(uri)),
  };
  for (const f of FEATURES) {
    const h = f.register(featureContext);
    if (h) hooks.push([f.id, h]);
  }

  // ---- custom requests -------------------------------------------------------------------------------

  connection.onRequest(ServerInfoRequest, (): ServerInfo => ({ pid: runtime.pid ?? 0, version }));

  documents.listen(connection);
  connection.listen();
}
