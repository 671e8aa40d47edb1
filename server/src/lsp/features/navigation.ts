/**
 * Navigation by digest in a document inside an OCI image layout:
 * - `textDocument/documentLink`: each descriptor digest whose blob is in the layout links to the blob file;
 * - `textDocument/definition`: the same target for the digest under the cursor;
 * - `textDocument/references`: every JSON document of the layout (`index.json` and the JSON blobs, within
 *   bounds; open documents as edited) whose descriptors name the digest under the cursor.
 * Outside a layout (or without a file system), references stay within the document and there are no links.
 */
import { type DefinitionLink, type DocumentLink, type Location, type Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { digestOccurrencesInText, occurrenceAt } from '../../core/layout/occurrences';
import { shortDigest, shortMediaType } from '../../core/layout/format';
import { EDGE_ROLE } from '../../core/layout/graph';
import type { LayoutFileLimits } from '../../host/layoutAccess';
import { formatError, runSafeAsync } from '../runner';
import type { Feature, FeatureContext } from './feature';
import { uriKey } from '../convert';
import { layoutRootOf, occurrencesOf, rangeOf } from './layoutSupport';

/** The files searched for references: bounds on the work one request may do. */
export const REFERENCE_LIMITS: LayoutFileLimits = {
  maxBlobs: 10_000,
  maxFileBytes: 4 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
};

/** Per file of a layout, the ranges of each digest its descriptors name, kept while the file is unchanged. */
type FileIndex = Map<string, { version: string; ranges: Map<string, Range[]> }>;
const MAX_INDEXED_FILES = 20_000;

function indexText(uri: string, relative: string, text: string): Map<string, Range[]> {
  const doc = TextDocument.create(uri, 'json', 0, text);
  const ranges = new Map<string, Range[]>();
  for (const o of digestOccurrencesInText(text, {
    fileName: relative,
    besideOciLayout: relative === 'index.json',
  })) {
    const list = ranges.get(o.digest) ?? [];
    list.push(rangeOf(doc, o.span));
    ranges.set(o.digest, list);
  }
  return ranges;
}

async function references(
  ctx: FeatureContext,
  fileIndex: FileIndex,
  uri: string,
  offset: number,
): Promise<Location[]> {
  const found = await ctx.analysisOf(uri);
  if (!found) return [];
  const { doc, analysis } = found;
  const mine = occurrencesOf(analysis);
  const at = occurrenceAt(mine, offset);
  if (!at) return [];
  const digest = at.digest;
  const out: Location[] = mine
    .filter((o) => o.digest === digest)
    .map((o) => ({ uri, range: rangeOf(doc, o.span) }));

  const root = await layoutRootOf(ctx, uri);
  if (!root || !ctx.runtime.layouts) return out;
  let files;
  try {
    files = await ctx.runtime.layouts.jsonFiles(root, REFERENCE_LIMITS);
  } catch (err) {
    ctx.connection.console.error(formatError(`oci-manifest: reading the OCI layout ${root} failed`, err));
    return out;
  }
  if (files.incomplete)
    ctx.connection.console.info(`oci-manifest: references in ${root}: ${files.incomplete}`);
  const self = uriKey(uri);
  const open = new Map(ctx.documents.all().map((d) => [uriKey(d.uri), d]));
  for (const f of files.files) {
    const key = uriKey(f.uri);
    if (key === self) continue;
    const edited = open.get(key);
    if (edited) {
      // An open document counts as edited, not as saved.
      if (!edited.getText().includes(digest)) continue;
      const ranges = indexText(edited.uri, f.relative, edited.getText()).get(digest) ?? [];
      for (const range of ranges) out.push({ uri: edited.uri, range });
      continue;
    }
    let entry = fileIndex.get(key);
    if (!entry || entry.version !== f.version) {
      if (!f.text.includes(digest) && !entry) continue; // cheap: most blobs do not mention it
      if (fileIndex.size >= MAX_INDEXED_FILES) fileIndex.clear();
      entry = { version: f.version, ranges: indexText(f.uri, f.relative, f.text) };
      fileIndex.set(key, entry);
    }
    for (const range of entry.ranges.get(digest) ?? []) out.push({ uri: f.uri, range });
  }
  return out;
}

export const navigationFeature: Feature = {
  id: 'navigation',
  capabilities() {
    return {
      documentLinkProvider: { resolveProvider: false },
      definitionProvider: true,
      referencesProvider: true,
    };
  },
  register(ctx) {
    const fileIndex: FileIndex = new Map();
    ctx.connection.onDocumentLinks((params, token) =>
      runSafeAsync<DocumentLink[]>(ctx.connection, 'textDocument/documentLink', [], token, async () => {
        const uri = params.textDocument.uri;
        const found = await ctx.analysisOf(uri);
        if (!found) return [];
        const occurrences = occurrencesOf(found.analysis).filter((o) => o.linkable);
        if (!occurrences.length) return [];
        const root = await layoutRootOf(ctx, uri);
        if (!root || !ctx.runtime.layouts) return [];
        const targets = await ctx.runtime.layouts.blobUris(
          root,
          occurrences.map((o) => o.digest),
        );
        const links: DocumentLink[] = [];
        for (const o of occurrences) {
          const target = targets.get(o.digest);
          if (!target) continue;
          const type = shortMediaType(o.descriptor.mediaType);
          links.push({
            range: rangeOf(found.doc, o.span),
            target,
            tooltip: `Open the ${EDGE_ROLE[o.role]} blob ${shortDigest(o.digest)}${type ? ` (${type})` : ''}`,
          });
        }
        return links;
      }),
    );

    ctx.connection.onDefinition((params, token) =>
      runSafeAsync<Location[] | DefinitionLink[]>(
        ctx.connection,
        'textDocument/definition',
        [],
        token,
        async () => {
          const uri = params.textDocument.uri;
          const found = await ctx.analysisOf(uri);
          if (!found) return [];
          const at = occurrenceAt(occurrencesOf(found.analysis), found.doc.offsetAt(params.position));
          if (!at?.linkable) return [];
          const root = await layoutRootOf(ctx, uri);
          if (!root || !ctx.runtime.layouts) return [];
          const target = (await ctx.runtime.layouts.blobUris(root, [at.digest])).get(at.digest);
          if (!target) return [];
          const start: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
          if (ctx.client.capabilities.textDocument?.definition?.linkSupport === true) {
            return [
              {
                originSelectionRange: rangeOf(found.doc, at.span),
                targetUri: target,
                targetRange: start,
                targetSelectionRange: start,
              },
            ];
          }
          return [{ uri: target, range: start }];
        },
      ),
    );

    ctx.connection.onReferences((params, token) =>
      runSafeAsync<Location[]>(ctx.connection, 'textDocument/references', [], token, async () => {
        const doc = ctx.documents.get(params.textDocument.uri);
        if (!doc) return [];
        return references(ctx, fileIndex, params.textDocument.uri, doc.offsetAt(params.position));
      }),
    );
  },
};
