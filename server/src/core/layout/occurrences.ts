/**
 * Where a document's descriptors name digests: the digest string of every descriptor (config, layers,
 * manifests, blobs, subject, a descriptor document itself) with its span, for links, definitions,
 * references and code lenses. Pure and linear in the number of descriptors.
 */
import { detectKind, type DocumentOrigin } from '../detect';
import { blobPath, validateDigest } from '../digest';
import type { Path, Span } from '../findings';
import { parseJson, type JsonDocument } from '../json/document';
import type { DocumentKind } from '../kinds';
import { descriptorsOf, type DescriptorRole, type JsonObject } from '../model';

export interface DigestOccurrence {
  /** The `digest` value as written. */
  digest: string;
  /** True when the digest is valid and can name a blob file (`blobs/<alg>/<encoded>`). */
  linkable: boolean;
  role: DescriptorRole;
  /** The descriptor's path (its `digest` member is at `[...path, 'digest']`). */
  path: Path;
  descriptor: JsonObject;
  /** The digest's characters, without the quotes. */
  span: Span;
  /** The whole descriptor object. */
  descriptorSpan: Span;
}

/** Every descriptor digest of a parsed document of `kind`, in document order; at most `limit` of them. */
export function digestOccurrences(
  kind: DocumentKind,
  json: JsonDocument,
  limit = Infinity,
): DigestOccurrence[] {
  const out: DigestOccurrence[] = [];
  for (const d of descriptorsOf(kind, json.value)) {
    if (out.length >= limit) break;
    const digest = d.value.digest;
    if (typeof digest !== 'string') continue;
    const at = json.locate([...d.path, 'digest']);
    const whole = json.locate(d.path);
    if (!at || !whole) continue;
    const quoted = at.length >= 2 && json.text.charAt(at.offset) === '"';
    const span = quoted ? { offset: at.offset + 1, length: at.length - 2 } : at;
    out.push({
      digest,
      linkable: validateDigest(digest).ok && blobPath(digest) !== undefined,
      role: d.role,
      path: d.path,
      descriptor: d.value,
      span,
      descriptorSpan: whole,
    });
  }
  // descriptorsOf lists the subject last; keep document order for lenses and links.
  return out.sort((a, b) => a.span.offset - b.span.offset);
}

/** Parses `text`, recognises its kind by content (and name), and lists its descriptor digests. */
export function digestOccurrencesInText(
  text: string,
  origin: DocumentOrigin = {},
  limit = Infinity,
): DigestOccurrence[] {
  const json = parseJson(text);
  const detection = detectKind(json.value, origin, true);
  return detection ? digestOccurrences(detection.kind, json, limit) : [];
}

/** The occurrence whose digest contains `offset` (the end of the digest counts), if any. */
export function occurrenceAt(
  occurrences: readonly DigestOccurrence[],
  offset: number,
): DigestOccurrence | undefined {
  return occurrences.find((o) => offset >= o.span.offset && offset <= o.span.offset + o.span.length);
}
