/**
 * What a path means in a document of a given kind: whether it addresses a descriptor (and in which role), a
 * platform, an annotation map; and which section of which specification describes it. Hovers, completions
 * and quick-fixes share these answers.
 */
import type { Path } from '../findings';
import type { DocumentKind } from '../kinds';
import { isDockerKind, isIndexKind, isManifestKind, type DescriptorRole } from '../model';

/** The role of the descriptor at `objectPath` (the same places `descriptorsOf` walks), or undefined. */
export function descriptorRoleAt(kind: DocumentKind, objectPath: Path): DescriptorRole | undefined {
  const n = objectPath.length;
  if (n === 0) return kind === 'descriptor' ? 'self' : undefined;
  const [first, second] = objectPath;
  if (n === 1) {
    if (first === 'config' && (kind === 'image-manifest' || kind === 'docker-manifest')) return 'config';
    if (
      first === 'subject' &&
      kind !== 'descriptor' &&
      kind !== 'image-config' &&
      kind !== 'docker-config' &&
      kind !== 'layout-header'
    )
      return 'subject';
    return undefined;
  }
  if (n === 2 && typeof second === 'number') {
    if (first === 'layers' && (kind === 'image-manifest' || kind === 'docker-manifest')) return 'layer';
    if (first === 'manifests' && isIndexKind(kind)) return 'manifest';
    if (first === 'blobs' && kind === 'artifact-manifest') return 'blob';
  }
  return undefined;
}

/**
 * True when `objectPath` addresses an object holding platform fields: a descriptor's `platform`, or the root
 * of an image configuration (whose `architecture`, `os`, `variant`… describe its platform).
 */
export function isPlatformObject(kind: DocumentKind, objectPath: Path): boolean {
  if (objectPath.length === 0) return kind === 'image-config' || kind === 'docker-config';
  return (
    objectPath[objectPath.length - 1] === 'platform' &&
    descriptorRoleAt(kind, objectPath.slice(0, -1)) !== undefined
  );
}

/** The platform fields. */
export const PLATFORM_KEYS: ReadonlySet<string> = new Set([
  'architecture',
  'os',
  'os.version',
  'os.features',
  'variant',
  'features',
]);

const KIND_SPEC: Partial<Record<DocumentKind, string>> = {
  'image-manifest': 'image-spec/manifest.md#image-manifest-property-descriptions',
  'image-index': 'image-spec/image-index.md#image-index-property-descriptions',
  'image-config': 'image-spec/config.md#properties',
  descriptor: 'image-spec/descriptor.md#properties',
  'layout-header': 'image-spec/image-layout.md#oci-layout-file',
  'docker-manifest': 'docker/manifest-v2-2.md#image-manifest-field-descriptions',
  'docker-manifest-list': 'docker/manifest-v2-2.md#manifest-list-field-descriptions',
  'artifact-manifest': 'image-spec/artifacts-guidance.md',
  'docker-schema1': 'docker/deprecated-schema-v1.md',
};

/** The spec section describing a document kind. */
export function kindSpec(kind: DocumentKind): string | undefined {
  return KIND_SPEC[kind];
}

/** The spec section that describes the member or entry at `path` (its parent decides). */
export function specFor(kind: DocumentKind, path: Path): string | undefined {
  const parent = path.slice(0, -1);
  const last = path[path.length - 1];
  if (last === 'annotations' || parent[parent.length - 1] === 'annotations')
    return 'image-spec/annotations.md#rules';
  if (last === 'digest' && descriptorRoleAt(kind, parent)) return 'image-spec/descriptor.md#digests';
  if (last === 'data' && descriptorRoleAt(kind, parent)) return 'image-spec/descriptor.md#embedded-content';
  if (isPlatformObject(kind, parent) && parent.length > 0) {
    return kind === 'docker-manifest-list'
      ? 'docker/manifest-v2-2.md#manifest-list-field-descriptions'
      : 'image-spec/image-index.md#image-index-property-descriptions';
  }
  if (descriptorRoleAt(kind, parent)) {
    if (kind === 'docker-manifest') return 'docker/manifest-v2-2.md#image-manifest-field-descriptions';
    if (kind === 'docker-manifest-list') return 'docker/manifest-v2-2.md#manifest-list-field-descriptions';
    return 'image-spec/descriptor.md#properties';
  }
  if (kind === 'docker-config') return undefined;
  return KIND_SPEC[kind];
}

/** The document format a kind's descriptors should use for media types. */
export function formatOf(kind: DocumentKind): 'oci' | 'docker' | undefined {
  if (isDockerKind(kind)) return 'docker';
  if (isManifestKind(kind) || isIndexKind(kind) || kind === 'descriptor') return 'oci';
  return undefined;
}
