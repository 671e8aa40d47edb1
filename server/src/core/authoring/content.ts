/**
 * What the authoring operations (convert, diff, build an index, promote labels) share: reading a JSON blob a
 * descriptor names through THE content-source port (core/content/source.ts), so that a layout folder, an image
 * archive or (later) a registry all plug in the same way; the digest of a text as a registry would compute it;
 * a config's platform; and how BuildKit marks attestation entries. Pure: no file system, no network.
 */
import { MT } from '../catalog/core';
import { normalizedVariant } from '../catalog/platforms';
import { readAll, type BlobRef, type ContentSource } from '../content/source';
import { computeDigest, isRegisteredAlgorithm, validateDigest } from '../digest';
import { platformText } from '../layout/format';
import { isObject, type JsonObject } from '../model';

/** A manifest or index as registries take it: at most 4 MiB (distribution-spec's common limit). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** BuildKit's annotations on an index entry that belongs to another entry (supply-chain/buildkit). */
export const REFERENCE_TYPE = 'vnd.docker.reference.type';
export const REFERENCE_DIGEST = 'vnd.docker.reference.digest';
/** The `vnd.docker.reference.type` of an attestation manifest. */
export const ATTESTATION_MANIFEST = 'attestation-manifest';
/** The `artifactType` BuildKit gives an attestation manifest stored as an OCI artifact. */
export const BUILDKIT_ATTESTATION_TYPE = 'application/vnd.docker.attestation.manifest.v1+json';
/** The layer type of an in-toto statement. */
export const IN_TOTO = 'application/vnd.in-toto+json';

/** Thrown for input that cannot be worked on at all (not JSON, not a manifest): front ends exit with 2. */
export class AuthoringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthoringError';
  }
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of a text: what a file holds and a registry receives. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** The sha256 digest and byte size of a text's UTF-8 bytes. */
export function digestOfText(text: string): { digest: string; size: number } {
  const bytes = utf8(text);
  return { digest: computeDigest('sha256', bytes), size: bytes.length };
}

/** A JSON blob read through a content source. */
export interface FetchedJson {
  text: string;
  value: unknown;
  /** Where it came from, for messages (a path, `data`, a URL). */
  where: string;
}

export interface FetchOptions {
  signal?: AbortSignal;
  /** Read at most this many bytes (default {@link MAX_DOCUMENT_BYTES}; configs may be larger, up to 16 MiB). */
  maxBytes?: number;
}

/**
 * Reads the JSON blob a descriptor names from the first source that has it, and checks that its bytes hash to
 * the digest (a blob that does not is not the content the descriptor names, so nothing is built on it).
 * Resolves to a problem phrase (following "it") when no source has it or it is not what it should be.
 */
export async function fetchJson(
  sources: readonly ContentSource[],
  descriptor: unknown,
  options: FetchOptions = {},
): Promise<FetchedJson | { problem: string }> {
  if (!isObject(descriptor) || typeof descriptor.digest !== 'string')
    return { problem: 'has no digest to look it up by' };
  const digest = descriptor.digest;
  const verdict = validateDigest(digest);
  if (!verdict.ok || !isRegisteredAlgorithm(verdict.algorithm))
    return { problem: `names ${JSON.stringify(digest)}, which is not a digest that can be checked` };
  const max = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  const ref: BlobRef = {
    digest,
    manifest: descriptor.mediaType !== MT.config && descriptor.mediaType !== MT.dockerConfig,
    ...(typeof descriptor.size === 'number' && Number.isSafeInteger(descriptor.size) && descriptor.size >= 0
      ? { size: descriptor.size }
      : {}),
    ...(typeof descriptor.mediaType === 'string' ? { mediaType: descriptor.mediaType } : {}),
    ...(typeof descriptor.data === 'string' ? { data: descriptor.data } : {}),
  };
  if (!sources.length) return { problem: `(${digest}) is not available: no layout or archive holds it here` };
  const signal = options.signal ?? new AbortController().signal;
  const tried: string[] = [];
  for (const source of sources) {
    let opened;
    try {
      opened = await source.open(ref, { signal, maxBytes: max + 1 });
    } catch (err) {
      return { problem: `(${digest}) could not be read from ${source.label}: ${errorText(err)}` };
    }
    if (!opened) {
      if (source.name !== 'data') tried.push(source.label);
      continue;
    }
    const bytes = await readAll(opened.chunks, max, opened.size);
    if (!bytes) return { problem: `(${digest}) at ${opened.where} is larger than ${max} bytes` };
    if (computeDigest(verdict.algorithm, bytes) !== digest)
      return { problem: `(${digest}) at ${opened.where} does not hash to its digest, so it was not used` };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return { problem: `(${digest}) at ${opened.where} is not UTF-8 JSON text` };
    }
    try {
      return { text, value: JSON.parse(text) as unknown, where: opened.where };
    } catch {
      return { problem: `(${digest}) at ${opened.where} is not valid JSON` };
    }
  }
  return {
    problem: `(${digest}) is not in ${tried.length ? tried.join(' or ') : "the descriptor's embedded data"}`,
  };
}

const errorText = (err: unknown): string => {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/\.$/, '');
};

/** An image's platform, as an index entry carries it. */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/**
 * The platform an image config states (`architecture`, `os`, `variant`, `os.version`, `os.features`), in the
 * order index entries usually list them; undefined when the config names no architecture and os (an artifact's
 * config, the empty config).
 */
export function platformOfConfig(config: unknown): Platform | undefined {
  if (!isObject(config)) return undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const architecture = str(config.architecture);
  const os = str(config.os);
  if (!architecture || !os) return undefined;
  const p: Platform = { architecture, os };
  const version = str(config['os.version']);
  if (version) p['os.version'] = version;
  const features = config['os.features'];
  if (Array.isArray(features) && features.length && features.every((f) => typeof f === 'string'))
    p['os.features'] = features as string[];
  const variant = str(config.variant);
  if (variant) p.variant = variant;
  return p;
}

/** True for an index entry that belongs to another entry (BuildKit's `vnd.docker.reference.type`). */
export function isAttachedEntry(entry: unknown): boolean {
  return (
    isObject(entry) && isObject(entry.annotations) && typeof entry.annotations[REFERENCE_TYPE] === 'string'
  );
}

/** The digest an attached entry belongs to (`vnd.docker.reference.digest`), if it says. */
export function attachedTo(entry: unknown): string | undefined {
  if (!isAttachedEntry(entry)) return undefined;
  const d = ((entry as JsonObject).annotations as JsonObject)[REFERENCE_DIGEST];
  return typeof d === 'string' ? d : undefined;
}

/** True when a manifest is an attestation in BuildKit's sense: its artifact type, or in-toto layers only. */
export function isAttestationManifest(manifest: unknown): boolean {
  if (!isObject(manifest)) return false;
  if (manifest.artifactType === BUILDKIT_ATTESTATION_TYPE) return true;
  const layers = manifest.layers;
  return (
    Array.isArray(layers) && layers.length > 0 && layers.every((l) => isObject(l) && l.mediaType === IN_TOTO)
  );
}

/** `a, b and c`. */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `1 layer`, `2 layers`. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A platform as people write it on a command line: `os/architecture[/variant]`, or undefined when it is not one. */
export function parsePlatform(
  text: string,
): { os: string; architecture: string; variant?: string } | undefined {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9._-]+$/.test(p)))
    return undefined;
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
}

/** True when an entry's platform is the one asked for (`arm64` and `arm64/v8` match, as clients match them). */
export function platformMatches(
  entryPlatform: unknown,
  wanted: { os: string; architecture: string; variant?: string },
): boolean {
  if (!isObject(entryPlatform)) return false;
  if (entryPlatform.os !== wanted.os || entryPlatform.architecture !== wanted.architecture) return false;
  const v = typeof entryPlatform.variant === 'string' ? entryPlatform.variant : undefined;
  return normalizedVariant(wanted.architecture, v) === normalizedVariant(wanted.architecture, wanted.variant);
}

/**
 * The entry of an index that a reference names: a tag (`org.opencontainers.image.ref.name`, as in a layout's
 * index.json), a digest, or nothing (the one entry there is); narrowed by platform when several match. Resolves
 * to the entry or to a full sentence saying why there is none (listing what there is).
 */
export function pickEntry(
  index: unknown,
  ref: { tag?: string; digest?: string },
  platform?: { os: string; architecture: string; variant?: string },
  where = 'the index',
): { entry: JsonObject; index: number } | { problem: string } {
  const entries = isObject(index) && Array.isArray(index.manifests) ? index.manifests : [];
  let found = entries.flatMap((e, i) => (isObject(e) ? [{ entry: e, index: i }] : []));
  const tags = [...new Set(found.map((f) => refName(f.entry)).filter((t): t is string => t !== undefined))];
  if (ref.digest !== undefined) found = found.filter((f) => f.entry.digest === ref.digest);
  else if (ref.tag !== undefined) found = found.filter((f) => refName(f.entry) === ref.tag);
  if (platform && found.length > 1) found = found.filter((f) => platformMatches(f.entry.platform, platform));
  if (found.length === 1) return found[0]!;
  const what = ref.digest ?? (ref.tag !== undefined ? `the tag ${JSON.stringify(ref.tag)}` : undefined);
  if (!found.length)
    return {
      problem:
        `${where} has no entry ${what ? `for ${what}` : ''}${platform ? ` for ${platformText(platform)}` : ''}${tags.length ? `; its tags are ${listText(tags.map((t) => JSON.stringify(t)))}` : ''}.`.replace(
          ' entry .',
          ' entry.',
        ),
    };
  return {
    problem: `${what ? `In ${where}, ${what}` : where} names ${found.length} entries${tags.length && !what ? ` (tags ${listText(tags.map((t) => JSON.stringify(t)))})` : ''}; choose one${what ? ' with a platform (--platform os/arch[/variant])' : ' with a tag or a digest'}.`,
  };
}

const refName = (e: JsonObject): string | undefined => {
  const a = e.annotations;
  const n = isObject(a) ? a['org.opencontainers.image.ref.name'] : undefined;
  return typeof n === 'string' ? n : undefined;
};
