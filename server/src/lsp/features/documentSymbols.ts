/**
 * `textDocument/documentSymbol`: the core's outline (core/outline.ts) as hierarchical symbols for the Outline
 * view and breadcrumbs (`config`, `layers[0] (tar+gzip, 31.9 KiB)`, `manifests[1] linux/amd64`), or as a
 * flat list with container names for clients without hierarchy support.
 */
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { outline, type OutlineKind, type OutlineSymbol } from '../../core/outline';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';
import { rangeOf } from './layoutSupport';

const KIND: Record<OutlineKind, SymbolKind> = {
  image: SymbolKind.Module,
  blob: SymbolKind.File,
  annotation: SymbolKind.Key,
  object: SymbolKind.Object,
  array: SymbolKind.Array,
  string: SymbolKind.String,
  number: SymbolKind.Number,
  boolean: SymbolKind.Boolean,
  null: SymbolKind.Null,
};

// Read from the client's capabilities at initialize (one client per server process).
let hierarchical = false;

function toSymbol(doc: TextDocument, s: OutlineSymbol): DocumentSymbol {
  const symbol: DocumentSymbol = {
    name: s.name,
    kind: KIND[s.kind],
    range: rangeOf(doc, s.span),
    selectionRange: rangeOf(doc, s.selection),
  };
  if (s.detail) symbol.detail = s.detail;
  if (s.children) symbol.children = s.children.map((c) => toSymbol(doc, c));
  return symbol;
}

function flatten(
  doc: TextDocument,
  list: readonly OutlineSymbol[],
  container: string | undefined,
  out: SymbolInformation[],
): void {
  for (const s of list) {
    const info: SymbolInformation = {
      name: s.name,
      kind: KIND[s.kind],
      location: { uri: doc.uri, range: rangeOf(doc, s.span) },
    };
    if (container) info.containerName = container;
    out.push(info);
    if (s.children) flatten(doc, s.children, s.name, out);
  }
}

export const documentSymbolsFeature: Feature = {
  id: 'documentSymbols',
  capabilities(client) {
    hierarchical = client.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport === true;
    return { documentSymbolProvider: { label: 'OCI' } };
  },
  register(ctx) {
    ctx.connection.onDocumentSymbol((params, token) =>
      runSafeAsync<DocumentSymbol[] | SymbolInformation[]>(
        ctx.connection,
        'textDocument/documentSymbol',
        [],
        token,
        async () => {
          const found = await ctx.analysisOf(params.textDocument.uri);
          if (!found) return [];
          const symbols = outline(found.analysis);
          if (hierarchical) return symbols.map((s) => toSymbol(found.doc, s));
          const flat: SymbolInformation[] = [];
          flatten(found.doc, symbols, undefined, flat);
          return flat;
        },
      ),
    );
  },
};
