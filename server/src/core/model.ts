import type { Path } from './findings';
import type { DocumentKind } from './kinds';

/** Where a descriptor sits, which decides the media types that fit it. */
export type DescriptorRole = 'config' | 'layer' | 'manifest' | 'subject' | 'blob' | 'self';

export interface DescriptorRef {
  readonly path: Path;
  readonly role: DescriptorRole;
  readonly value: Record<string, unknown>;
}

/** A descriptor found in a document; its path (`['manifests', 3]`) is built the first time it is asked for. */
class FoundDescriptor implements DescriptorRef {
  private built?: Path;
  constructor(
    readonly role: DescriptorRole,
    readonly value: Record<string, unknown>,
    private readonly key: string | undefined,
    private readonly index: number,
  ) {}

  get path(): Path {
    return (this.built ??=
      this.key === undefined ? [] : this.index < 0 ? [this.key] : [this.key, this.index]);
  }
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
    for (let i = 0; i < items.length; i++) {
      const d: unknown = items[i];
      if (isObject(d)) out.push(new FoundDescriptor(role, d, key, i));
    }
  };
  switch (kind) {
    case 'descriptor':
      out.push(new FoundDescriptor('self', root, undefined, -1));
      break;
    case 'image-manifest':
    case 'docker-manifest':
      if (isObject(root.config)) out.push(new FoundDescriptor('config', root.config, 'config', -1));
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
    out.push(new FoundDescriptor('subject', root.subject, 'subject', -1));
  return out;
}
