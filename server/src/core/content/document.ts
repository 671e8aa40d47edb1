/**
 * A blob read as a document: what the walk and verification make of the bytes of a manifest or an index (or
 * of a root file such as `index.json`). A blob that a descriptor names as a manifest or an index must be one:
 * UTF-8 JSON text whose shape or `mediaType` is a manifest or an index. Anything else (binary, UTF-16, empty,
 * `{"foo":1}`, an image config) is not, and says why in a phrase that follows "it".
 */
import { detectKind, MEDIA_TYPE_OF_KIND } from '../detect';
import { parseJson, type JsonDocument } from '../json/document';
import { KIND_LABELS, type DocumentKind } from '../kinds';
import { descriptorsOf, isIndexKind, isManifestKind, type DescriptorRef } from '../model';
import type { ScanResult } from './scan';
import { readAll, type ContentSource, type RootFileName } from './source';

/** What the document is expected to be. */
export type DocumentExpectation =
  /** A descriptor names it as a manifest or an index. */
  | 'manifest'
  /** Anything with descriptors we know (a document given to verify, a layout's `index.json`). */
  | 'any';

/** A document as read by the walk. */
export interface ContentDocument {
  /** The text, when the document was held in full (at most the walk's document limit). */
  text?: string;
  /** The parsed text, when held. */
  json?: JsonDocument;
  /** The parsed value, or (for a streamed document) the skeleton the scan kept. */
  value?: unknown;
  /**
   * The kind it was read as: detected (an image config named as a manifest is an image config), else the kind
   * its descriptor names, so that a blob named as a manifest but not recognisable is linted as one.
   */
  kind?: DocumentKind;
  /** Its descriptors (empty when it is not what it was named as). */
  refs: readonly DescriptorRef[];
  /** Set when it is not what it was named as: a phrase following "it", e.g. `is not valid JSON`. */
  problem?: string;
  /** Set for a document too large to hold: its descriptors came from a streaming scan, its content was not linted. */
  streamed?: { bytes: number; dropped: number };
}

/** Kinds the walk follows: manifests and indexes (and the legacy schema 1 manifest, which names no descriptors). */
export const isWalkableKind = (k: DocumentKind): boolean =>
  isManifestKind(k) || isIndexKind(k) || k === 'docker-schema1';

/** The document kind a manifest or index media type names. */
export function kindOfMediaType(mediaType: string | undefined): DocumentKind | undefined {
  if (mediaType === undefined) return undefined;
  for (const [kind, mt] of Object.entries(MEDIA_TYPE_OF_KIND))
    if (mt === mediaType) return kind as DocumentKind;
  return undefined;
}

const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** Why bytes are not UTF-8 JSON text, or undefined when they decode. */
function textOf(bytes: Uint8Array): { text: string } | { problem: string } {
  if (bytes.length === 0) return { problem: 'is empty (0 bytes)' };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return { problem: 'is UTF-16 text (it starts with a UTF-16 byte-order mark); manifests are UTF-8 JSON' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    let i = 0;
    while (i < bytes.length && bytes[i]! < 0x80) i++;
    return { problem: `is not UTF-8 text (byte ${hex(bytes[i] ?? 0)} near offset ${i}), so it is binary` };
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0)
    return {
      problem: `holds a NUL character at offset ${nul}, so it is binary or UTF-16, not UTF-8 JSON`,
    };
  return { text };
}

/** The kind of a parsed value as a document named `expect`, or why it is not one. */
function decide(
  value: unknown,
  expect: DocumentExpectation,
  mediaType: string | undefined,
): { kind?: DocumentKind; problem?: string } {
  const detected = detectKind(value, {}, true)?.kind;
  if (expect === 'any') return detected ? { kind: detected } : {};
  if (detected && isWalkableKind(detected)) return { kind: detected };
  const named = kindOfMediaType(mediaType);
  if (detected)
    return { kind: detected, problem: `reads as ${KIND_LABELS[detected]}, not as a manifest or an index` };
  return {
    ...(named ? { kind: named } : {}),
    problem:
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? 'is JSON, but not a manifest or an index: it has neither "config" and "layers" nor "manifests"'
        : 'is JSON, but not an object, so it is not a manifest or an index',
  };
}

/**
 * Reads bytes held in full as a document. `mediaType` is what the descriptor naming it says (for the kind
 * to lint it as when its content is not recognisable).
 */
export function documentFromBytes(
  bytes: Uint8Array,
  expect: DocumentExpectation,
  mediaType?: string,
): ContentDocument {
  const t = textOf(bytes);
  if ('problem' in t) return { refs: [], problem: t.problem };
  return documentFromText(t.text, expect, mediaType);
}

/** Reads text as a document (see {@link documentFromBytes}). */
export function documentFromText(
  text: string,
  expect: DocumentExpectation,
  mediaType?: string,
): ContentDocument {
  const json = parseJson(text);
  if (!json.strict || json.value === undefined) {
    const e = json.syntaxErrors[0];
    return {
      text,
      json,
      refs: [],
      problem: `is not valid JSON${e ? ` (${e.message.charAt(0).toLowerCase()}${e.message.slice(1)} at offset ${e.offset})` : ''}`,
      ...(kindOfMediaType(mediaType) ? { kind: kindOfMediaType(mediaType) } : {}),
    };
  }
  const { kind, problem } = decide(json.value, expect, mediaType);
  const refs = kind && !problem ? descriptorsOf(kind, json.value) : [];
  return {
    text,
    json,
    value: json.value,
    refs,
    ...(kind ? { kind } : {}),
    ...(problem ? { problem } : {}),
  };
}

/** A document too large to hold, from what the streaming scan kept while it was hashed. */
export function documentFromScan(
  scan: ScanResult,
  expect: DocumentExpectation,
  mediaType?: string,
): ContentDocument {
  const streamed = { bytes: scan.bytes, dropped: scan.dropped };
  if (scan.problem) return { refs: [], problem: scan.problem, streamed };
  const { kind, problem } = decide(scan.skeleton, expect, mediaType);
  const refs = kind && !problem ? descriptorsOf(kind, scan.skeleton) : [];
  return {
    value: scan.skeleton,
    refs,
    streamed,
    ...(kind ? { kind } : {}),
    ...(problem ? { problem } : {}),
  };
}

/**
 * Reads a blob (by digest) or a root file (by name) of a content source as UTF-8 text of at most `maxBytes`,
 * for an editor that shows it as a document. Binary content (a layer), content above the bound and content the
 * source does not have come back as a `problem`: a full sentence.
 */
export async function readSourceText(
  source: ContentSource,
  piece: { digest: string } | { root: RootFileName },
  options: { signal: AbortSignal; maxBytes: number },
): Promise<{ text: string; where: string } | { problem: string }> {
  const name = 'digest' in piece ? piece.digest : piece.root;
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  try {
    let chunks: AsyncIterable<Uint8Array>;
    let size: number | undefined;
    let where: string;
    if ('digest' in piece) {
      const content = await source.open(
        { digest: piece.digest, manifest: false },
        { signal: options.signal, maxBytes: options.maxBytes + 1 },
      );
      if (!content) return { problem: `${source.label} has no blob ${name}.` };
      ({ chunks, size, where } = content);
    } else {
      const root = await source.readRoot?.(piece.root, { signal: options.signal });
      if (!root) return { problem: `${source.label} has no ${name}.` };
      if ('problem' in root) return { problem: `${name} of ${source.label} ${root.problem}.` };
      ({ chunks, size, where } = root);
    }
    if (size !== undefined && size > options.maxBytes) {
      await chunks[Symbol.asyncIterator]().return?.();
      return {
        problem: `${where} is ${mib(size)}; documents above ${mib(options.maxBytes)} are not opened as text.`,
      };
    }
    const bytes = await readAll(chunks, options.maxBytes, size);
    if (!bytes)
      return { problem: `${where} is larger than ${mib(options.maxBytes)}, so it is not opened as text.` };
    const doc = documentFromBytes(bytes, 'any');
    if (doc.text === undefined)
      return { problem: `${where} ${doc.problem ?? 'is not text'}, so it is not opened as a document.` };
    return { text: doc.text, where };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}
