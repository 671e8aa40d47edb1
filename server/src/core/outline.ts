/**
 * The outline of a manifest, index, config or descriptor: its top-level members with descriptors named for
 * what they point at (`config`, `layers[0] (tar+gzip, 31.9 KiB)`, `manifests[1] linux/amd64`, `subject`,
 * `annotations`), for the Outline view and breadcrumbs. Pure; spans come from the parsed document's offset
 * index, so the cost is linear in the number of symbols and bounded by `maxSymbols`.
 */
import type { Span } from './findings';
import type { Analysis } from './index';
import type { JsonDocument } from './json/document';
import type { DocumentKind } from './kinds';
import {
  humanSize,
  platformText,
  refNameOf,
  shortDigest,
  shortMediaType,
  typeAndSize,
} from './layout/format';
import { isIndexKind, isManifestKind, isObject } from './model';

/** What a symbol stands for; the front end picks an icon. */
export type OutlineKind =
  /** A descriptor of a manifest or an index (`manifests[i]`, `subject`). */
  | 'image'
  /** A descriptor of any other blob (`config`, `layers[i]`, artifact `blobs[i]`). */
  | 'blob'
  | 'annotation'
  | 'object'
  | 'array'
  | 'string'
  | 'number'
  | 'boolean'
  | 'null';

export interface OutlineSymbol {
  name: string;
  /** Shown beside the name: sizes, short digests, values. */
  detail?: string;
  kind: OutlineKind;
  /** The whole member (key and value) or array element. */
  span: Span;
  /** What to reveal when the symbol is picked: the key, or an element's digest (or its first character). */
  selection: Span;
  children?: OutlineSymbol[];
}

export interface OutlineOptions {
  /** At most this many symbols in all (default 20,000); later ones are left out. */
  maxSymbols?: number;
}

/** Values shown as details are cut to this many characters. */
const DETAIL_CHARS = 60;

/** The array members that hold descriptors, per kind, and the role their elements play. */
function descriptorArray(kind: DocumentKind, key: string): 'image' | 'blob' | undefined {
  if (isIndexKind(kind) && key === 'manifests') return 'image';
  if (isManifestKind(kind) && key === 'layers' && kind !== 'artifact-manifest') return 'blob';
  if (kind === 'artifact-manifest' && key === 'blobs') return 'blob';
  return undefined;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function scalarDetail(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > DETAIL_CHARS ? `${s.slice(0, DETAIL_CHARS - 1)}…` : s;
}

function kindOf(v: unknown): OutlineKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}

/** The outline of an analysed document; empty when it is not one we serve or not an object. */
export function outline(analysis: Analysis, options: OutlineOptions = {}): OutlineSymbol[] {
  const { detection, json } = analysis;
  if (!detection || !isObject(json.value)) return [];
  const kind = detection.kind;
  const root = json.value;
  let budget = options.maxSymbols ?? 20_000;
  const out: OutlineSymbol[] = [];

  for (const key of Object.keys(root)) {
    if (budget <= 0) break;
    const member = memberSpans(json, [key]);
    if (!member) continue;
    budget--;
    const value = root[key];
    const sym: OutlineSymbol = { name: key, kind: kindOf(value), ...member };
    const role = Array.isArray(value) ? descriptorArray(kind, key) : undefined;
    if (role && Array.isArray(value)) {
      sym.detail = plural(value.length, role === 'image' ? 'manifest' : key === 'blobs' ? 'blob' : 'layer');
      const children: OutlineSymbol[] = [];
      for (let i = 0; i < value.length && budget > 0; i++) {
        const item = elementSymbol(json, key, i, value[i], role);
        if (!item) continue;
        budget--;
        children.push(item);
      }
      sym.children = children;
    } else if ((key === 'config' && isManifestKind(kind)) || key === 'subject') {
      if (isObject(value)) {
        sym.kind = key === 'subject' ? 'image' : 'blob';
        const detail = descriptorDetail(value, key === 'subject');
        if (detail) sym.detail = detail;
      }
    } else if (isObject(value)) {
      // Annotations are shown as such, with their values; other objects as members with their kinds.
      const annotations = key === 'annotations';
      const keys = Object.keys(value);
      sym.detail = plural(keys.length, annotations ? 'annotation' : 'member');
      sym.children = [];
      for (const k of keys) {
        if (budget <= 0) break;
        const spans = memberSpans(json, [key, k]);
        if (!spans) continue;
        budget--;
        const v = value[k];
        const child: OutlineSymbol = { name: k, kind: annotations ? 'annotation' : kindOf(v), ...spans };
        if (annotations || !(isObject(v) || Array.isArray(v))) child.detail = scalarDetail(v);
        else if (Array.isArray(v)) child.detail = plural(v.length, 'item');
        sym.children.push(child);
      }
    } else if (Array.isArray(value)) {
      sym.detail = plural(value.length, 'item');
    } else {
      sym.detail = scalarDetail(value);
    }
    out.push(sym);
  }
  return out;
}

/** `tar+gzip, 31.9 KiB · sha256:86e7da5f560b`, plus the platform and tag for an image descriptor. */
function descriptorDetail(d: Record<string, unknown>, image: boolean): string {
  const parts: string[] = [];
  if (image) {
    const platform = platformText(d.platform);
    if (platform) parts.push(platform);
  }
  const ts = typeAndSize(d);
  if (ts) parts.push(ts);
  if (typeof d.digest === 'string') parts.push(shortDigest(d.digest));
  return parts.join(' · ');
}

/** `manifests[1] linux/amd64` or `layers[0] (tar+gzip, 31.9 KiB)`, with the rest in the detail. */
function elementSymbol(
  json: JsonDocument,
  key: string,
  i: number,
  value: unknown,
  role: 'image' | 'blob',
): OutlineSymbol | undefined {
  const span = json.locate([key, i]);
  if (!span) return undefined;
  const digestSpan = isObject(value) ? json.locate([key, i, 'digest']) : undefined;
  const selection = digestSpan ?? { offset: span.offset, length: Math.min(1, span.length) };
  const base = `${key}[${i}]`;
  if (!isObject(value))
    return { name: base, kind: kindOf(value), detail: scalarDetail(value), span, selection };
  const digest = typeof value.digest === 'string' ? shortDigest(value.digest) : undefined;
  if (role === 'blob') {
    const ts = typeAndSize(value);
    const sym: OutlineSymbol = { name: ts ? `${base} (${ts})` : base, kind: 'blob', span, selection };
    if (digest) sym.detail = digest;
    return sym;
  }
  const platform = platformText(value.platform);
  const ref = refNameOf(value);
  const artifact = shortMediaType(value.artifactType);
  const ts = typeAndSize(value);
  const name = platform
    ? `${base} ${platform}`
    : ref
      ? `${base} ${ref}`
      : artifact
        ? `${base} ${artifact}`
        : ts
          ? `${base} (${ts})`
          : base;
  const detail = [
    ref && platform ? ref : undefined,
    artifact && (platform || ref) ? artifact : undefined,
    platform || ref || artifact ? shortMediaType(value.mediaType) : undefined,
    platform || ref || artifact ? humanSize(value.size) : undefined,
    digest,
  ]
    .filter(Boolean)
    .join(' · ');
  const sym: OutlineSymbol = { name, kind: 'image', span, selection };
  if (detail) sym.detail = detail;
  return sym;
}

/** The member's span (key to end of value) and its key's span. */
function memberSpans(
  json: JsonDocument,
  path: (string | number)[],
): { span: Span; selection: Span } | undefined {
  const key = json.locateKey(path);
  const value = json.locate(path);
  if (!key || !value) return undefined;
  const end = value.offset + value.length;
  return { span: { offset: key.offset, length: end - key.offset }, selection: key };
}
