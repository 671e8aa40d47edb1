/**
 * `textDocument/completion`: property names, values and snippets from the core, for the cached analysis of
 * the current version. Clients without snippet support get plain text (placeholders keep their defaults).
 * A document the server does not serve gets the whole-document snippets while it is blank or `{}`.
 */
import {
  CompletionItemKind,
  CompletionItemTag,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
} from 'vscode-languageserver';
import { completionsAt, snippetToPlain, type CompletionEntryKind } from '../../core';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';

const KIND: Record<CompletionEntryKind, CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  snippet: CompletionItemKind.Snippet,
};

/** Above this size an unserved document is certainly not blank: no need to look at its text. */
const BLANK_LIMIT = 256;

const empty: CompletionList = { isIncomplete: false, items: [] };

// What the client can show, read from its capabilities at initialize (one client per server process).
let snippets = false;
let markdown = false;
let deprecatedTag = false;

export const completionFeature: Feature = {
  id: 'completion',
  capabilities(client) {
    const item = client.textDocument?.completion?.completionItem;
    snippets = item?.snippetSupport === true;
    markdown = item?.documentationFormat?.includes(MarkupKind.Markdown) === true;
    deprecatedTag = item?.tagSupport?.valueSet?.includes(CompletionItemTag.Deprecated) === true;
    return { completionProvider: { triggerCharacters: ['"', ':'], resolveProvider: false } };
  },
  register(ctx) {
    ctx.connection.onCompletion((params, token) =>
      runSafeAsync<CompletionList>(ctx.connection, 'textDocument/completion', empty, token, async () => {
        const uri = params.textDocument.uri;
        const found = await ctx.analysisOf(uri);
        const doc = found?.doc ?? ctx.documents.get(uri);
        if (!doc) return empty;
        if (!found && doc.getText().length > BLANK_LIMIT) return empty;
        const text = found ? found.analysis.json.text : doc.getText();
        const entries = completionsAt(found?.analysis, text, doc.offsetAt(params.position));
        const items = entries.map((e): CompletionItem => {
          const range = {
            start: doc.positionAt(e.replace.offset),
            end: doc.positionAt(e.replace.offset + e.replace.length),
          };
          const asSnippet = e.snippet && snippets;
          const newText = e.snippet && !snippets ? snippetToPlain(e.insertText) : e.insertText;
          const item: CompletionItem = {
            label: e.label,
            kind: KIND[e.kind],
            textEdit: { range, newText },
            insertTextFormat: asSnippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
            sortText: e.sortText,
          };
          if (e.detail) item.detail = e.detail;
          if (e.documentation)
            item.documentation = markdown
              ? { kind: MarkupKind.Markdown, value: e.documentation }
              : e.documentation;
          if (e.filterText) item.filterText = e.filterText;
          if (e.preselect) item.preselect = true;
          if (e.deprecated && deprecatedTag) item.tags = [CompletionItemTag.Deprecated];
          if (e.retrigger && asSnippet)
            item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
          return item;
        });
        return { isIncomplete: false, items };
      }),
    );
  },
};
