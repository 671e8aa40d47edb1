/**
 * The transport floor for the LSP benchmark: a language server that keeps documents in sync like a real
 * one and publishes an empty diagnostics list on every open and change, doing no validation at all.
 * Run as `node test/bench/null-server.mjs --stdio`.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} = require('vscode-languageserver/node');
const { TextDocument } = require('vscode-languageserver-textdocument');

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

connection.onInitialize(() => ({
  capabilities: { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental } },
  serverInfo: { name: 'null-server' },
}));

documents.onDidChangeContent((e) => {
  void connection.sendDiagnostics({ uri: e.document.uri, version: e.document.version, diagnostics: [] });
});

documents.listen(connection);
connection.listen();
