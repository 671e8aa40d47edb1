/**
 * The image as a whole: facts that two documents state about one image, which must agree although each document
 * is valid on its own. Each finding sits on the descriptor (or the value) that is wrong, in the document that
 * holds it, says what the other document says and names it (by digest); where the other side is the truth (a
 * blob is what its bytes are), the quick-fix applies it.
 *
 * - an index entry's `platform` against the config of the manifest it names (`os`, `architecture`, `variant`,
 *   `os.version`);
 * - a descriptor's `mediaType` against the blob's own (media-types.md, "Media Type Conflicts"), and an index
 *   entry's `artifactType` against the manifest's;
 * - the number of layers against the config's `rootfs.diff_ids`, and the `history` entries that are not
 *   `empty_layer` against the layers;
 * - a layer's compression as its first bytes show it against its media type, and the zstd:chunked and eStargz
 *   annotations against it;
 * - BuildKit attestation entries: `vnd.docker.reference.digest` names an entry of the same index (this part needs
 *   the index only, so it also runs while typing), and the attestation manifest's `subject`;
 * - a Docker `manifest.json` in an OCI layout (Docker 25+ `docker save`) against `index.json`;
 * - deep verification: the config's `rootfs.diff_ids[i]` against the digest of layer i decompressed.
 *
 * The other documents come through {@link CrossContext.known}, from whatever read them: the editor reads them
 * from the layout or archive a document is in (lsp/features/crossDocument.ts), verification from the blobs it
 * hashed (core/verify/layout.ts). Nothing here reads anything.
 */
import type { Check, CheckContext, Location } from '../check';
import { MEDIA_TYPE_OF_KIND } from '../detect';
import { q, str, type Fix, type FixContext } from '../editing/fixKit';
import { insertMember, replaceValue, type TextEdit } from '../editing/text';
import { formatPath, type Path } from '../findings';
import type { DocumentKind } from '../kinds';
import { compressionOfMediaType, type LayerCompression } from '../layer/compression';
import { isIndexKind, isManifestKind, isObject, type DescriptorRef, type JsonObject } from '../model';
import { rule, type FindingData, type Rule } from '../rule';

const INDEX_SPEC = 'image-spec/image-index.md#image-index-property-descriptions';
const CONFIG_SPEC = 'image-spec/config.md#properties';
const MEDIA_TYPES_SPEC = 'image-spec/media-types.md#media-type-conflicts';

/** What is known of a blob a descriptor names, from whatever read it. */
export interface KnownBlob {
  /** The blob read as JSON (a manifest, an index, a config), when it was read as a document. */
  value?: unknown;
  /** The kind it was read as. */
  kind?: DocumentKind;
  /** The compression its first bytes show (for layers). */
  compression?: LayerCompression;
  /** For `unknown`: what the bytes look like instead (`xz`, `bzip2`, `empty`, `not a tar`). */
  compressionDetail?: string;
}

/** What the cross-document checks see: one document, and what is known of the blobs it names. */
export interface CrossContext {
  readonly kind: DocumentKind;
  readonly root: unknown;
  readonly descriptors: readonly DescriptorRef[];
  /** What is known of the blob `digest` names; undefined when nothing is (not read, missing, too large). */
  known(digest: string): KnownBlob | undefined;
  report<D extends FindingData>(rule: Rule<D>, at: Location, message: string, data?: NoInfer<D>): void;
}

type Platform = { os?: string; architecture?: string; variant?: string; 'os.version'?: string };
const PLATFORM_FIELDS = ['os', 'architecture', 'variant', 'os.version'] as const;

/** `linux/arm64/v8` (and ` (os.version 10.0.17763.1457)` when there is one). */
function platformText(p: Platform): string {
  const main = [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/');
  return p['os.version'] ? `${main} (os.version ${p['os.version']})` : main;
}

/** The fix that writes the config's platform fields into an index entry's `platform`, each field on its own. */
function platformFix(c: FixContext<{ entry: Path; expected: Platform }>): Fix | undefined {
  const entry = c.data.entry;
  const expected = c.data.expected;
  if (!Array.isArray(entry) || !isObject(expected)) return undefined;
  const platformPath = [...entry, 'platform'];
  const json = c.analysis.json;
  const edits: TextEdit[] = [];
  let last: string | undefined;
  for (const field of PLATFORM_FIELDS) {
    const want = str(expected[field]);
    if (want === undefined) continue;
    const here = json.locate([...platformPath, field]);
    if (here) {
      if (json.text.slice(here.offset, here.offset + here.length) !== JSON.stringify(want)) {
        const e = replaceValue(json, [...platformPath, field], JSON.stringify(want));
        if (e) edits.push(e);
      }
      last = field;
    } else {
      const e = insertMember(json, platformPath, field, want, last);
      if (!e) return undefined;
      edits.push(e);
    }
  }
  if (!edits.length) return undefined;
  return {
    title: `Set platform to ${platformText(expected)} as the config says`,
    edits,
    preferred: true,
  };
}

/** A fix that sets the value the finding covers to `data.expected`, titled with `why`. */
const setExpected =
  (what: string, why: string) =>
  (c: FixContext<{ expected: string }>): Fix | undefined => {
    const e = str(c.data.expected);
    if (e === undefined || c.onKey) return undefined;
    const span = c.analysis.json.locate(c.path);
    if (!span || span.offset !== c.finding.offset || span.length !== c.finding.length) return undefined;
    return {
      title: `Set ${what} to ${q(e)} ${why}`,
      edits: [{ offset: span.offset, length: span.length, newText: JSON.stringify(e) }],
      preferred: true,
    };
  };

export const platformMismatch = rule<{ entry: Path; expected: Platform; config: string; manifest: string }>({
  code: 'oci/platform-mismatch',
  severity: 'error',
  title: "An index entry's `platform` differs from the platform in the image's config",
  description:
    "The platform an image index states for an entry (`os`, `architecture`, `variant`, `os.version`) is how clients choose the image to run; the image's own config says which platform its binaries are built for. When they differ, a client on the index's platform pulls an image that runs the wrong binaries (or fails with `exec format error`). The finding sits on the entry's platform field that differs and names the manifest and the config; the quick-fix writes the config's values into the entry. Checked in the editor for an `index.json` inside a layout or an image archive, in Verify Layout and in `oci-manifest verify`.",
  spec: INDEX_SPEC,
  sentence:
    "image-index.md, `platform`: the entry describes the minimum runtime requirements of the image it names; config.md, `architecture`/`os`/`variant`/`os.version`: the platform the image's binaries are built to run on. No sentence says so in words, but both describe the same image, and a runtime selects by the first and runs binaries built for the second.",
  fix: platformFix,
});

export const mediaTypeConflict = rule<{ expected: string; actual?: string }>({
  code: 'oci/media-type-conflict',
  severity: 'error',
  title: "A descriptor's `mediaType` differs from the blob's own",
  description:
    'A descriptor names a manifest or an index whose own `mediaType` (or, without one, its shape) says something else: an entry that says "index" about an image manifest, a Docker type for an OCI manifest. Clients parse the blob by the descriptor\'s type and fail ("unexpected media type"), or refuse it. The blob is what its bytes are (its digest checks), so the quick-fix sets the descriptor\'s `mediaType` to the blob\'s.',
  spec: MEDIA_TYPES_SPEC,
  sentence:
    'descriptor.md, `mediaType`: the property holds the media type of the referenced content; media-types.md, "Media Type Conflicts": an implementation whose expected type does not match the one the content states warns (and uses the expected one only when the digest matches).',
  fix: setExpected('mediaType', 'as the blob says'),
});

export const artifactTypeConflict = rule<{ expected: string; manifest: string }>({
  code: 'oci/artifact-type-conflict',
  severity: 'warning',
  title: "An index entry's `artifactType` differs from the manifest's",
  description:
    "An index entry's `artifactType` is the manifest's own `artifactType`, or, when the manifest has none, its config's `mediaType`. A different value makes referrer listings and `artifactType` filters (the referrers API, `oras discover`) report the artifact as something it is not. The quick-fix sets the entry's value to the manifest's.",
  spec: 'image-spec/descriptor.md#properties',
  sentence:
    "descriptor.md, `artifactType`: for a descriptor of an image manifest it is the manifest's artifact type, else the config descriptor's media type; distribution-spec, referrers: each descriptor's `artifactType` must be the manifest's, or its config's media type when the manifest has none.",
  fix: setExpected('artifactType', 'as the manifest says'),
});

export const layersDiffIdsCount = rule<{ layers: number; diffIds: number; config: string }>({
  code: 'oci/layers-diff-ids-count',
  severity: 'error',
  title: "The number of layers differs from the config's `rootfs.diff_ids`",
  description:
    'Each layer of a manifest has one DiffID in its config, in the same order. containerd refuses such an image ("mismatched image rootfs and manifest layers"), Docker fails to load it. The finding sits on the manifest\'s `layers` and names the config; there is no quick-fix, because either side may be the wrong one.',
  spec: CONFIG_SPEC,
  sentence:
    "config.md, `rootfs.diff_ids`: the DiffIDs of the image's layers in order from first to last; manifest.md, `layers`: the image's layers from base to top. One DiffID per layer is what ties the two.",
});

export const historyLayersCount = rule<{ historyLayers: number; layers: number; config: string }>({
  code: 'oci/history-layers-count',
  severity: 'warning',
  title: "The config's `history` does not account for the manifest's layers",
  description:
    "Every `history` entry of the config whose `empty_layer` is not `true` stands for one layer of the manifest, in order. When the config's DiffIDs agree with the layers but its history does not, `docker history` and image builders pair commands with the wrong layers. The finding sits on the manifest's `config` descriptor and names the config.",
  spec: CONFIG_SPEC,
  sentence:
    'config.md, `history`: each entry describes the history of one layer, and `empty_layer` marks an entry that created no layer, so the entries without it are the layers.',
});

export const layerCompressionMismatch = rule<{ actual: string; expected?: string }>({
  code: 'oci/layer-compression-mismatch',
  severity: 'error',
  title: "A layer's bytes are not compressed as its `mediaType` says",
  description:
    'The first bytes of the layer blob (read while it is hashed) show its compression: gzip starts with `1f 8b`, zstd with a frame or a skippable frame, a plain tar has `ustar` at offset 257. A gzip layer labelled `+zstd` (or a plain tar labelled `+gzip`) fails when clients unpack it ("zstd: invalid magic number", "gzip: invalid header"). The quick-fix sets the media type that matches the bytes.',
  spec: 'image-spec/layer.md#gzip-media-types',
  sentence:
    'layer.md, the media types of layers: `+gzip` layers are compressed with gzip, `+zstd` layers with zstd, and the plain `.tar` type is an uncompressed tar; media-types.md lists the same.',
  fix: setExpected('mediaType', "as the layer's bytes say"),
});

export const compressionAnnotation = rule<{ annotation: string; actual: string }>({
  code: 'oci/layer-compression-annotation',
  severity: 'warning',
  title: 'A zstd:chunked or eStargz annotation is on a layer that is not compressed that way',
  description:
    'The `io.github.containers.zstd-chunked.*` annotations describe a zstd layer with a table of contents in a skippable frame; `containerd.io/snapshot/stargz/toc.digest` and `io.containers.estargz.uncompressed-size` describe an eStargz layer, which is gzip. On a layer whose bytes are compressed otherwise, lazy-pulling snapshotters fail to find the table of contents and pull the whole layer, or refuse it. The finding sits on the annotation key.',
  spec: 'image-spec/annotations.md',
  sentence:
    'None in the OCI texts: containers/storage defines the zstd:chunked annotations for zstd layers and stargz-snapshotter the eStargz ones for gzip layers.',
});

export const attestationReference = rule<{ digest: string }>({
  code: 'oci/attestation-reference',
  severity: 'warning',
  title: 'A BuildKit attestation entry does not name an entry of its index',
  description:
    "BuildKit stores attestations (SBOMs, provenance) as extra entries of an image index, with the annotation `vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest` naming the entry of the same index the attestation is about (and, as an OCI artifact, a `subject` with that digest). A digest that names no entry of the index, or disagrees with the attestation manifest's `subject`, leaves the attestation attached to nothing: `docker buildx imagetools inspect` and policy tools do not find it.",
  spec: 'supply-chain/buildkit/attestation-storage.md',
  sentence:
    'BuildKit attestation storage, "Attestation Manifest Descriptor": `vnd.docker.reference.digest` holds the digest of the object in the image index that the attestation manifest refers to, and the manifest\'s `subject` points to that image manifest.',
});

export const dockerSaveMismatch = rule<{ other?: string }>({
  code: 'docker/save-manifest-mismatch',
  severity: 'error',
  title: 'A Docker `manifest.json` in an OCI layout disagrees with `index.json`',
  description:
    "Docker 25 and later write both an OCI layout's `index.json` and the legacy `manifest.json` (`Config`, `Layers`, `RepoTags`) into `docker save` archives. `docker load` reads `manifest.json`, other tools read `index.json`: when an entry's config or layers are not those of an image of `index.json`, the same archive loads as two different images. The finding sits on the entry's `Config` or layer in `manifest.json` and names what `index.json` holds.",
  spec: 'image-spec/image-layout.md#indexjson-file',
  sentence:
    "image-layout.md, `index.json`: the entry point of the layout's images; Docker's `manifest.json` restates the same images for `docker load`, so each of its entries must name the config and layers of one of them.",
});

export const diffIdMismatch = rule<{ expected: string; manifest?: string; layer: string }>({
  code: 'oci/diff-id-mismatch',
  severity: 'error',
  title: "A DiffID is not the digest of its layer's uncompressed content",
  description:
    "Deep verification (`oci-manifest verify --deep`, Verify Layout (Deep)) decompresses each layer while it hashes it and compares the digest of the uncompressed tar with the config's `rootfs.diff_ids[i]`. A different digest means the config belongs to other layers or a layer was recompressed from other content; containerd and Docker refuse to unpack it (\"layers from manifest don't match image configuration\"). The finding sits on the DiffID in the config and names the manifest and the layer; the quick-fix writes the digest the layer's content has.",
  spec: CONFIG_SPEC,
  sentence:
    'config.md, `rootfs.diff_ids`: each DiffID is the digest of the uncompressed tar of a layer, in the order of the layers; layer.md, "DiffID": the digest over the layer\'s uncompressed tar archive.',
  fix: setExpected('the DiffID', "as the layer's content says"),
});

const RULES: readonly Rule[] = [
  platformMismatch,
  mediaTypeConflict,
  artifactTypeConflict,
  layersDiffIdsCount,
  historyLayersCount,
  layerCompressionMismatch,
  compressionAnnotation,
  attestationReference,
  dockerSaveMismatch,
  diffIdMismatch,
] as Rule[];

/** A value quoted whole in a message (digests are never shortened there). */
const qm = (s: string): string => JSON.stringify(s);

const digestOf = (v: unknown): string | undefined => (isObject(v) ? str(v.digest) : undefined);

/** The media type a layer of `mediaType` would have with `compression` instead, when there is one. */
export function layerTypeFor(mediaType: string, compression: LayerCompression): string | undefined {
  const oci = /^(application\/vnd\.oci\.image\.layer\.(?:nondistributable\.)?v1\.tar)(\+gzip|\+zstd)?$/.exec(
    mediaType,
  );
  const suffix = { gzip: '+gzip', zstd: '+zstd', none: '' } as Record<string, string>;
  if (oci && compression in suffix) return `${oci[1]}${suffix[compression]}`;
  const docker = /^(application\/vnd\.docker\.image\.rootfs\.(?:foreign\.)?diff\.tar)(\.gzip|\.zstd)?$/.exec(
    mediaType,
  );
  const dockerSuffix = { gzip: '.gzip', zstd: '.zstd', none: '' } as Record<string, string>;
  if (docker && compression in dockerSuffix) return `${docker[1]}${dockerSuffix[compression]}`;
  return undefined;
}

const COMPRESSION_WORDS: Record<LayerCompression, string> = {
  gzip: 'gzip-compressed',
  zstd: 'zstd-compressed',
  none: 'an uncompressed tar',
  unknown: 'neither gzip, zstd nor a tar',
};

const ZSTD_CHUNKED = 'io.github.containers.zstd-chunked.';
const ESTARGZ_KEYS = ['containerd.io/snapshot/stargz/toc.digest', 'io.containers.estargz.uncompressed-size'];

/** The config of a manifest value, when known. */
function configOf(ctx: CrossContext, manifest: unknown): { digest: string; value: JsonObject } | undefined {
  if (!isObject(manifest)) return undefined;
  const digest = digestOf(manifest.config);
  const value = digest ? ctx.known(digest)?.value : undefined;
  return digest && isObject(value) ? { digest, value } : undefined;
}

function checkPlatforms(ctx: CrossContext, ref: DescriptorRef): void {
  const platform = ref.value.platform;
  const digest = str(ref.value.digest);
  if (!isObject(platform) || !digest) return;
  const known = ctx.known(digest);
  if (!known?.kind || !isManifestKind(known.kind)) return;
  const config = configOf(ctx, known.value);
  if (!config) return;
  const expected: Platform = {};
  const stated: Platform = {};
  const differs: (typeof PLATFORM_FIELDS)[number][] = [];
  for (const field of PLATFORM_FIELDS) {
    const want = str(config.value[field]);
    const have = str(platform[field]);
    if (have !== undefined) stated[field] = have;
    // A field the config does not state is no contradiction (a config may leave out the variant).
    if (want === undefined) continue;
    expected[field] = want;
    if (have !== want) differs.push(field);
  }
  if (!differs.length) return;
  const base = [...ref.path, 'platform'];
  const first = differs[0]!;
  const at: Location = platform[first] !== undefined ? { path: [...base, first] } : { path: base, on: 'key' };
  const detail = differs
    .map((f) =>
      stated[f] === undefined
        ? `it has no ${f}, the config says ${qm(expected[f]!)}`
        : `${f} is ${qm(stated[f]!)}, the config says ${qm(expected[f]!)}`,
    )
    .join('; ');
  ctx.report(
    platformMismatch,
    at,
    `${formatPath(base)} says ${platformText(stated)}, but the config ${config.digest} of the manifest it names (${digest}) says ${platformText(expected)}: ${detail}.`,
    { entry: [...ref.path], expected, config: config.digest, manifest: digest },
  );
}

function checkMediaType(ctx: CrossContext, ref: DescriptorRef): void {
  const digest = str(ref.value.digest);
  const said = str(ref.value.mediaType);
  if (!digest || said === undefined) return;
  const known = ctx.known(digest);
  if (!known?.kind || !isObject(known.value)) return;
  if (!isManifestKind(known.kind) && !isIndexKind(known.kind)) return;
  const own = str(known.value.mediaType);
  const at = { path: [...ref.path, 'mediaType'] };
  const where = formatPath(ref.path);
  if (own !== undefined) {
    if (own === said) return;
    ctx.report(
      mediaTypeConflict,
      at,
      `${where}.mediaType is ${qm(said)}, but the blob it names (${digest}) says its own mediaType is ${qm(own)}; clients read the blob by the descriptor's type.`,
      { expected: own, actual: said },
    );
    return;
  }
  // Without a mediaType of its own, the blob's shape says whether it is an index or a manifest.
  const saidKind = Object.entries(MEDIA_TYPE_OF_KIND).find(([, mt]) => mt === said)?.[0] as
    DocumentKind | undefined;
  if (!saidKind || isIndexKind(saidKind) === isIndexKind(known.kind)) return;
  const docker = said.startsWith('application/vnd.docker.');
  const expected = isIndexKind(known.kind)
    ? MEDIA_TYPE_OF_KIND[docker ? 'docker-manifest-list' : 'image-index']!
    : MEDIA_TYPE_OF_KIND[docker ? 'docker-manifest' : 'image-manifest']!;
  ctx.report(
    mediaTypeConflict,
    at,
    `${where}.mediaType is ${qm(said)}, but the blob it names (${digest}) is ${isIndexKind(known.kind) ? 'an index (it has "manifests")' : 'a manifest (it has "config" and "layers")'} and has no mediaType of its own.`,
    { expected, actual: said },
  );
}

function checkArtifactType(ctx: CrossContext, ref: DescriptorRef): void {
  const digest = str(ref.value.digest);
  const said = str(ref.value.artifactType);
  if (!digest || said === undefined) return;
  const known = ctx.known(digest);
  if (!known?.kind || !isManifestKind(known.kind) || !isObject(known.value)) return;
  const own = str(known.value.artifactType);
  const expected = own ?? (isObject(known.value.config) ? str(known.value.config.mediaType) : undefined);
  if (expected === undefined || expected === said) return;
  ctx.report(
    artifactTypeConflict,
    { path: [...ref.path, 'artifactType'] },
    `${formatPath(ref.path)}.artifactType is ${qm(said)}, but the manifest it names (${digest}) ${own !== undefined ? `has the artifactType ${qm(own)}` : `has no artifactType, and its config's mediaType is ${qm(expected)}`}.`,
    { expected, manifest: digest },
  );
}

function checkLayers(ctx: CrossContext): void {
  const root = ctx.root;
  if (!isObject(root) || !Array.isArray(root.layers)) return;
  const config = configOf(ctx, root);
  if (!config) return;
  const layers = root.layers.length;
  const rootfs = config.value.rootfs;
  const diffIds = isObject(rootfs) && Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids.length : undefined;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  if (diffIds !== undefined && diffIds !== layers) {
    ctx.report(
      layersDiffIdsCount,
      { path: ['layers'], on: 'key' },
      `The manifest has ${plural(layers, 'layer', 'layers')}, but its config ${config.digest} lists ${plural(diffIds, 'DiffID', 'DiffIDs')} in rootfs.diff_ids; each layer needs one DiffID, in the same order.`,
      { layers, diffIds, config: config.digest },
    );
    return;
  }
  const history = config.value.history;
  if (!Array.isArray(history)) return;
  const historyLayers = history.filter((h) => !(isObject(h) && h.empty_layer === true)).length;
  if (historyLayers === layers) return;
  ctx.report(
    historyLayersCount,
    { path: ['config'], on: 'key' },
    `The config ${config.digest} has ${plural(historyLayers, 'history entry', 'history entries')} that ${historyLayers === 1 ? 'is' : 'are'} not empty_layer, but the manifest has ${plural(layers, 'layer', 'layers')}; each layer needs one such entry.`,
    { historyLayers, layers, config: config.digest },
  );
}

function checkCompression(ctx: CrossContext, ref: DescriptorRef): void {
  const digest = str(ref.value.digest);
  const mediaType = str(ref.value.mediaType);
  if (!digest) return;
  const known = ctx.known(digest);
  const actual = known?.compression;
  if (!actual) return;
  const where = formatPath(ref.path);
  const said = mediaType !== undefined ? compressionOfMediaType(mediaType) : undefined;
  if (mediaType !== undefined && said !== undefined && said !== actual) {
    const replacement = actual === 'unknown' ? undefined : layerTypeFor(mediaType, actual);
    const what =
      actual === 'unknown'
        ? `${known.compressionDetail ? `${known.compressionDetail}, ` : ''}neither gzip, zstd nor a tar`
        : COMPRESSION_WORDS[actual];
    ctx.report(
      layerCompressionMismatch,
      { path: [...ref.path, 'mediaType'] },
      `${where}.mediaType ${qm(mediaType)} says the layer is ${COMPRESSION_WORDS[said]}, but the first bytes of the blob ${digest} show it is ${what}${replacement ? `; its media type is ${qm(replacement)}` : ''}.`,
      replacement ? { actual, expected: replacement } : { actual },
    );
  }
  const annotations = ref.value.annotations;
  if (!isObject(annotations) || actual === 'unknown') return;
  for (const key of Object.keys(annotations)) {
    const needs = key.startsWith(ZSTD_CHUNKED) ? 'zstd' : ESTARGZ_KEYS.includes(key) ? 'gzip' : undefined;
    if (!needs || needs === actual) continue;
    ctx.report(
      compressionAnnotation,
      { path: [...ref.path, 'annotations', key], on: 'key' },
      `The annotation ${qm(key)} describes ${needs === 'zstd' ? 'a zstd:chunked layer (zstd)' : 'an eStargz layer (gzip)'}, but the blob ${digest} of ${where} is ${COMPRESSION_WORDS[actual]}.`,
      { annotation: key, actual },
    );
  }
}

const REF_TYPE = 'vnd.docker.reference.type';
const REF_DIGEST = 'vnd.docker.reference.digest';

/**
 * The part of the attestation rule that needs the index only: an attestation entry's reference digest names
 * an entry of the same index. Runs while typing too.
 */
export function checkAttestationReferences(
  root: unknown,
  report: (at: Location, message: string, data: { digest: string }) => void,
): void {
  if (!isObject(root) || !Array.isArray(root.manifests)) return;
  const digests = new Set<string>();
  for (const e of root.manifests) {
    const d = digestOf(e);
    if (d) digests.add(d);
  }
  root.manifests.forEach((e, i) => {
    if (!isObject(e) || !isObject(e.annotations)) return;
    if (e.annotations[REF_TYPE] !== 'attestation-manifest') return;
    const target = str(e.annotations[REF_DIGEST]);
    if (target === undefined || digests.has(target)) return;
    report(
      { path: ['manifests', i, 'annotations', REF_DIGEST] },
      `manifests[${i}] is a BuildKit attestation whose ${REF_DIGEST} is ${qm(target)}, but no entry of this index has that digest, so the attestation is attached to nothing.`,
      { digest: target },
    );
  });
}

function checkAttestationSubject(ctx: CrossContext, ref: DescriptorRef, entries: ReadonlySet<string>): void {
  const annotations = ref.value.annotations;
  const digest = str(ref.value.digest);
  if (!digest || !isObject(annotations) || annotations[REF_TYPE] !== 'attestation-manifest') return;
  const target = str(annotations[REF_DIGEST]);
  // A reference that names no entry is the index's own finding (checkAttestationReferences).
  if (target === undefined || !entries.has(target)) return;
  const manifest = ctx.known(digest)?.value;
  const subject = isObject(manifest) ? digestOf(manifest.subject) : undefined;
  if (target === undefined || subject === undefined || subject === target) return;
  ctx.report(
    attestationReference,
    { path: [...ref.path, 'annotations', REF_DIGEST] },
    `${formatPath(ref.path)} is a BuildKit attestation for ${qm(target)}, but the attestation manifest ${digest} names ${qm(subject)} as its subject.`,
    { digest: target },
  );
}

/** Runs every cross-document check on one document. Never throws on odd documents. */
export function checkAcross(ctx: CrossContext): void {
  const index = isIndexKind(ctx.kind);
  const manifest = ctx.kind === 'image-manifest' || ctx.kind === 'docker-manifest';
  const entries = new Set<string>();
  if (index)
    for (const ref of ctx.descriptors) if (ref.role === 'manifest') entries.add(str(ref.value.digest) ?? '');
  for (const ref of ctx.descriptors) {
    if (ref.role === 'manifest' || ref.role === 'subject') checkMediaType(ctx, ref);
    if (index && ref.role === 'manifest') {
      checkPlatforms(ctx, ref);
      checkArtifactType(ctx, ref);
      checkAttestationSubject(ctx, ref, entries);
    }
    if (manifest && ref.role === 'layer') checkCompression(ctx, ref);
  }
  if (manifest) checkLayers(ctx);
}

/** The hex digest in a `docker save` member name: `<hex>.json`, `<hex>.tar` or `blobs/<alg>/<hex>`. */
export function digestOfMemberName(name: string): string | undefined {
  const blob = /^blobs\/([a-z0-9]+)\/([0-9a-f]{32,})$/.exec(name);
  if (blob) return `${blob[1]}:${blob[2]}`;
  const hex = /(?:^|\/)([0-9a-f]{64})\.(?:json|tar)$/.exec(name);
  return hex ? `sha256:${hex[1]}` : undefined;
}

/**
 * A Docker `manifest.json` in an OCI layout against the layout's `index.json`: each entry names the config and
 * the layers of one image of `index.json`. `images` are the image manifests `index.json` reaches (by digest).
 */
export function checkDockerManifestJson(
  root: unknown,
  images: ReadonlyMap<string, unknown>,
  report: (at: Location, message: string, data: { other?: string }) => void,
): void {
  if (!Array.isArray(root)) return;
  const byConfig = new Map<string, { digest: string; layers: (string | undefined)[] }>();
  for (const [digest, m] of images) {
    if (!isObject(m)) continue;
    const config = digestOf(m.config);
    if (config && !byConfig.has(config))
      byConfig.set(config, { digest, layers: Array.isArray(m.layers) ? m.layers.map(digestOf) : [] });
  }
  root.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.Config !== 'string') return;
    const config = digestOfMemberName(entry.Config);
    if (!config) return;
    const image = byConfig.get(config);
    if (!image) {
      report(
        { path: [i, 'Config'] },
        `manifest.json entry ${i} names the config ${config}, but no image manifest that index.json reaches has that config, so docker load and other tools see different images.`,
        {},
      );
      return;
    }
    const layers = Array.isArray(entry.Layers) ? entry.Layers : [];
    const count = Math.max(layers.length, image.layers.length);
    for (let k = 0; k < count; k++) {
      const named = typeof layers[k] === 'string' ? digestOfMemberName(layers[k] as string) : undefined;
      const other = image.layers[k];
      if (named === other) continue;
      const at: Location =
        k < layers.length ? { path: [i, 'Layers', k] } : { path: [i, 'Layers'], on: 'key' };
      report(
        at,
        k >= layers.length || k >= image.layers.length
          ? `manifest.json entry ${i} lists ${layers.length} layers, but the manifest ${image.digest} in index.json with the same config has ${image.layers.length}.`
          : `Layers[${k}] of manifest.json entry ${i} is ${named ?? qm(String(layers[k]))}, but layers[${k}] of the manifest ${image.digest} in index.json (the one with the same config) is ${other ?? 'not a valid descriptor'}.`,
        other ? { other } : {},
      );
      return;
    }
  });
}

/** What deep verification learned of one layer of a manifest, for {@link checkDiffIds}. */
export interface LayerDiffId {
  /** The layer's digest (its descriptor's, verified). */
  layer: string;
  /** The digest of its uncompressed tar. */
  diffId: string;
}

/** A config's `rootfs.diff_ids[i]` against the uncompressed digest of layer i (deep verification). */
export function checkDiffIds(
  config: unknown,
  layers: readonly (LayerDiffId | undefined)[],
  manifest: string | undefined,
  report: (
    at: Location,
    message: string,
    data: { expected: string; manifest?: string; layer: string },
  ) => void,
): void {
  if (!isObject(config) || !isObject(config.rootfs) || !Array.isArray(config.rootfs.diff_ids)) return;
  const ids = config.rootfs.diff_ids;
  layers.forEach((l, i) => {
    if (!l || i >= ids.length) return;
    const said = ids[i];
    if (said === l.diffId) return;
    report(
      { path: ['rootfs', 'diff_ids', i] },
      `rootfs.diff_ids[${i}] is ${typeof said === 'string' ? qm(said) : 'not a string'}, but layer ${i} (${l.layer}${manifest ? ` of the manifest ${manifest}` : ''}) decompresses to a tar whose digest is ${qm(l.diffId)}.`,
      { expected: l.diffId, layer: l.layer, ...(manifest ? { manifest } : {}) },
    );
  });
}

export const crossDocumentCheck: Check = {
  id: 'cross-document',
  rules: RULES,
  kinds: ['image-index', 'docker-manifest-list'],
  // While typing, only what the index says of itself: the other documents come later, from a content source.
  run(ctx: CheckContext) {
    checkAttestationReferences(ctx.root, (at, message, data) =>
      ctx.report(attestationReference, at, message, data),
    );
  },
};
