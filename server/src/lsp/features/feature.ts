import type { ClientCapabilities, Connection, ServerCapabilities, TextDocuments } from 'vscode-languageserver';
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
}

/** One LSP feature: the capabilities it announces and the handlers it registers. Listed in features/index.ts. */
export interface Feature {
  readonly id: string;
  capabilities?(client: ClientCapabilities): ServerCapabilities;
  register(ctx: FeatureContext): void;
}
