import type {
  ClientCapabilities,
  Connection,
  Diagnostic,
  InitializeParams,
  ServerCapabilities,
  TextDocuments,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../../core';
import type { Settings } from '../../protocol';
import type { RuntimeEnvironment } from '../runtime';
import type { VerificationStore } from './verify';

/** What the client said about itself in `initialize` (empty until then; features read it in their handlers). */
export interface ClientInfo {
  readonly capabilities: ClientCapabilities;
  /** The workspace folders' URIs (the root URI when the client sent no folders). */
  readonly workspaceFolders: readonly string[];
}

/** Diagnostics of files on disk, per owner, published through the server's one publisher. */
export interface DiskDiagnostics {
  /** Sets (or clears) what `owner` found in the file `uri`; shown while the file is not open. */
  file(owner: string, uri: string, diagnostics: Diagnostic[] | undefined): void;
  /** Clears every file of `owner` whose `uriKey` is not in `keep`. */
  retainFiles(owner: string, keep: ReadonlySet<string>): void;
}

/** What a feature (hover, completion, code actions, navigation…) gets from the server. */
export interface FeatureContext {
  readonly connection: Connection;
  readonly documents: TextDocuments<TextDocument>;
  readonly runtime: RuntimeEnvironment;
  /** The client's capabilities and workspace folders, filled in by `initialize`. */
  readonly client: ClientInfo;
  /** Diagnostics for files on disk (workspace diagnostics, Verify Layout), through the one publisher. */
  readonly diskDiagnostics: DiskDiagnostics;
  /** What digest verification found, per document: written by the verify requests, read by hovers and lenses. */
  readonly verifications: VerificationStore;
  /** The analysis of the document's current version (parsed once per version), if the document is served. */
  analysisOf(uri: string): Promise<{ doc: TextDocument; analysis: Analysis; settings: Settings } | undefined>;
  /** The settings for any resource, open or not (asked for with `workspace/configuration` when needed). */
  settingsOf(uri: string): Promise<Settings>;
  /**
   * Adds diagnostics to a served document's own (push and pull), e.g. verification results. Called for each
   * analysed version; keep it cheap. {@link refreshDiagnostics} republishes after the provider's answer changed.
   */
  addDiagnosticsProvider(provider: DiagnosticsProvider): void;
  refreshDiagnostics(uri: string): void;
}

/** Extra diagnostics for the current version of an open, served document. */
export type DiagnosticsProvider = (doc: TextDocument, analysis: Analysis) => Diagnostic[];

/** What a registered feature wants to hear about later (its state lives in its closure, not in the module). */
export interface FeatureHooks {
  /** Called on the client's `initialized` notification: the moment to register watchers or scan the workspace. */
  initialized?(): void;
  /** Called after the settings changed (the cache is reset: `settingsOf` answers with the new ones). */
  settingsChanged?(): void;
}

/** One LSP feature: the capabilities it announces and the handlers it registers. Listed in features/index.ts. */
export interface Feature {
  readonly id: string;
  /** The server capabilities it announces, from the client's (a pure function: keep nothing). */
  capabilities?(client: ClientCapabilities, params: InitializeParams): ServerCapabilities;
  register(ctx: FeatureContext): FeatureHooks | void;
}
