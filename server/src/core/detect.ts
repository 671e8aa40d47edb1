import { MT } from './catalog/core';
import type { DocumentKind, KindSource } from './kinds';

/** What a front end knows about where the text came from. */
export interface DocumentOrigin {
  /** The file's path or URI (only its base name is used). */
  fileName?: string;
  /** True when an `oci-layout` file sits in the same folder (the front end checks; the core reads no files). */
  besideOciLayout?: boolean;
}

export interface Detection {
  kind: DocumentKind;
  source: KindSource;
}

const BY_MEDIA_TYPE: Record<string, DocumentKind> = {
  [MT.manifest]: 'image-manifest',
  [MT.index]: 'image-index',
  [MT.config]: 'image-config',
  [MT.layoutHeader]: 'layout-header',
  [MT.dockerManifest]: 'docker-manifest',
  [MT.dockerList]: 'docker-manifest-list',
  [MT.dockerConfig]: 'docker-config',
  [MT.artifactManifest]: 'artifact-manifest',
  [MT.dockerSchema1]: 'docker-schema1',
  [MT.dockerSchema1Signed]: 'docker-schema1',
};

/** The media type a document of each kind should carry at its top level, when it carries one. */
export const MEDIA_TYPE_OF_KIND: Partial<Record<DocumentKind, string>> = {
  'image-manifest': MT.manifest,
  'image-index': MT.index,
  'docker-manifest': MT.dockerManifest,
  'docker-manifest-list': MT.dockerList,
  'artifact-manifest': MT.artifactManifest,
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function baseName(fileName: string): string {
  const cut = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  return fileName.slice(cut + 1);
}

/**
 * True when the document is the `index.json` at the base of an image layout: its file name, and an `oci-layout`
 * file beside it (the front end looks; the core reads no files). image-layout.md makes that file an image index
 * by its place, whatever its content says.
 */
export function isLayoutIndex(origin: DocumentOrigin | undefined): boolean {
  if (!origin?.besideOciLayout || !origin.fileName) return false;
  return baseName(origin.fileName).toLowerCase() === 'index.json';
}

/** True when the file name alone claims the document (the extension's file patterns). */
export function kindFromFileName(origin: DocumentOrigin): DocumentKind | undefined {
  if (!origin.fileName) return undefined;
  const name = baseName(origin.fileName).toLowerCase();
  if (name === 'oci-layout') return 'layout-header';
  if (name.endsWith('.manifest.json')) return 'image-manifest';
  if (name.endsWith('.index.json')) return 'image-index';
  if (name === 'index.json' && origin.besideOciLayout) return 'image-index';
  return undefined;
}

function usesDockerTypes(items: unknown): boolean {
  if (!Array.isArray(items)) return false;
  return items.some(
    (d) =>
      isObject(d) && typeof d.mediaType === 'string' && d.mediaType.startsWith('application/vnd.docker.'),
  );
}

/** Recognises a kind from the value's shape alone, strictly enough not to claim unrelated JSON. */
export function kindFromShape(root: unknown): DocumentKind | undefined {
  if (!isObject(root)) return undefined;
  if (typeof root.imageLayoutVersion === 'string' && Object.keys(root).length <= 3) return 'layout-header';
  if (root.schemaVersion === 1 && (Array.isArray(root.fsLayers) || Array.isArray(root.history)))
    return 'docker-schema1';
  if (
    Array.isArray(root.manifests) &&
    (root.schemaVersion !== undefined || root.manifests.some((m) => isObject(m) && 'digest' in m))
  ) {
    return usesDockerTypes(root.manifests) ? 'docker-manifest-list' : 'image-index';
  }
  if (isObject(root.config) && Array.isArray(root.layers)) {
    const docker =
      usesDockerTypes(root.layers) || (isObject(root.config) && root.config.mediaType === MT.dockerConfig);
    return docker ? 'docker-manifest' : 'image-manifest';
  }
  if (Array.isArray(root.blobs) && typeof root.artifactType === 'string') return 'artifact-manifest';
  if (isObject(root.rootfs) && ('architecture' in root || 'os' in root || 'diff_ids' in root.rootfs))
    return 'image-config';
  if (
    typeof root.architecture === 'string' &&
    typeof root.os === 'string' &&
    (isObject(root.config) || Array.isArray(root.history))
  ) {
    return 'image-config';
  }
  return descriptorShaped(root) ? 'descriptor' : undefined;
}

/** The shape of a descriptor document: a digest, a size and a media type of its own. */
function descriptorShaped(root: Record<string, unknown>): boolean {
  return (
    typeof root.digest === 'string' &&
    'size' in root &&
    typeof root.mediaType === 'string' &&
    /^[a-z0-9+._-]+:/.test(root.digest)
  );
}

/**
 * Decides the document's kind: its top-level `mediaType`, else its shape, else its file name. A layout's
 * `index.json` is an image index by its place: an index of either format, or a shape we cannot tell, is read
 * as an OCI image index (tools write Docker manifests into layouts and often omit the top-level `mediaType`);
 * only a top-level `mediaType` or a shape that names another kind is kept, for `oci/layout-index-kind` to
 * report. `contentDetection: false` keeps only documents whose file name claims them.
 */
export function detectKind(
  root: unknown,
  origin: DocumentOrigin,
  contentDetection = true,
): Detection | undefined {
  const byName = kindFromFileName(origin);
  if (!contentDetection && !byName) return undefined;
  if (isObject(root) && typeof root.mediaType === 'string') {
    const k = BY_MEDIA_TYPE[root.mediaType];
    // A descriptor document has a mediaType naming its target, so only trust it where the shape agrees.
    // (Shaped like one first: that test is cheap, the whole shape walks every entry of a large index.)
    if (k && !(descriptorShaped(root) && kindFromShape(root) === 'descriptor'))
      return { kind: k, source: 'mediaType' };
  }
  const shape = kindFromShape(root);
  if (
    isLayoutIndex(origin) &&
    (shape === undefined || shape === 'docker-manifest-list' || shape === 'image-index')
  )
    return { kind: 'image-index', source: 'fileName' };
  if (shape) return { kind: shape, source: 'shape' };
  if (byName) return { kind: byName, source: 'fileName' };
  return undefined;
}
