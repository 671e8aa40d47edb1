/**
 * Convert: a Docker image manifest or manifest list to OCI, or an OCI image manifest or index to Docker schema 2,
 * the whole document (its own type, the config's type, each layer's type, each entry of a list) as minimal text
 * edits on the original text: every byte that is not a media type being changed stays as it was, so the result
 * differs from its source by exactly the intended change. The Docker ⇄ OCI pairs come from the media-type catalog
 * (`equivalent`).
 *
 * What cannot be said in the other format is listed and nothing is converted (a refusal), rather than dropped:
 * Docker schema 2 has no `annotations`, `artifactType`, `subject` or embedded `data`, no zstd or encrypted layers,
 * no artifacts (configs and layers that are not an image's), no `urls` on a config, no nested lists and no entry
 * without a platform. Towards OCI, schema 1 and Docker plugins have no equivalent.
 *
 * An index's entries name their manifests by digest, and converting a manifest changes its digest: so the
 * manifests of a list are converted too ({@link convertImage}, through a content source), and each entry gets its
 * converted manifest's media type, digest and size. A manifest that cannot be read makes the list refused.
 */
import { MT } from '../catalog/core';
import { mediaTypeInfo } from '../catalog/mediaTypes';
import type { ContentSource } from '../content/source';
import { detectKind } from '../detect';
import type { Path } from '../findings';
import { formatPath } from '../findings';
import { parseJson, type JsonDocument } from '../json/document';
import { KIND_LABELS, type DocumentKind } from '../kinds';
import { isObject, type JsonObject } from '../model';
import { applyEdits, insertMember, replaceValue, type TextEdit } from '../editing/text';
import { digestOfText, fetchJson, IN_TOTO, type FetchOptions } from './content';

/** The two image formats. */
export type ImageFormat = 'oci' | 'docker';

export const FORMAT_LABELS: Readonly<Record<ImageFormat, string>> = { oci: 'OCI', docker: 'Docker schema 2' };

/** One media type changed (or added, where the document had none). */
export interface ConvertChange {
  path: Path;
  /** The media type before; undefined when the member was added. */
  from?: string;
  to: string;
}

/** Something that cannot be converted without losing it: where it is and why, as a full sentence. */
export interface ConvertRefusal {
  path: Path;
  message: string;
}

/** A manifest converted along with the list naming it (it is a new blob: it must be stored with the list). */
export interface ConvertedBlob {
  /** The entry naming it, in the converted list. */
  path: Path;
  mediaType: string;
  /** Its digest and size before the conversion. */
  from: { digest: string; size: number };
  digest: string;
  size: number;
  text: string;
}

export interface ConvertResult {
  /** The kind the document was read as. */
  kind?: DocumentKind;
  to: ImageFormat;
  /** The converted text (the original when refused or when there was nothing to change). */
  text: string;
  /** The edits that turn the original into `text` (none when refused). */
  edits: TextEdit[];
  changes: ConvertChange[];
  /** Non-empty: nothing was converted. */
  refusals: ConvertRefusal[];
  /** Sentences worth telling (a deprecated type chosen, a layer type kept as it is). */
  notes: string[];
  /** The manifests of a list, converted with it (by {@link convertImage}). */
  blobs: ConvertedBlob[];
  /** The digest and size of `text`. */
  digest: string;
  size: number;
}

// ---- the media-type maps -------------------------------------------------------------------------------------

const DOCKER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
const DOCKER_ZSTD = 'application/vnd.docker.image.rootfs.diff.tar.zstd';
const OCI_NONDIST_TAR = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
const OCI_NONDIST_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
const DOCKER_PLUGIN = 'application/vnd.docker.plugin.v1+json';
const BUILDKIT_CACHE = 'application/vnd.buildkit.cacheconfig.v0';
/** Config types old registries wrote into Docker manifests that Docker Engine still reads as image configs. */
const LEGACY_CONFIGS = new Set(['application/octet-stream', 'application/json', 'text/html']);

/** What a layer type becomes, or why it cannot: `{ to }`, `{ to, note }`, `{ refuse }`, or `{}` (kept). */
type LayerMapping = { to?: string; note?: string; refuse?: string };

function layerToDocker(type: string): LayerMapping {
  const info = mediaTypeInfo(type);
  if (info?.format === 'docker') return {};
  switch (type) {
    case MT.layerGzip:
      return { to: MT.dockerLayer };
    case MT.layerTar:
      return {
        to: DOCKER_TAR,
        note: `an uncompressed layer becomes ${DOCKER_TAR}: Docker's manifest document does not list it, but Docker Engine, containerd and containers/image pull it`,
      };
    case OCI_NONDIST_GZIP:
      return { to: MT.dockerForeignLayer };
    case OCI_NONDIST_TAR:
      return { to: 'application/vnd.docker.image.rootfs.foreign.diff.tar' };
    case MT.layerZstd:
      return {
        refuse:
          'is a zstd-compressed layer; Docker schema 2 has no zstd layer type (Docker Engine before 23 cannot pull one). Keep the image in OCI, or recompress the layer with gzip (e.g. skopeo copy --dest-compress-format gzip) first',
      };
    case IN_TOTO:
      return {
        refuse:
          'is an in-toto attestation, not a filesystem layer; attestations are OCI artifacts and have no Docker schema 2 form',
      };
  }
  if (info?.ecosystem === 'ocicrypt')
    return { refuse: 'is an encrypted layer (ocicrypt); Docker schema 2 has no encrypted layer types' };
  return {
    refuse: `is not a filesystem layer type Docker schema 2 knows (${info ? 'an artifact blob' : 'an unknown type'}); only images convert to Docker schema 2`,
  };
}

function layerToOci(type: string): LayerMapping {
  const info = mediaTypeInfo(type);
  if (info?.format === 'oci') return {};
  switch (type) {
    case MT.dockerLayer:
      return { to: MT.layerGzip };
    case DOCKER_TAR:
      return { to: MT.layerTar };
    case DOCKER_ZSTD:
      return { to: MT.layerZstd };
    case MT.dockerForeignLayer:
      return {
        to: OCI_NONDIST_GZIP,
        note: `a foreign layer becomes ${OCI_NONDIST_GZIP}, which image-spec 1.1 deprecates; registries may refuse to serve it`,
      };
    case 'application/vnd.docker.image.rootfs.foreign.diff.tar':
      return {
        to: OCI_NONDIST_TAR,
        note: `a foreign layer becomes ${OCI_NONDIST_TAR}, which image-spec 1.1 deprecates; registries may refuse to serve it`,
      };
  }
  if (info?.deprecated)
    return {
      refuse: `is a Docker schema 1 layer type, which has no OCI equivalent (${info.deprecated.why})`,
    };
  // OCI manifests may carry any layer type (artifacts): a type with no Docker form stays as it is.
  return {};
}

// ---- one document --------------------------------------------------------------------------------------------

/** The fields Docker schema 2 descriptors do not have. */
const OCI_ONLY_DESCRIPTOR_FIELDS: readonly [string, string][] = [
  ['annotations', 'Docker schema 2 descriptors have no annotations'],
  ['artifactType', 'Docker schema 2 has no artifact types'],
  ['data', 'Docker schema 2 descriptors cannot embed their content'],
];

/** The document's kind, when it is a manifest or a list this converts. */
function kindOf(value: unknown): DocumentKind | undefined {
  return detectKind(value, {}, true)?.kind;
}

const CONVERTIBLE: ReadonlySet<DocumentKind> = new Set([
  'image-manifest',
  'docker-manifest',
  'image-index',
  'docker-manifest-list',
]);

/** What one document's conversion plans: edits (not yet applied), changes, refusals, notes, entries to follow. */
interface Plan {
  kind: DocumentKind;
  json: JsonDocument;
  edits: TextEdit[];
  changes: ConvertChange[];
  refusals: ConvertRefusal[];
  notes: string[];
  /** Index entries whose manifest must be converted with the list. */
  entries: { path: Path; descriptor: JsonObject; to: string }[];
}

function plan(text: string, to: ImageFormat): Plan {
  const json = parseJson(text);
  if (!json.strict || !isObject(json.value)) {
    const e = json.syntaxErrors[0];
    return {
      kind: 'image-manifest',
      json,
      edits: [],
      changes: [],
      refusals: [
        {
          path: [],
          message: e
            ? `The document is not valid JSON (${e.message.replace(/\.$/, '')} at offset ${e.offset}), so it cannot be converted.`
            : 'The document is not a JSON object, so it is not a manifest or an index.',
        },
      ],
      notes: [],
      entries: [],
    };
  }
  const root = json.value;
  const kind = kindOf(root);
  const p: Plan = {
    kind: kind ?? 'image-manifest',
    json,
    edits: [],
    changes: [],
    refusals: [],
    notes: [],
    entries: [],
  };
  if (!kind || !CONVERTIBLE.has(kind)) {
    p.refusals.push({
      path: [],
      message:
        kind === 'docker-schema1'
          ? 'This is a Docker schema 1 manifest: it has no config blob to convert to; pull and push it with a current tool (e.g. skopeo copy --format v2s2 or --format oci) to rebuild it.'
          : `This is ${kind ? `${articled(KIND_LABELS[kind])}` : 'not a manifest or an index'}; only image manifests, image indexes and Docker manifest lists convert between OCI and Docker schema 2.`,
    });
    return p;
  }
  const setType = (path: Path, from: string, toType: string): void => {
    const at = [...path, 'mediaType'];
    const edit = replaceValue(json, at, JSON.stringify(toType));
    if (edit) p.edits.push(edit);
    p.changes.push({ path: at, from, to: toType });
  };
  const refuse = (path: Path, message: string): void => void p.refusals.push({ path, message });
  const isList = kind === 'image-index' || kind === 'docker-manifest-list';
  const target = isList
    ? to === 'oci'
      ? MT.index
      : MT.dockerList
    : to === 'oci'
      ? MT.manifest
      : MT.dockerManifest;

  // The document's own type: replaced, or added for Docker where an OCI document leaves it out.
  const own = root.mediaType;
  if (typeof own === 'string') {
    if (own !== target) setType([], own, target);
  } else if (own === undefined && to === 'docker') {
    // Docker requires the member; an OCI document may leave it out (and stays as it is when it is already OCI).
    const after = ['schemaVersion'].filter((k) => k in root).pop();
    const edit = insertMember(json, [], 'mediaType', target, after);
    if (edit) {
      p.edits.push(edit);
      p.changes.push({ path: ['mediaType'], to: target });
    }
  }

  if (to === 'docker') {
    if ('annotations' in root) refuse(['annotations'], 'Docker schema 2 documents have no annotations.');
    if ('artifactType' in root)
      refuse(['artifactType'], 'Docker schema 2 has no artifact types: an artifact stays an OCI manifest.');
    if ('subject' in root)
      refuse(
        ['subject'],
        'Docker schema 2 has no subject: a referrer (signature, SBOM, attestation) must stay an OCI manifest.',
      );
  }

  const descriptorFields = (path: Path, d: JsonObject, role: 'config' | 'layer' | 'entry'): void => {
    if (to !== 'docker') return;
    for (const [field, why] of OCI_ONLY_DESCRIPTOR_FIELDS)
      if (field in d) refuse([...path, field], `${formatPath([...path, field])}: ${why}.`);
    if (role === 'config' && 'urls' in d)
      refuse(
        [...path, 'urls'],
        `${formatPath([...path, 'urls'])}: Docker schema 2 allows "urls" on layers only.`,
      );
  };

  if (!isList) {
    const config = root.config;
    if (isObject(config)) {
      descriptorFields(['config'], config, 'config');
      const t = config.mediaType;
      if (typeof t === 'string')
        convertConfigType(
          t,
          to,
          (toType, note) => {
            setType(['config'], t, toType);
            if (note) p.notes.push(note);
          },
          (why) => refuse(['config', 'mediaType'], `config.mediaType ${JSON.stringify(t)} ${why}.`),
        );
    }
    const layers = Array.isArray(root.layers) ? root.layers : [];
    layers.forEach((l, i) => {
      if (!isObject(l) || typeof l.mediaType !== 'string') return;
      const path = ['layers', i];
      descriptorFields(path, l, 'layer');
      const m = to === 'docker' ? layerToDocker(l.mediaType) : layerToOci(l.mediaType);
      if (m.refuse) refuse([...path, 'mediaType'], `${formatPath(path)} (${l.mediaType}) ${m.refuse}.`);
      else if (m.to) {
        setType(path, l.mediaType, m.to);
        if (m.note && !p.notes.includes(m.note)) p.notes.push(m.note);
      }
    });
  } else {
    const manifests = Array.isArray(root.manifests) ? root.manifests : [];
    manifests.forEach((e, i) => {
      if (!isObject(e)) return;
      const path = ['manifests', i];
      descriptorFields(path, e, 'entry');
      const t = typeof e.mediaType === 'string' ? e.mediaType : undefined;
      let toType: string | undefined;
      if (to === 'oci') toType = t === MT.dockerManifest ? MT.manifest : t === MT.dockerList ? MT.index : t;
      else if (t === MT.manifest || t === MT.dockerManifest) toType = MT.dockerManifest;
      else if (t === MT.index || t === MT.dockerList)
        refuse(
          [...path, 'mediaType'],
          `${formatPath(path)} is a nested index; Docker manifest lists cannot nest lists.`,
        );
      else
        refuse(
          [...path, 'mediaType'],
          `${formatPath(path)} (${t ?? 'no media type'}) is not an image manifest; Docker manifest lists name image manifests only.`,
        );
      if (to === 'docker' && !isObject(e.platform))
        refuse(path, `${formatPath(path)} has no platform; every entry of a Docker manifest list needs one.`);
      // An entry already naming a manifest of the target format is taken at its word.
      if (toType !== undefined && toType !== t) p.entries.push({ path, descriptor: e, to: toType });
    });
  }
  return p;
}

/** What an image config's type becomes (`done(to, note?)`), or why it cannot (`refuse(why)`); nothing when kept. */
function convertConfigType(
  t: string,
  to: ImageFormat,
  done: (to: string, note?: string) => void,
  refuse: (why: string) => void,
): void {
  if (to === 'docker') {
    if (t === MT.config) done(MT.dockerConfig);
    else if (t === MT.dockerConfig || t === DOCKER_PLUGIN || t === BUILDKIT_CACHE) return;
    else if (t === MT.empty)
      refuse('is the empty config of an artifact; only images (and plugins) convert to Docker schema 2');
    else
      refuse(
        "is not an image config; Docker schema 2 carries image configs (and Docker Engine's plugin configs)",
      );
    return;
  }
  if (t === MT.dockerConfig) done(MT.config);
  else if (LEGACY_CONFIGS.has(t))
    done(
      MT.config,
      `config.mediaType ${JSON.stringify(t)} is one old registries wrote for image configs (Docker Engine reads it as one); it becomes ${MT.config}`,
    );
  else if (t === DOCKER_PLUGIN)
    refuse(
      'is a Docker Engine plugin config; plugins have no OCI form and Docker pulls them only as Docker schema 2',
    );
}

const articled = (label: string): string => `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label}`;

function resultOf(
  text: string,
  to: ImageFormat,
  p: Plan,
  blobs: ConvertedBlob[] = [],
  extra: TextEdit[] = [],
): ConvertResult {
  if (p.refusals.length) {
    const { digest, size } = digestOfText(text);
    return {
      kind: p.kind,
      to,
      text,
      edits: [],
      changes: [],
      refusals: p.refusals,
      notes: p.notes,
      blobs: [],
      digest,
      size,
    };
  }
  const edits = [...p.edits, ...extra].sort((a, b) => a.offset - b.offset);
  if (!edits.length)
    p.notes.push(`The document is already ${articled(KIND_LABELS[p.kind])}; nothing to convert.`);
  const out = edits.length ? applyEdits(text, edits) : text;
  const { digest, size } = digestOfText(out);
  return {
    kind: p.kind,
    to,
    text: out,
    edits,
    changes: p.changes,
    refusals: [],
    notes: p.notes,
    blobs,
    digest,
    size,
  };
}

/**
 * Converts one document, without reading anything else. A list whose entries name manifests that must change
 * (every entry, unless the manifest already is in the target format and says so) is refused here: use
 * {@link convertImage} with a content source that holds them.
 */
export function convertDocument(text: string, to: ImageFormat): ConvertResult {
  const p = plan(text, to);
  for (const e of p.entries)
    p.refusals.push({
      path: e.path,
      message: `${formatPath(e.path)} names a manifest (${String(e.descriptor.digest)}) that must be converted with the list, and it is not available here; give the list inside its layout or archive.`,
    });
  return resultOf(text, to, p);
}

export interface ConvertImageOptions extends FetchOptions {
  /** Nested lists are followed this many levels (default 4). */
  maxDepth?: number;
}

/**
 * Converts a document and, for a list, each manifest it names (read through `sources`, converted, and named by
 * its new digest and size in the converted list). Refusals of a manifest are the list's, with the entry's path.
 */
export async function convertImage(
  text: string,
  to: ImageFormat,
  sources: readonly ContentSource[],
  options: ConvertImageOptions = {},
): Promise<ConvertResult> {
  const p = plan(text, to);
  if (p.refusals.length || !p.entries.length) return resultOf(text, to, p);
  const depth = options.maxDepth ?? 4;
  const blobs: ConvertedBlob[] = [];
  const extra: TextEdit[] = [];
  for (const e of p.entries) {
    const where = formatPath(e.path);
    if (depth <= 0) {
      p.refusals.push({ path: e.path, message: `${where}: lists nest too deeply to convert.` });
      continue;
    }
    const fetched = await fetchJson(sources, e.descriptor, options);
    if ('problem' in fetched) {
      p.refusals.push({
        path: e.path,
        message: `${where} names a manifest that must be converted with the list, but it ${fetched.problem}.`,
      });
      continue;
    }
    const child = await convertImage(fetched.text, to, sources, { ...options, maxDepth: depth - 1 });
    for (const r of child.refusals)
      p.refusals.push({ path: [...e.path, ...r.path], message: `${where} → ${r.message}` });
    if (child.refusals.length) continue;
    for (const n of child.notes) if (!p.notes.includes(n)) p.notes.push(n);
    blobs.push(...child.blobs.map((b) => ({ ...b, path: [...e.path, ...b.path] })));
    const childValue = JSON.parse(child.text) as JsonObject;
    const childType = typeof childValue.mediaType === 'string' ? childValue.mediaType : e.to;
    const before = { digest: String(e.descriptor.digest), size: Number(e.descriptor.size) };
    if (child.digest === before.digest) {
      if (e.descriptor.mediaType !== childType) {
        const edit = replaceValue(p.json, [...e.path, 'mediaType'], JSON.stringify(childType));
        if (edit) extra.push(edit);
        p.changes.push({
          path: [...e.path, 'mediaType'],
          from: e.descriptor.mediaType as string,
          to: childType,
        });
      }
      continue;
    }
    blobs.push({
      path: e.path,
      mediaType: childType,
      from: before,
      digest: child.digest,
      size: child.size,
      text: child.text,
    });
    for (const [field, value] of [
      ['mediaType', childType],
      ['digest', child.digest],
      ['size', child.size],
    ] as const) {
      if (e.descriptor[field] === value) continue;
      const edit =
        field in e.descriptor
          ? replaceValue(p.json, [...e.path, field], JSON.stringify(value))
          : insertMember(p.json, e.path, field, value);
      if (edit) extra.push(edit);
      if (field === 'mediaType')
        p.changes.push({
          path: [...e.path, 'mediaType'],
          ...(typeof e.descriptor.mediaType === 'string' ? { from: e.descriptor.mediaType } : {}),
          to: childType,
        });
    }
  }
  return resultOf(text, to, p, blobs, extra);
}

/** One line per change, for front ends: `config.mediaType: application/vnd.docker… → application/vnd.oci…`. */
export function changeLines(result: ConvertResult): string[] {
  return result.changes.map((c) => `${formatPath(c.path)}: ${c.from ?? '(none)'} → ${c.to}`);
}
