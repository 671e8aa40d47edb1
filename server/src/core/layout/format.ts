/**
 * Short human texts for descriptors, shared by the outline, code lenses and the layout graph so that they all
 * say the same thing: `31.9 KiB`, `sha256:86e7da5f560b`, `linux/arm64/v8`, `tar+gzip`.
 */
import { MT } from '../catalog/core';
import { isObject } from '../model';

/** The annotation naming an entry of an OCI layout's `index.json` (a tag such as `1.0`). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** `611 B`, `31.9 KiB`, `1.2 GiB`; undefined for anything that is not a non-negative finite number. */
export function humanSize(n: unknown): string | undefined {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
  if (n < 1024) return `${Math.trunc(n)} B`;
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${UNITS[u]}`;
}

/** `sha256:86e7da5f560b` (the algorithm and the first 12 characters, as container tools show them). */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  if (colon < 0) return digest.length > 16 ? `${digest.slice(0, 16)}…` : digest;
  return digest.slice(0, colon + 1 + 12);
}

/**
 * `linux/arm64/v8`, `windows/amd64 10.0.17763.1234`: a descriptor's `platform` as people write it, or
 * undefined when it has none (or neither an os nor an architecture string).
 */
export function platformText(platform: unknown): string | undefined {
  if (!isObject(platform)) return undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const os = str(platform.os);
  const arch = str(platform.architecture);
  if (!os && !arch) return undefined;
  let out = `${os ?? '?'}/${arch ?? '?'}`;
  const variant = str(platform.variant);
  if (variant) out += `/${variant}`;
  const version = str(platform['os.version']);
  if (version) out += ` ${version}`;
  return out;
}

/** The `org.opencontainers.image.ref.name` annotation of a descriptor, when it is a non-empty string. */
export function refNameOf(descriptor: unknown): string | undefined {
  if (!isObject(descriptor) || !isObject(descriptor.annotations)) return undefined;
  const name = descriptor.annotations[REF_NAME_ANNOTATION];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

const SHORT_TYPES: Record<string, string> = {
  [MT.manifest]: 'OCI manifest',
  [MT.index]: 'OCI index',
  [MT.config]: 'OCI config',
  [MT.empty]: 'empty',
  [MT.layerTar]: 'tar',
  [MT.layerGzip]: 'tar+gzip',
  [MT.layerZstd]: 'tar+zstd',
  [MT.dockerManifest]: 'Docker manifest',
  [MT.dockerList]: 'Docker manifest list',
  [MT.dockerConfig]: 'Docker config',
  [MT.dockerLayer]: 'tar+gzip',
  [MT.dockerForeignLayer]: 'tar+gzip, foreign',
  [MT.artifactManifest]: 'OCI artifact manifest',
  'application/vnd.docker.image.rootfs.diff.tar': 'tar',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'tar+zstd',
};

const OCI_LAYER = /^application\/vnd\.oci\.image\.layer\.(nondistributable\.)?v1\.(.+)$/;

/**
 * A media type in a few characters for outlines and lenses: `tar+gzip` for the OCI and Docker layer types,
 * `OCI manifest`, `OCI config`; other types lose their `application/` and `vnd.` prefixes
 * (`spdx+json`, `cncf.helm.config.v1+json`).
 */
export function shortMediaType(mediaType: unknown): string | undefined {
  if (typeof mediaType !== 'string' || mediaType === '') return undefined;
  const known = SHORT_TYPES[mediaType];
  if (known) return known;
  const layer = OCI_LAYER.exec(mediaType);
  if (layer) return layer[1] ? `${layer[2]}, non-distributable` : layer[2];
  return mediaType.replace(/^application\//, '').replace(/^vnd\./, '');
}

/** `tar+gzip, 31.9 KiB`: a descriptor's short media type and size, whichever it has. */
export function typeAndSize(descriptor: Record<string, unknown>): string {
  return [shortMediaType(descriptor.mediaType), humanSize(descriptor.size)].filter(Boolean).join(', ');
}
