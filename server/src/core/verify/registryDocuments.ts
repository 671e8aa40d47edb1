/**
 * Documents read from a registry in the editor (issue 15), the pure parts: the entries of an index with their
 * platforms (the platform picker and the Registries view), the descriptors a document names (so that a blob
 * opened from it is known by its descriptor), the readable stand-in for a binary blob (its descriptor and the
 * answer to a `HEAD`), and the tag-pinned references in a document that a hover may resolve, with the rule for
 * which hosts it may ask. No network here: node/registryDocuments.ts does the requests.
 */
import { validateDigest } from '../digest';
import type { JsonDocument } from '../json/document';
import { platformText } from '../layout/format';
import { tryParseImageReference, type ImageReference } from './imageReference';
import { insecureEntryMatches, isLoopback, normalizeHost, sameRegistryHost } from './reference';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One descriptor of a document, as far as it is well formed (a valid digest at least). */
export interface NamedDescriptor {
  digest: string;
  mediaType?: string;
  size?: number;
  platform?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Where the document names it: `config`, `layers`, `manifests`, `blobs`, `subject`. */
  role: 'config' | 'layers' | 'manifests' | 'blobs' | 'subject';
}

function descriptorOf(v: unknown, role: NamedDescriptor['role']): NamedDescriptor | undefined {
  if (!isObject(v) || typeof v.digest !== 'string' || !validateDigest(v.digest).ok) return undefined;
  const out: NamedDescriptor = { digest: v.digest, role };
  if (typeof v.mediaType === 'string') out.mediaType = v.mediaType;
  if (typeof v.size === 'number' && Number.isSafeInteger(v.size) && v.size >= 0) out.size = v.size;
  const platform = platformText(v.platform);
  if (platform) out.platform = platform;
  if (typeof v.artifactType === 'string') out.artifactType = v.artifactType;
  if (isObject(v.annotations)) {
    const a: Record<string, string> = {};
    for (const [k, x] of Object.entries(v.annotations)) if (typeof x === 'string') a[k] = x;
    if (Object.keys(a).length) out.annotations = a;
  }
  return out;
}

/**
 * The descriptors a manifest, index or artifact names (`config`, `layers`, `manifests`, `blobs`, `subject`), in
 * document order; entries without a valid digest are left out. At most `max`.
 */
export function namedDescriptors(value: unknown, max = 10_000): NamedDescriptor[] {
  if (!isObject(value)) return [];
  const out: NamedDescriptor[] = [];
  const one = (v: unknown, role: NamedDescriptor['role']): void => {
    const d = out.length < max ? descriptorOf(v, role) : undefined;
    if (d) out.push(d);
  };
  one(value.config, 'config');
  for (const role of ['manifests', 'layers', 'blobs'] as const) {
    const list = value[role];
    if (Array.isArray(list)) for (const v of list) one(v, role);
  }
  one(value.subject, 'subject');
  return out;
}

/** The entries of an image index or manifest list (with their platforms); empty for anything else. */
export function indexEntries(value: unknown): NamedDescriptor[] {
  return namedDescriptors(value).filter((d) => d.role === 'manifests');
}

/** `index` (a `manifests` list), `manifest` (a `config` or `layers`), else `other`. */
export function documentShape(value: unknown): 'index' | 'manifest' | 'other' {
  if (!isObject(value)) return 'other';
  if (Array.isArray(value.manifests)) return 'index';
  if (isObject(value.config) || Array.isArray(value.layers)) return 'manifest';
  return 'other';
}

/** True for a media type whose content is JSON text (worth opening as a document). */
export function isJsonMediaType(mediaType: string | undefined): boolean {
  return (
    mediaType !== undefined && /(^application\/json$|\+json$|\.json$)/i.test(mediaType.split(';')[0]!.trim())
  );
}

/** What a `HEAD` of a blob answered. */
export interface BlobHead {
  /** `HEAD <url>` (a registry URL as safe to show: no query). */
  request: string;
  status: number;
  /** Lowercase names, as the client collects them (never `set-cookie`). */
  headers: Record<string, string>;
}

/**
 * The text shown for a blob that is not a document (a layer, or anything binary): JSON (so that the `.json`
 * name of its URI holds), with the reference, what the descriptor says, what the registry answered to a `HEAD`,
 * and whether the two agree on the size. Header names are sorted so that the text is stable.
 */
export function blobSummaryText(blob: {
  reference: string;
  descriptor?: NamedDescriptor;
  head: BlobHead;
}): string {
  const { descriptor, head } = blob;
  const length = head.headers['content-length'];
  const served = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  const headers = Object.fromEntries(Object.entries(head.headers).sort(([a], [b]) => a.localeCompare(b)));
  const summary: Record<string, unknown> = {
    blob: blob.reference,
    note: 'This blob is not a JSON document, so its bytes are not shown: here are its descriptor and what the registry answered to a HEAD of it.',
  };
  if (descriptor) {
    const { role: _role, ...rest } = descriptor;
    summary.descriptor = rest;
  } else summary.descriptor = null;
  summary.head = { request: head.request, status: head.status, headers };
  if (descriptor?.size !== undefined && served !== undefined) summary.sizeAgrees = descriptor.size === served;
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/** A tag-pinned reference written in a document, and where its string is. */
export interface TagReference {
  ref: ImageReference & { tag: string };
  /** The JSON string's span (with its quotes). */
  offset: number;
  length: number;
}

/**
 * The string value under `offset` when it is a tag-pinned image reference that names its registry host
 * explicitly (`registry.example.com/app:1.0`, `localhost:5000/app:dev`): a tag and no digest, and a first part
 * that is a host (`alpine:3` and `team/app:1` are left alone: they would only ever mean Docker Hub).
 */
export function tagReferenceAt(json: JsonDocument, offset: number): TagReference | undefined {
  const at = json.pathAt(offset);
  if (!at || at.onKey) return undefined;
  const span = json.locate(at.path);
  if (!span) return undefined;
  let value: unknown = json.value;
  for (const p of at.path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[p];
  }
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const text = value.replace(/^docker:\/\//i, '');
  const first = text.split('/')[0] ?? '';
  if (!text.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost'))
    return undefined;
  const ref = tryParseImageReference(value);
  if (!ref || ref.tag === undefined || ref.digest !== undefined) return undefined;
  return { ref: ref as ImageReference & { tag: string }, offset: span.offset, length: span.length };
}

/**
 * May the editor ask `host` what a tag names, because a document mentions it? Only for registries the user
 * configured (`ociManifest.registries`, a `host[:port]` or `host[:port]/repo` entry), hosts listed as insecure,
 * and loopback hosts.
 */
export function mayResolveTagsOn(
  host: string,
  configured: { registries: readonly string[]; insecure: readonly string[] },
): boolean {
  const h = normalizeHost(host);
  if (isLoopback(h)) return true;
  if (configured.insecure.some((e) => insecureEntryMatches(e, h))) return true;
  return configured.registries.some((entry) => {
    const written =
      entry
        .trim()
        .replace(/^docker:\/\//i, '')
        .split('/')[0] ?? '';
    return written !== '' && sameRegistryHost(written, h);
  });
}
