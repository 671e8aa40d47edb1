import type { Check, CheckContext } from '../check';
import { MT } from '../catalog/core';
import {
  BUILDKIT_CACHE_CONFIG,
  DOCKER_CONFIG_TYPES,
  DOCKER_LEGACY_CONFIG_TYPES,
  classifyMediaType,
  isManifestOrIndexType,
  isOciLayerType,
  type MediaTypeInfo,
} from '../catalog/mediaTypes';
import { MEDIA_TYPE_OF_KIND, detectKind, isLayoutIndex } from '../detect';
import { expectedFix, q, replacementFix, type Expected, type Replacement } from '../editing/fixKit';
import { formatPath, shorten } from '../findings';
import { KIND_LABELS, withArticle, type DocumentKind } from '../kinds';
import { isObject, type DescriptorRef } from '../model';
import { rule, type Rule } from '../rule';

/**
 * Media-type values everywhere in a document: descriptor `mediaType`s, `artifactType`s and (for syntax
 * and look-alikes only) the document's own top-level `mediaType`, whose match with the kind is the
 * structure check's. Each value gets at most one finding, the most specific: syntax, then look-alike,
 * then position, deprecation, mixing; unknown well-formed values get an informational note.
 */

/** The image format a document kind belongs to, for the mixing rule. */
function formatOfKind(kind: DocumentKind): 'oci' | 'docker' | undefined {
  if (kind === 'image-manifest' || kind === 'image-index') return 'oci';
  if (kind === 'docker-manifest' || kind === 'docker-manifest-list') return 'docker';
  return undefined;
}

/** "a layer type", "an index type"... for messages. */
function roleNoun(info: MediaTypeInfo): string {
  if (info.type === MT.empty) return 'the empty-descriptor type';
  if (info.roles.includes('index')) return 'an index type';
  if (info.roles.includes('manifest')) return 'a manifest type';
  if (info.roles.includes('config')) return 'a config type';
  if (info.roles.includes('layer')) return 'a layer type';
  return 'a document type';
}

const FORMAT_LABEL = { oci: 'OCI', docker: 'Docker' } as const;

/** What a descriptor in `role` of a document in `format` should usually carry, for messages. */
function expectedFor(role: DescriptorRef['role'], format: 'oci' | 'docker'): string {
  const docker = format === 'docker';
  switch (role) {
    case 'config':
      return docker ? MT.dockerConfig : MT.config;
    case 'layer':
      return docker ? MT.dockerLayer : MT.layerGzip;
    default:
      return docker ? MT.dockerManifest : MT.manifest;
  }
}

/** Why a known type does not fit `role`, or undefined when it fits (or when its fit is not ours to judge). */
function misplaced(info: MediaTypeInfo, role: DescriptorRef['role']): string | undefined {
  if (!info.format) return undefined; // only the OCI/Docker image-format types have a known place
  const r = info.roles;
  const manifestLike = isManifestOrIndexType(info);
  switch (role) {
    case 'config':
      if (r.includes('config')) return undefined;
      if (manifestLike || r.includes('layer'))
        return '"config" references the configuration blob, never a manifest or a layer';
      return undefined;
    case 'layer':
      if (r.includes('layer')) return undefined;
      if (manifestLike || r.includes('config'))
        return '"layers" entries reference layer blobs, not manifests or configurations';
      return undefined;
    case 'manifest':
      if (manifestLike) return undefined;
      return 'index entries usually reference manifests or indexes';
    default:
      return undefined; // subject: the artifact check; blob/self: anything goes
  }
}

export const mediaTypeSyntax = rule<Partial<Replacement>>({
  code: 'oci/media-type-syntax',
  severity: 'error',
  title: 'A media type is not a well-formed `type/subtype`',
  description:
    'Media types must follow the naming rules of RFC 6838 §4.2: a registered top-level type, a "/", and a subtype, each starting with a letter or digit, using only letters, digits and `! # $ & - ^ _ . +`, at most 127 characters each. OCI media types carry no parameters (`;version=...`): the image-spec schema forbids them and registries reject them.',
  spec: 'image-spec/descriptor.md#properties',
  fix: replacementFix('Change the media type to'),
});

export const mediaTypeUnknown = rule({
  code: 'oci/media-type-unknown',
  severity: 'info',
  title: 'A media type is not in the catalog',
  description:
    'The value is well-formed but not one of the media types oci-manifest knows. That is allowed (implementations must tolerate unknown types); the note is there so that a misspelling far from any known type is still noticed.',
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
});

export const mediaTypeLookAlike = rule<Replacement>({
  code: 'oci/media-type-look-alike',
  severity: 'warning',
  title: 'A media type looks like a misspelling of a known one',
  description:
    "Registries and runtimes compare media types byte for byte, so a near miss (`tar+gz` for `tar+gzip`, `manifest.v1.json`, different letter case, Helm's `chart.config` for `config`, `text/spdx+json` for `application/spdx+json`) makes content silently unrecognised. The intended type is in the finding's data. A near miss of a document's own top-level type is an error, `oci/media-type-mismatch`.",
  spec: 'image-spec/media-types.md',
  sentence:
    'descriptor.md, `mediaType`: the sentence requiring values to comply with RFC 6838 (a look-alike does, so this is a warning that the intended type is probably another).',
  fix: replacementFix('Change the media type to'),
});

export const mediaTypePosition = rule<Expected>({
  code: 'oci/media-type-position',
  severity: 'error',
  title: 'An OCI or Docker media type is used in a place it cannot fit',
  description:
    'Known image-format types have fixed places: a manifest or index type cannot be a layer or a config, and a layer type cannot be a config. Artifact-specific types are not judged, since the spec leaves them free. An unusual type among the entries of an index is only a note (`oci/index-entry-type`): the specs forbid failing on it.',
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
  sentence:
    'manifest.md, `config` and `layers`: the sentences saying `config` references the configuration object and each item of `layers` is a descriptor of a layer (whose types the following sentences list).',
  fix: expectedFix((e) => `Change the media type to ${q(e)}`, false),
});

export const indexEntryType = rule<Expected>({
  code: 'oci/index-entry-type',
  severity: 'info',
  title: 'An index entry references something other than an image manifest or index of its format',
  description:
    "Entries of `manifests` usually reference image manifests or indexes, but the specifications let them reference other content and forbid failing on an unknown or unusual type: a layer, a config or a descriptor type there, or a Docker manifest in a layout's `index.json` (tools that copy a Docker image into a layout keep its manifest, and its digest, as they are). The note says which clients will pass the entry by. Nothing to fix: the entry's `mediaType` must stay the type of the content it references.",
  spec: 'image-spec/image-index.md#image-index-property-descriptions',
  sentence:
    "image-index.md, `manifests` → `mediaType`: the sentence saying that a `mediaType` unknown to the implementation must not cause an error (image-layout.md's section on `index.json` says the same of a layout's entries, whose types are usually, not always, the OCI manifest and index types).",
});

export const mediaTypeMixed = rule<Replacement>({
  code: 'oci/media-type-mixed',
  severity: 'warning',
  title: 'Docker and OCI media types are mixed in one document',
  description:
    "An OCI manifest or index referencing Docker types (or a Docker manifest or list referencing OCI types) is accepted by some tools and rejected by others (skopeo, CRI-O): the most common interoperability failure. Use the equivalent type of the document's own format. A Docker entry in a layout's `index.json` is only a note (`oci/index-entry-type`): a layout keeps images in the format they were copied in.",
  spec: 'image-spec/media-types.md#compatibility-matrix',
  sentence:
    "manifest.md and image-index.md: the sentences saying manifests and indexes concerned with portability should use the listed OCI types; manifest-v2-2.md's manifest list says its entries will generally be Docker schema 2 manifests (a should, so a warning).",
  fix: replacementFix('Use the equivalent'),
});

export const mediaTypeDeprecated = rule<Replacement>({
  code: 'oci/media-type-deprecated',
  severity: 'warning',
  title: 'A deprecated media type is referenced',
  description:
    "Non-distributable OCI layers (deprecated in image-spec 1.1), Docker foreign layers in an OCI manifest, Docker schema 1 manifests, the removed OCI artifact manifest and pre-release artifact types should no longer be produced. The replacement is named in the message and the finding's data.",
  spec: 'image-spec/layer.md#non-distributable-layers',
  fix: replacementFix('Use'),
});

const RULES: readonly Rule[] = [
  mediaTypeSyntax,
  mediaTypeUnknown,
  mediaTypeLookAlike,
  mediaTypePosition,
  indexEntryType,
  mediaTypeMixed,
  mediaTypeDeprecated,
];

export const mediaTypeCheck: Check = {
  id: 'mediatype',
  rules: RULES,
  run(ctx) {
    const { kind, root } = ctx;
    if (!isObject(root)) return;
    const format = formatOfKind(kind);
    const descriptors = ctx.descriptors;
    // A layout's index.json lists what the layout holds, in the format each image was copied in.
    const layoutIndex = kind === 'image-index' && isLayoutIndex(ctx.origin);

    // A legacy BuildKit cache index lists layer blobs next to its cache config in `manifests`.
    const buildkitCache = descriptors.some(
      (d) => d.role === 'manifest' && d.value.mediaType === BUILDKIT_CACHE_CONFIG,
    );

    checkTopLevel(ctx);
    if (
      kind !== 'descriptor' &&
      kind !== 'image-config' &&
      kind !== 'docker-config' &&
      kind !== 'layout-header'
    ) {
      if (typeof root.artifactType === 'string')
        checkValue(ctx, undefined, 'artifactType', root.artifactType, 'artifactType');
    }

    for (const d of descriptors) {
      if (typeof d.value.artifactType === 'string')
        checkValue(ctx, d, 'artifactType', d.value.artifactType, 'artifactType');
      const value = d.value.mediaType;
      if (typeof value !== 'string') continue;
      const verdict = checkValue(ctx, d, 'mediaType', value, d.role);
      if (verdict.kind !== 'known') continue;
      const { info } = verdict;
      // The common case (a known type in its place, of the document's own format) needs no path.
      if (
        !info.deprecated &&
        (info.format === undefined || info.format === format || d.role === 'subject') &&
        !misplaced(info, d.role)
      )
        continue;
      const path = [...d.path, 'mediaType'];
      const where = formatPath(path);

      const why = d.role === 'manifest' && buildkitCache ? undefined : misplaced(info, d.role);
      if (why) {
        const expected = expectedFor(d.role, format ?? 'oci');
        if (d.role === 'manifest') {
          ctx.report(
            indexEntryType,
            { path },
            `${where} is "${value}", ${roleNoun(info)}, but ${why} (such as "${expected}"); clients that pick an image by platform pass this entry by. Unusual entry types are allowed, and its "mediaType" must stay the type of the content it references.`,
            { expected },
          );
          continue;
        }
        ctx.report(
          mediaTypePosition,
          { path },
          `${where} is "${value}", ${roleNoun(info)}, but ${why}; expected a type such as "${expected}".`,
          { expected },
        );
        continue;
      }

      // An OCI layer type in a Docker manifest is the docker check's (an error there).
      if (kind === 'docker-manifest' && d.role === 'layer' && isOciLayerType(info)) continue;

      if (info.deprecated) {
        ctx.report(
          mediaTypeDeprecated,
          { path },
          `${where} is "${value}", which is deprecated: ${info.deprecated.why}. Use "${info.deprecated.replacement}" instead.`,
          { replacement: info.deprecated.replacement },
        );
        continue;
      }
      if (
        kind === 'image-manifest' &&
        d.role === 'layer' &&
        (value === MT.dockerForeignLayer || value === 'application/vnd.docker.image.rootfs.foreign.diff.tar')
      ) {
        const replacement = value === MT.dockerForeignLayer ? MT.layerGzip : MT.layerTar;
        ctx.report(
          mediaTypeDeprecated,
          { path },
          `${where} is the Docker foreign-layer type "${value}" in an OCI image manifest; OCI deprecated non-distributable layers in image-spec 1.1, so push the layer and use "${replacement}".`,
          { replacement },
        );
        continue;
      }

      if (format && d.role !== 'subject' && info.format && info.format !== format) {
        // Docker accepts these configs in its manifests; anything else there is the docker check's.
        if (kind === 'docker-manifest' && d.role === 'config' && DOCKER_CONFIG_TYPES.has(value)) continue;
        if (layoutIndex && d.role === 'manifest') {
          ctx.report(
            indexEntryType,
            { path },
            `${where} is the ${FORMAT_LABEL[info.format]} type "${value}" in a layout's index.json; tools that copy ${FORMAT_LABEL[info.format]} images into a layout keep their manifests (and digests) as they are; tools that read only OCI types from a layout cannot use this entry. Its "mediaType" must stay the type of the content it references.`,
            { expected: info.roles.includes('index') ? MT.index : MT.manifest },
          );
          continue;
        }
        const equivalent = info.equivalent;
        const own = FORMAT_LABEL[format];
        ctx.report(
          mediaTypeMixed,
          { path },
          `${where} is the ${FORMAT_LABEL[info.format]} type "${value}" in ${withArticle(KIND_LABELS[kind])}; tools disagree on documents that mix Docker and OCI media types${
            equivalent
              ? `, so use the ${own} equivalent "${equivalent}"`
              : `, so use ${own} media types throughout`
          }.`,
          equivalent ? { replacement: equivalent } : undefined,
        );
      }
    }
  },
};

/**
 * Syntax, look-alike and unknown findings for one value. Returns the verdict so that the caller can apply
 * the rules that need a known type.
 */
function checkValue(
  ctx: CheckContext,
  owner: DescriptorRef | undefined,
  key: string,
  value: string,
  role: DescriptorRef['role'] | 'artifactType',
) {
  const verdict = classifyMediaType(value);
  if (verdict.kind === 'known' && (role !== 'artifactType' || !verdict.info.deprecated)) return verdict;
  const path = owner ? [...owner.path, key] : [key];
  const where = formatPath(path);
  const shown = shorten(value);
  switch (verdict.kind) {
    case 'syntax':
      // An empty config type in a Docker manifest is one of the legacy values the docker check reports.
      if (ctx.kind === 'docker-manifest' && role === 'config' && DOCKER_LEGACY_CONFIG_TYPES.has(value)) break;
      ctx.report(
        mediaTypeSyntax,
        { path },
        `${where} "${shown}" ${verdict.problem}${verdict.replacement ? `; the intended type is probably "${verdict.replacement}".` : '.'}`,
        verdict.replacement ? { replacement: verdict.replacement } : undefined,
      );
      break;
    case 'look-alike':
      ctx.report(
        mediaTypeLookAlike,
        { path },
        `${where} "${shown}" looks like a misspelling of "${verdict.replacement}" (${verdict.why}); tools compare media types exactly and would treat this one as unknown.`,
        { replacement: verdict.replacement },
      );
      break;
    case 'unknown': {
      // A non-Docker config in a Docker manifest is reported (as an error) by the docker check.
      if (ctx.kind === 'docker-manifest' && role === 'config') break;
      const what = role === 'artifactType' ? 'an artifact type' : 'a media type';
      ctx.report(
        mediaTypeUnknown,
        { path },
        `${where} "${shown}" is not ${what} oci-manifest knows; unknown types are allowed, but check that it is spelled as its tool expects.`,
      );
      break;
    }
    case 'known':
      // Descriptor media types get the role-aware rules in run(); an artifactType only its deprecation.
      if (role === 'artifactType' && verdict.info.deprecated) {
        const dep = verdict.info.deprecated;
        ctx.report(
          mediaTypeDeprecated,
          { path },
          `${where} is "${value}", which is deprecated: ${dep.why}. Use "${dep.replacement}" instead.`,
          { replacement: dep.replacement },
        );
      }
      break;
  }
  return verdict;
}

/**
 * The document's own `mediaType`: its syntax (and, for the removed artifact manifest, look-alikes). Its match with the kind (another kind's type, or a type of no
 * document at all, look-alikes among them) is the structure check's `oci/media-type-mismatch`.
 */
function checkTopLevel(ctx: CheckContext): void {
  const root = ctx.root as Record<string, unknown>;
  const expected = MEDIA_TYPE_OF_KIND[ctx.kind];
  const value = root.mediaType;
  if (!expected || typeof value !== 'string' || value === expected) return;
  // A value naming another known document kind is the structure check's mismatch.
  if (detectKind({ mediaType: value }, {})) return;
  const verdict = classifyMediaType(value);
  const label = KIND_LABELS[ctx.kind];
  // The removed artifact manifest is not judged by the structure check; a near miss of its type still is here.
  if (verdict.kind === 'look-alike' && ctx.kind === 'artifact-manifest') {
    ctx.report(
      mediaTypeLookAlike,
      { path: ['mediaType'] },
      `"mediaType" "${shorten(value)}" looks like a misspelling; ${withArticle(label)} carries exactly "${expected}".`,
      { replacement: expected },
    );
    return;
  }
  if (verdict.kind !== 'syntax') return;
  ctx.report(
    mediaTypeSyntax,
    { path: ['mediaType'] },
    `"mediaType" "${shorten(value)}" ${verdict.problem}; ${withArticle(label)} carries exactly "${expected}".`,
    { replacement: expected },
  );
}
