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

/** What a feature (hover, completion, code actions, navigation…) gets from the server. */
export interface FeatureContext {
  readonly connection: Connection;
  readonly documents: TextDocuments<TextDocument>;
  readonly runtime: RuntimeEnvironment;
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

/** One LSP feature: the capabilities it announces and the handlers it registers. Listed in features/index.ts. */
export interface Feature {
  readonly id: string;
  capabilities?(client: ClientCapabilities, params: InitializeParams): ServerCapabilities;
  register(ctx: FeatureContext): void;
  /** Called on the client's `initialized` notification: the moment to register watchers or scan the workspace. */
  initialized?(): void;
  /** Called after the settings changed (the cache is reset: `settingsOf` answers with the new ones). */
  settingsChanged?(): void;
}
