import type { Path } from './findings';
import type { DocumentKind } from './kinds';

/** Where a descriptor sits, which decides the media types that fit it. */
export type DescriptorRole = 'config' | 'layer' | 'manifest' | 'subject' | 'blob' | 'self';

export interface DescriptorRef {
  path: Path;
  role: DescriptorRole;
  value: Record<string, unknown>;
}

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for the OCI/Docker manifest kinds (those with config + layers). */
export const isManifestKind = (k: DocumentKind): boolean =>
  k === 'image-manifest' || k === 'docker-manifest' || k === 'artifact-manifest';

/** True for the index kinds (those with manifests). */
export const isIndexKind = (k: DocumentKind): boolean => k === 'image-index' || k === 'docker-manifest-list';

/** True for the Docker kinds. */
export const isDockerKind = (k: DocumentKind): boolean =>
  k === 'docker-manifest' || k === 'docker-manifest-list' || k === 'docker-config' || k === 'docker-schema1';

/**
 * Every descriptor in a document of `kind`, with its path and role. Entries that are not objects are
 * skipped (the schema check reports their type). Never recurses beyond the fixed places descriptors live.
 */
export function descriptorsOf(kind: DocumentKind, root: unknown): readonly DescriptorRef[] {
  // Not cached here: checks share one list through `CheckContext.descriptors`. A module-level WeakMap
  // keyed by each parsed root kept every document alive until a full GC, so young-generation collections
  // copied and promoted whole documents (3-4 ms each, and most of the GC time on a busy server).
  return isObject(root) ? collect(kind, root) : [];
}

function collect(kind: DocumentKind, root: JsonObject): DescriptorRef[] {
  const out: DescriptorRef[] = [];
  const list = (key: string, role: DescriptorRole): void => {
    const items = root[key];
    if (!Array.isArray(items)) return;
    items.forEach((d, i) => {
      if (isObject(d)) out.push({ path: [key, i], role, value: d });
    });
  };
  switch (kind) {
    case 'descriptor':
      out.push({ path: [], role: 'self', value: root });
      break;
    case 'image-manifest':
    case 'docker-manifest':
      if (isObject(root.config)) out.push({ path: ['config'], role: 'config', value: root.config });
      list('layers', 'layer');
      break;
    case 'artifact-manifest':
      list('blobs', 'blob');
      break;
    case 'image-index':
    case 'docker-manifest-list':
      list('manifests', 'manifest');
      break;
    default:
      break;
  }
  if (kind !== 'descriptor' && isObject(root.subject))
    out.push({ path: ['subject'], role: 'subject', value: root.subject });
  return out;
}
