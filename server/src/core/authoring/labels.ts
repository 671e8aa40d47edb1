/**
 * Promote labels to annotations: the `org.opencontainers.image.*` labels of an image's config (`config.Labels`,
 * as `LABEL` in a Dockerfile or `umoci config --config.label` write them) become annotations of its manifest, and
 * for an index, of the index itself: GHCR and other registries show an image's description, source and licence
 * only from annotations, and for a multi-platform image only from the index's. Labels the images of an index
 * disagree on are left out and said. Minimal edits: the `annotations` object is added, or the missing keys are
 * added to it; an annotation already there is never changed.
 */
import { MT } from '../catalog/core';
import type { ContentSource } from '../content/source';
import { detectKind } from '../detect';
import { parseJson, type JsonDocument } from '../json/document';
import type { Path } from '../findings';
import { REF_NAME_ANNOTATION } from '../layout/format';
import { isIndexKind, isManifestKind, isObject, type JsonObject } from '../model';
import {
  applyEdits,
  indentUnit,
  insertMember,
  lineIndent,
  renderValue,
  type TextEdit,
} from '../editing/text';
import { digestOfText, fetchJson, isAttachedEntry, type FetchOptions } from './content';

/** The label keys promoted: the pre-defined OCI keys and their namespace (image-spec/annotations.md). */
export const PROMOTED_PREFIX = 'org.opencontainers.image.';

export interface PromoteOutcome {
  /** The new text (the original when nothing was added or `problems` is not empty). */
  text: string;
  digest: string;
  size: number;
  edits: TextEdit[];
  /** The annotations added. */
  promoted: { key: string; value: string }[];
  /** Labels not promoted, with why (already there, a different annotation there, images disagree). */
  skipped: { key: string; why: string }[];
  /** Non-empty: nothing was changed. Full sentences. */
  problems: string[];
}

/** The members that come before `annotations` in a manifest or an index, in the order the specs list them. */
const BEFORE_ANNOTATIONS = [
  'schemaVersion',
  'mediaType',
  'artifactType',
  'config',
  'layers',
  'manifests',
  'subject',
];

/**
 * Adds `wanted` to the annotations of the object at `path` (creating the `annotations` member after the last of
 * {@link BEFORE_ANNOTATIONS} present): keys already there are left as they are and reported in `skipped`.
 */
export function addAnnotations(
  json: JsonDocument,
  path: Path,
  wanted: readonly { key: string; value: string }[],
): { edits: TextEdit[]; added: { key: string; value: string }[]; skipped: { key: string; why: string }[] } {
  let owner: unknown = json.value;
  for (const seg of path)
    owner = isObject(owner) || Array.isArray(owner) ? (owner as JsonObject)[seg as string] : undefined;
  if (!isObject(owner)) return { edits: [], added: [], skipped: [] };
  const existing = isObject(owner.annotations) ? owner.annotations : undefined;
  const skipped: { key: string; why: string }[] = [];
  const added = wanted.filter(({ key, value }) => {
    if (!existing || !(key in existing)) return true;
    skipped.push({
      key,
      why:
        existing[key] === value
          ? 'the annotation is already there'
          : `an annotation with another value (${JSON.stringify(existing[key])}) is already there and was kept`,
    });
    return false;
  });
  if (!added.length) return { edits: [], added, skipped };
  if (!existing) {
    if ('annotations' in owner) {
      skipped.push(
        ...added.map(({ key }) => ({ key, why: '"annotations" is not an object, so nothing was added' })),
      );
      return { edits: [], added: [], skipped };
    }
    const after = BEFORE_ANNOTATIONS.filter((k) => k in owner).pop();
    const edit = insertMember(
      json,
      path,
      'annotations',
      Object.fromEntries(added.map((a) => [a.key, a.value])),
      after,
    );
    return { edits: edit ? [edit] : [], added: edit ? added : [], skipped };
  }
  const last = Object.keys(existing).pop();
  if (last === undefined) {
    // An empty object: it is replaced by one holding the new keys, laid out as the document is.
    const span = json.locate([...path, 'annotations'])!;
    const obj = Object.fromEntries(added.map((a) => [a.key, a.value]));
    const newText = renderValue(obj, lineIndent(json.text, span.offset), indentUnit(json.text));
    return { edits: [{ offset: span.offset, length: span.length, newText }], added, skipped };
  }
  // Each key after the last one there: insertions at one offset, applied in order.
  const edits: TextEdit[] = [];
  for (const a of added) {
    const e = insertMember(json, [...path, 'annotations'], a.key, a.value, last);
    if (e) edits.push(e);
  }
  return { edits, added, skipped };
}

/** The labels of a config that are promoted, in the config's order. */
export function promotableLabels(config: unknown): { key: string; value: string }[] {
  const labels = isObject(config) && isObject(config.config) ? config.config.Labels : undefined;
  if (!isObject(labels)) return [];
  return Object.entries(labels).flatMap(([key, value]) =>
    key.startsWith(PROMOTED_PREFIX) && key !== REF_NAME_ANNOTATION && typeof value === 'string'
      ? [{ key, value }]
      : [],
  );
}

/**
 * Promotes the labels of the config(s) a manifest or an index reaches through `sources` to the document's own
 * annotations.
 */
export async function promoteLabels(
  text: string,
  sources: readonly ContentSource[],
  options: FetchOptions = {},
): Promise<PromoteOutcome> {
  const json = parseJson(text);
  const refuse = (problem: string): PromoteOutcome => ({
    text,
    ...digestOfText(text),
    edits: [],
    promoted: [],
    skipped: [],
    problems: [problem],
  });
  const root = json.value;
  const kind = json.strict ? detectKind(root, {}, true)?.kind : undefined;
  if (!isObject(root) || !kind || !(isManifestKind(kind) || isIndexKind(kind)))
    return refuse(
      'The document is not an image manifest or an image index, so it has no config labels to promote.',
    );
  if (kind === 'docker-manifest' || kind === 'docker-manifest-list' || root.mediaType === MT.dockerManifest)
    return refuse(
      'Docker schema 2 documents have no annotations; convert the document to OCI first (oci-manifest convert --to oci).',
    );
  const skipped: { key: string; why: string }[] = [];
  let wanted: { key: string; value: string }[];
  if (isManifestKind(kind)) {
    const fetched = await fetchJson(sources, root.config, { maxBytes: 16 * 1024 * 1024, ...options });
    if ('problem' in fetched) return refuse(`The config ${fetched.problem}, so its labels cannot be read.`);
    wanted = promotableLabels(fetched.value);
  } else {
    const images = (Array.isArray(root.manifests) ? root.manifests : []).filter(
      (e): e is JsonObject => isObject(e) && !isAttachedEntry(e) && isObject(e.platform),
    );
    if (!images.length)
      return refuse('The index lists no image with a platform, so there are no config labels to promote.');
    const values = new Map<string, Map<string, string[]>>();
    for (const entry of images) {
      const name = `${String((entry.platform as JsonObject).os)}/${String((entry.platform as JsonObject).architecture)}`;
      const manifest = await fetchJson(sources, entry, options);
      if ('problem' in manifest)
        return refuse(`The manifest of ${name} ${manifest.problem}, so its labels cannot be read.`);
      const config = isObject(manifest.value) ? manifest.value.config : undefined;
      const fetched = await fetchJson(sources, config, { maxBytes: 16 * 1024 * 1024, ...options });
      if ('problem' in fetched)
        return refuse(`The config of ${name} ${fetched.problem}, so its labels cannot be read.`);
      for (const { key, value } of promotableLabels(fetched.value)) {
        const byValue = values.get(key) ?? new Map<string, string[]>();
        byValue.set(value, [...(byValue.get(value) ?? []), name]);
        values.set(key, byValue);
      }
    }
    wanted = [];
    for (const [key, byValue] of values) {
      if (byValue.size === 1) wanted.push({ key, value: [...byValue.keys()][0]! });
      else
        skipped.push({
          key,
          why: `the images disagree (${[...byValue.entries()].map(([v, names]) => `${names.join(', ')}: ${JSON.stringify(v)}`).join('; ')})`,
        });
    }
  }
  const { edits, added, skipped: already } = addAnnotations(json, [], wanted);
  const out = edits.length ? applyEdits(text, edits) : text;
  return {
    text: out,
    ...digestOfText(out),
    edits,
    promoted: added,
    skipped: [...skipped, ...already],
    problems: [],
  };
}
