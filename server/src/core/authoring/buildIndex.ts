/**
 * Build an index: one entry per manifest, each image's `platform` read from its config (`architecture`, `os`,
 * `variant`, `os.version`, `os.features`) through the content sources, attestations kept with their image the way
 * BuildKit stores them (supply-chain/buildkit: `vnd.docker.reference.type` = `attestation-manifest`,
 * `vnd.docker.reference.digest` = the image's digest, platform `unknown/unknown`, after the runnable images), other
 * referrers as entries with their `artifactType`. A manifest given as an index contributes its entries.
 *
 * `createIndex` writes a new document; `addToIndex` and `removeFromIndex` edit an existing one with minimal text
 * edits (new images after the last image, attestations at the end; an image removed with the entries attached to
 * it). Every result is linted; the front ends show its digest before writing it.
 */
import { MT } from '../catalog/core';
import { normalizedVariant } from '../catalog/platforms';
import type { ContentSource } from '../content/source';
import { detectKind } from '../detect';
import type { Finding } from '../findings';
import { analyze } from '../index';
import { parseJson } from '../json/document';
import { KIND_LABELS } from '../kinds';
import { platformText, REF_NAME_ANNOTATION, shortDigest } from '../layout/format';
import { isIndexKind, isManifestKind, isObject, type JsonObject } from '../model';
import { applyEdits, insertElements, removeElements, type TextEdit } from '../editing/text';
import {
  ATTESTATION_MANIFEST,
  attachedTo,
  digestOfText,
  fetchJson,
  isAttachedEntry,
  isAttestationManifest,
  platformOfConfig,
  REFERENCE_DIGEST,
  REFERENCE_TYPE,
  type FetchOptions,
} from './content';

/** A manifest (or an index) to list, as a front end read it. */
export interface IndexInput {
  /** How the user named it (a path, `oci:dir:tag`), for messages. */
  label: string;
  /** Its exact text: its digest is computed over these bytes, so it must be what the registry will hold. */
  text: string;
  /** Where its config (and, for an index, its manifests) can be read. */
  sources: readonly ContentSource[];
  /** The descriptor it was found through (an entry of a layout's index.json), whose platform is a fallback. */
  descriptor?: JsonObject;
}

/** What an entry is. */
export type EntryRole = 'image' | 'attestation' | 'artifact';

/** One entry as it goes into the index. */
export interface PlannedEntry {
  descriptor: JsonObject;
  role: EntryRole;
  /** The input it came from. */
  from: string;
  /** For attestations and other referrers: the digest of the manifest it belongs to. */
  belongsTo?: string;
}

export interface IndexBuildOptions extends FetchOptions {
  /** The index's own annotations (`--annotation K=V`). */
  annotations?: Readonly<Record<string, string>>;
  /** `oci` (the default) or `docker` (a Docker manifest list: images only, no annotations). */
  format?: 'oci' | 'docker';
}

/** What building or editing an index gives: the text to write, its digest, and what stopped it, if anything. */
export interface IndexOutcome {
  /** The new text (the original when `problems` is not empty). */
  text: string;
  digest: string;
  size: number;
  /** For edits of an existing index: the edits that make `text`. */
  edits: TextEdit[];
  /** The entries added (create, add) or removed (remove). */
  entries: PlannedEntry[];
  /** Non-empty: nothing was built or changed. Full sentences. */
  problems: string[];
  notes: string[];
  /** The lint findings of the result (errors and warnings). */
  findings: Finding[];
}

/** The platform an index matches entries by: os/architecture/variant (normalised), os.version and features. */
export function platformKey(p: unknown): string | undefined {
  if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string') return undefined;
  if (p.os === 'unknown' && p.architecture === 'unknown') return undefined;
  const variant = normalizedVariant(p.architecture, typeof p.variant === 'string' ? p.variant : undefined);
  const extra = ['os.version', 'os.features', 'features']
    .filter((k) => p[k] !== undefined)
    .map((k) => `${k}=${JSON.stringify(p[k])}`);
  return [`${p.os}/${p.architecture}${variant ? `/${variant}` : ''}`, ...extra].join(' ');
}

/** The media type of a manifest or index: its `mediaType`, else the type of its kind (what a registry is sent). */
export const documentMediaType = (value: JsonObject, kind: string): string =>
  typeof value.mediaType === 'string'
    ? value.mediaType
    : kind === 'image-index'
      ? MT.index
      : kind === 'docker-manifest-list'
        ? MT.dockerList
        : kind === 'docker-manifest'
          ? MT.dockerManifest
          : MT.manifest;

/** The entries the inputs make, in input order (not yet arranged), with what stops them. */
async function entriesOf(
  inputs: readonly IndexInput[],
  options: FetchOptions,
): Promise<{ entries: PlannedEntry[]; problems: string[]; notes: string[] }> {
  const entries: PlannedEntry[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  for (const input of inputs) {
    let value: unknown;
    try {
      value = JSON.parse(input.text);
    } catch {
      problems.push(`${input.label} is not valid JSON, so it is not a manifest.`);
      continue;
    }
    const kind = detectKind(value, {}, true)?.kind;
    if (!isObject(value) || !kind || !(isManifestKind(kind) || isIndexKind(kind))) {
      problems.push(
        `${input.label} is ${kind ? `${/^[AEIOU]/.test(KIND_LABELS[kind]) ? 'an' : 'a'} ${KIND_LABELS[kind]}` : 'not a manifest'}; an index lists image manifests, indexes and artifacts.`,
      );
      continue;
    }
    const { digest, size } = digestOfText(input.text);
    const mediaType = documentMediaType(value, kind);
    if (isIndexKind(kind)) {
      // An index contributes its entries as they are (a tag belongs to a layout's index.json, not here).
      const list = Array.isArray(value.manifests) ? value.manifests : [];
      for (const e of list) {
        if (!isObject(e)) continue;
        const descriptor = withoutRefName(e);
        const to = attachedTo(e);
        entries.push({
          descriptor,
          role: isAttachedEntry(e) ? 'attestation' : platformKey(e.platform) ? 'image' : 'artifact',
          from: input.label,
          ...(to ? { belongsTo: to } : {}),
        });
      }
      if (isObject(value.annotations))
        notes.push(`The annotations of ${input.label} were not copied; give them with --annotation.`);
      continue;
    }
    const base = { mediaType, digest, size };
    const subject =
      isObject(value.subject) && typeof value.subject.digest === 'string' ? value.subject.digest : undefined;
    if (subject && isAttestationManifest(value)) {
      entries.push({
        descriptor: {
          ...base,
          annotations: { [REFERENCE_DIGEST]: subject, [REFERENCE_TYPE]: ATTESTATION_MANIFEST },
          platform: { architecture: 'unknown', os: 'unknown' },
        },
        role: 'attestation',
        from: input.label,
        belongsTo: subject,
      });
      continue;
    }
    const config = isObject(value.config) ? value.config : undefined;
    const artifactType =
      typeof value.artifactType === 'string'
        ? value.artifactType
        : config &&
            typeof config.mediaType === 'string' &&
            config.mediaType !== MT.config &&
            config.mediaType !== MT.dockerConfig
          ? config.mediaType
          : undefined;
    if (subject || artifactType) {
      entries.push({
        descriptor: { ...base, ...(artifactType ? { artifactType } : {}) },
        role: 'artifact',
        from: input.label,
        ...(subject ? { belongsTo: subject } : {}),
      });
      continue;
    }
    const fetched = await fetchJson(input.sources, config, { maxBytes: 16 * 1024 * 1024, ...options });
    let platform = 'problem' in fetched ? undefined : platformOfConfig(fetched.value);
    if ('problem' in fetched) {
      const given = input.descriptor?.platform;
      if (platformKey(given)) {
        platform = given as typeof platform;
        notes.push(
          `The config of ${input.label} ${fetched.problem}; its platform (${platformText(given)}) is the one its layout entry gives.`,
        );
      } else {
        problems.push(
          `The config of ${input.label} ${fetched.problem}, so its platform is unknown; give the manifest inside its layout (oci:DIR:TAG) or archive.`,
        );
        continue;
      }
    }
    if (!platform) {
      problems.push(
        `The config of ${input.label} names no "architecture" and "os", so it is not a runnable image; give an artifact an "artifactType".`,
      );
      continue;
    }
    entries.push({ descriptor: { ...base, platform }, role: 'image', from: input.label });
  }
  return { entries, problems, notes };
}

function withoutRefName(e: JsonObject): JsonObject {
  if (!isObject(e.annotations) || !(REF_NAME_ANNOTATION in e.annotations)) return e;
  const { [REF_NAME_ANNOTATION]: _, ...annotations } = e.annotations;
  const { annotations: __, ...rest } = e;
  return Object.keys(annotations).length ? { ...rest, annotations } : rest;
}

/**
 * Arranges new entries next to `existing` ones (the entries of an index being edited): duplicates by digest are
 * dropped with a note, a platform listed twice is a problem, an attestation or referrer must belong to an image
 * of the index. Returns the new images and the new attached entries, each in order.
 */
function arrange(
  planned: readonly PlannedEntry[],
  existing: readonly JsonObject[],
  problems: string[],
  notes: string[],
): { images: PlannedEntry[]; attached: PlannedEntry[] } {
  const digests = new Map<string, string>();
  const platforms = new Map<string, string>();
  existing.forEach((e, i) => {
    if (typeof e.digest === 'string') digests.set(e.digest, `manifests[${i}]`);
    const k = isAttachedEntry(e) ? undefined : platformKey(e.platform);
    if (k) platforms.set(k, `manifests[${i}] of the index`);
  });
  const kept: PlannedEntry[] = [];
  for (const p of planned) {
    const d = String(p.descriptor.digest);
    const there = digests.get(d);
    if (there) {
      notes.push(`${p.from}: ${shortDigest(d)} is already listed (${there}); it is listed once.`);
      continue;
    }
    digests.set(d, p.from);
    if (p.role === 'image') {
      const k = platformKey(p.descriptor.platform);
      const other = k ? platforms.get(k) : undefined;
      if (k && other) {
        problems.push(
          `${p.from} is ${platformText(p.descriptor.platform)}, like ${other}; an index lists one manifest per platform (clients take the first that matches).`,
        );
        continue;
      }
      if (k) platforms.set(k, p.from);
    }
    kept.push(p);
  }
  const images = kept.filter((p) => p.role === 'image' || (p.role === 'artifact' && !p.belongsTo));
  const attached = kept.filter((p) => !images.includes(p));
  for (const a of attached)
    if (a.belongsTo && !digests.has(a.belongsTo))
      problems.push(
        `${a.from} belongs to ${a.belongsTo}, which is not in the index; give its image too (an attestation is kept with its image).`,
      );
  // Attached entries follow the order of their images (BuildKit lists them after all the runnable images).
  const order = new Map<string, number>();
  [...existing.map((e) => String(e.digest)), ...images.map((p) => String(p.descriptor.digest))].forEach(
    (d, i) => order.set(d, i),
  );
  attached.sort((x, y) => (order.get(x.belongsTo ?? '') ?? 1e9) - (order.get(y.belongsTo ?? '') ?? 1e9));
  return { images, attached };
}

function lintOf(text: string): Finding[] {
  return analyze(text).findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
}

function outcome(
  text: string,
  edits: TextEdit[],
  entries: PlannedEntry[],
  problems: string[],
  notes: string[],
): IndexOutcome {
  return {
    text,
    ...digestOfText(text),
    edits,
    entries,
    problems,
    notes,
    findings: problems.length ? [] : lintOf(text),
  };
}

/** Builds a new index from manifests (and indexes). */
export async function createIndex(
  inputs: readonly IndexInput[],
  options: IndexBuildOptions = {},
): Promise<IndexOutcome> {
  const { entries, problems, notes } = await entriesOf(inputs, options);
  const { images, attached } = arrange(entries, [], problems, notes);
  const all = [...images, ...attached];
  const docker = options.format === 'docker';
  if (!all.length && !problems.length) problems.push('No manifest was given, so there is nothing to list.');
  if (docker) {
    if (options.annotations && Object.keys(options.annotations).length)
      problems.push(
        'A Docker manifest list has no annotations; build an OCI index (--format oci) to keep them.',
      );
    for (const e of all)
      if (e.role !== 'image' || e.descriptor.mediaType !== MT.dockerManifest)
        problems.push(
          `${e.from} is ${e.role === 'image' ? `an image in ${String(e.descriptor.mediaType)}` : `an ${e.role}`}; a Docker manifest list names Docker schema 2 images only (convert it, or build an OCI index).`,
        );
  }
  if (problems.length) return outcome('', [], all, problems, notes);
  const doc: JsonObject = {
    schemaVersion: 2,
    mediaType: docker ? MT.dockerList : MT.index,
    manifests: all.map((e) => e.descriptor),
    ...(options.annotations && Object.keys(options.annotations).length
      ? { annotations: { ...options.annotations } }
      : {}),
  };
  return outcome(`${JSON.stringify(doc, null, 2)}\n`, [], all, problems, notes);
}

/** Reads an index being edited, or says why it is not one. */
function readIndex(text: string): { json: ReturnType<typeof parseJson>; entries: JsonObject[] } | string {
  const json = parseJson(text);
  const kind = json.strict ? detectKind(json.value, {}, true)?.kind : undefined;
  if (!kind || !isIndexKind(kind) || !isObject(json.value))
    return json.strict
      ? 'The document is not an image index or a Docker manifest list.'
      : 'The document is not valid JSON, so it cannot be edited as an index.';
  if (!Array.isArray(json.value.manifests) || json.value.manifests.some((e) => !isObject(e)))
    return 'The index has no "manifests" array of descriptors to edit.';
  return { json, entries: json.value.manifests as JsonObject[] };
}

/** Adds manifests to an existing index: images after its last image, attestations and referrers at the end. */
export async function addToIndex(
  indexText: string,
  inputs: readonly IndexInput[],
  options: IndexBuildOptions = {},
): Promise<IndexOutcome> {
  const read = readIndex(indexText);
  if (typeof read === 'string') return outcome(indexText, [], [], [read], []);
  const { json, entries: existing } = read;
  const { entries, problems, notes } = await entriesOf(inputs, options);
  const { images, attached } = arrange(entries, existing, problems, notes);
  if (json.value && isObject(json.value) && json.value.mediaType === MT.dockerList)
    for (const e of [...images, ...attached])
      if (e.role !== 'image' || e.descriptor.mediaType !== MT.dockerManifest)
        problems.push(
          `${e.from} cannot go into a Docker manifest list, which names Docker schema 2 images only.`,
        );
  if (problems.length) return outcome(indexText, [], [], problems, notes);
  if (!images.length && !attached.length) return outcome(indexText, [], [], [], notes);
  let lastImage = -1;
  existing.forEach((e, i) => {
    if (!isAttachedEntry(e)) lastImage = i;
  });
  const edits: TextEdit[] = [];
  const atEnd = lastImage + 1 === existing.length;
  const imageEdit = insertElements(
    json,
    ['manifests'],
    lastImage + 1,
    (atEnd ? [...images, ...attached] : images).map((e) => e.descriptor),
  );
  if (imageEdit) edits.push(imageEdit);
  if (!atEnd) {
    const e = insertElements(
      json,
      ['manifests'],
      existing.length,
      attached.map((x) => x.descriptor),
    );
    if (e) edits.push(e);
  }
  const text = applyEdits(indexText, edits);
  return outcome(text, edits, [...images, ...attached], [], notes);
}

/**
 * Removes entries from an index, chosen by digest (or a unique prefix of one, at least 7 characters of hex) or by
 * platform (`linux/arm64/v8`), with the attestations and referrers attached to them.
 */
export function removeFromIndex(indexText: string, selectors: readonly string[]): IndexOutcome {
  const read = readIndex(indexText);
  if (typeof read === 'string') return outcome(indexText, [], [], [read], []);
  const { json, entries } = read;
  const problems: string[] = [];
  const chosen = new Set<number>();
  for (const sel of selectors) {
    const matches = matchEntries(entries, sel);
    if (typeof matches === 'string') problems.push(matches);
    else matches.forEach((i) => chosen.add(i));
  }
  // What is attached to a removed entry goes with it.
  const removed = new Set([...chosen].map((i) => String(entries[i]!.digest)));
  entries.forEach((e, i) => {
    const to = attachedTo(e);
    if (to && removed.has(to)) chosen.add(i);
  });
  if (problems.length) return outcome(indexText, [], [], problems, []);
  const edits = removeElements(json, ['manifests'], [...chosen]);
  const text = applyEdits(indexText, edits);
  const gone: PlannedEntry[] = [...chosen]
    .sort((a, b) => a - b)
    .map((i) => ({
      descriptor: entries[i]!,
      role: isAttachedEntry(entries[i])
        ? 'attestation'
        : platformKey(entries[i]!.platform)
          ? 'image'
          : 'artifact',
      from: `manifests[${i}]`,
    }));
  const notes =
    chosen.size === entries.length ? ['Every entry was removed: the index lists nothing now.'] : [];
  return outcome(text, edits, gone, [], notes);
}

/** The entries a selector names, or why it names none (or too many). */
function matchEntries(entries: readonly JsonObject[], sel: string): number[] | string {
  const digestLike = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(sel);
  if (digestLike) {
    const hex = sel.slice(sel.indexOf(':') + 1);
    const found = entries.flatMap((e, i) =>
      typeof e.digest === 'string' && e.digest.startsWith(sel) ? [i] : [],
    );
    if (!found.length) return `No entry of the index has the digest ${sel}.`;
    const distinct = new Set(found.map((i) => entries[i]!.digest));
    if (distinct.size > 1 || (hex.length < 7 && sel !== entries[found[0]!]!.digest))
      return `${sel} is the start of ${distinct.size > 1 ? 'several digests' : 'a digest, but too short to be sure'}; give more of it.`;
    return found;
  }
  const parts = sel.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === ''))
    return `"${sel}" is neither a digest (sha256:…) nor a platform (os/architecture[/variant]).`;
  const want = platformKey({
    os: parts[0],
    architecture: parts[1],
    ...(parts[2] ? { variant: parts[2] } : {}),
  });
  const found = entries.flatMap((e, i) => {
    if (isAttachedEntry(e) || !isObject(e.platform)) return [];
    // Match what the selector says: extra platform fields of the entry (os.version…) do not stop a match.
    const p = e.platform;
    const key = platformKey({
      os: p.os,
      architecture: p.architecture,
      ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
    });
    return key === want ? [i] : [];
  });
  if (!found.length) return `No entry of the index is for the platform ${sel}.`;
  return found;
}
