/**
 * Shared by the navigation features: the descriptor digests of an analysed document (computed once per
 * analysis, which is once per document version), the layout a document belongs to, and URI comparison.
 */
import type { Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../../core';
import type { Span } from '../../core/findings';
import { digestOccurrences, type DigestOccurrence } from '../../core/layout/occurrences';
import { BLOB_SCHEME } from '../../protocol';
import { formatError } from '../runner';
import type { FeatureContext } from './feature';

/** At most this many descriptors get links and lenses in one document (a 10,000-entry index gets the first ones). */
export const MAX_DESCRIPTORS = 2000;

const cache = new WeakMap<Analysis, DigestOccurrence[]>();

/** The document's descriptor digests, in document order (at most {@link MAX_DESCRIPTORS}). */
export function occurrencesOf(analysis: Analysis): DigestOccurrence[] {
  let list = cache.get(analysis);
  if (!list) {
    list = analysis.detection
      ? digestOccurrences(analysis.detection.kind, analysis.json, MAX_DESCRIPTORS)
      : [];
    cache.set(analysis, list);
  }
  return list;
}

export function rangeOf(doc: TextDocument, span: Span): Range {
  return { start: doc.positionAt(span.offset), end: doc.positionAt(span.offset + span.length) };
}

/**
 * The `file:` URI of the OCI layout (or image archive) holding `uri`, a file or an `oci-blob:` document read from
 * one, when the runtime can tell; errors are logged, not thrown.
 */
export async function layoutRootOf(ctx: FeatureContext, uri: string): Promise<string | undefined> {
  const layouts = ctx.runtime.layouts;
  if (!layouts || !(uri.startsWith('file:') || uri.startsWith(`${BLOB_SCHEME}:`))) return undefined;
  try {
    return await layouts.rootOf(uri);
  } catch (err) {
    ctx.connection.console.error(formatError(`oci-manifest: finding the OCI layout of ${uri} failed`, err));
    return undefined;
  }
}
