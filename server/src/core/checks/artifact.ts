import type { Check } from '../check';
import { EMPTY_BLOB, MT } from '../catalog/core';
import { classifyMediaType, isManifestOrIndexType } from '../catalog/mediaTypes';
import { q, setValue, type Fix, type Replacement } from '../editing/fixKit';
import { EMPTY_DESCRIPTOR } from '../editing/snippets';
import { indentUnit, lineIndent, renderValue, valueAt } from '../editing/text';
import { isObject } from '../model';
import { rule } from '../rule';

/**
 * Artifacts carried in image manifests (image-spec 1.1 "Guidelines for Artifact Usage"): the empty config
 * needs an `artifactType`, an artifact declares its own config type, `layers` is not left empty, and a
 * `subject` points at a manifest. The syntax of `artifactType` is the media-type check's.
 */
export const artifactTypeRequired = rule<{ insert: string }>({
  code: 'oci/artifact-type-required',
  severity: 'error',
  title: 'An artifact with the empty config has no `artifactType`',
  description:
    'When `config.mediaType` is the empty type `application/vnd.oci.empty.v1+json`, the config says nothing about the content, so the manifest must name its artifact type in `artifactType`. Registries use it to answer referrers queries.',
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
});

export const artifactConfigType = rule<Replacement>({
  code: 'oci/artifact-config-type',
  severity: 'warning',
  title: 'An artifact uses the OCI image config type',
  description:
    'A manifest that declares an `artifactType` is an artifact, and an artifact\'s `config.mediaType` must be a type specific to the artifact or the empty type, not the image config type: runtimes would try to run it as a container image. A warning, not an error: an `artifactType` alone does not prove the content is not an image. Not reported when the `artifactType` is the image config type itself (the artifact type of an image manifest is its config\'s type), nor when the config is too small to be an image config: `oras push --artifact-platform` writes a config holding only the platform (`{"architecture":…,"os":…}`) under the image config type, so that clients selecting by platform can read it.',
  spec: 'image-spec/manifest.md#guidelines-for-artifact-usage',
  sentence:
    "manifest.md, Guidelines for Artifact Usage: the sentence saying that when content other than an image is packaged in an image manifest, `config.mediaType` must be a value specific to the artifact or the empty value (and artifacts-guidance.md's, that it should not be a known image config type).",
  fix: (c) => {
    const json = c.analysis.json;
    const span = json.locate(['config']);
    if (!span) return undefined;
    const text = json.text;
    return {
      title: 'Use the empty descriptor as the config',
      edits: [
        {
          offset: span.offset,
          length: span.length,
          newText: renderValue(EMPTY_DESCRIPTOR, lineIndent(text, span.offset), indentUnit(text)),
        },
      ],
      preferred: false,
    };
  },
});

/**
 * The smallest text an image config can have: `architecture`, `os` and `rootfs` with `type` and one DiffID per
 * layer (config.md requires them), with the shortest names Go knows (3 characters) and the shortest digests the
 * digest grammar allows (`a:b`). A config descriptor smaller than this cannot be an image config.
 */
export function minImageConfigSize(layers: number): number {
  const base = '{"architecture":"386","os":"aix","rootfs":{"type":"layers","diff_ids":[]}}'.length;
  return layers === 0 ? base : base + layers * '"a:b"'.length + (layers - 1);
}

/**
 * True for a config that holds only a platform, as `oras push --artifact-platform` writes it (the image config
 * type, so that clients selecting by platform read it): its size is below any image config's.
 */
function platformOnlyConfig(config: Record<string, unknown>, layers: unknown): boolean {
  const n = Array.isArray(layers) ? layers.length : 0;
  return typeof config.size === 'number' && config.size < minImageConfigSize(n);
}

export const artifactNoLayers = rule<{ insert: { mediaType: string; digest: string; size: number } }>({
  code: 'oci/artifact-no-layers',
  severity: 'warning',
  title: "`layers` is empty, or an artifact's only layer has size 0",
  description:
    'For portability `layers` should have at least one entry; an artifact without content includes the empty descriptor as its single layer. That placeholder layer should have a non-zero size.',
  spec: 'image-spec/manifest.md#guidelines-for-artifact-usage',
  fix: (c) => {
    const json = c.analysis.json;
    const text = json.text;
    const layers = valueAt(c.root, ['layers']);
    if (!Array.isArray(layers) || layers.length !== 0 || c.path.length !== 1) return undefined;
    const span = json.locate(['layers'])!;
    return {
      title: 'Add the empty descriptor as the single layer',
      edits: [
        {
          offset: span.offset,
          length: span.length,
          newText: renderValue([EMPTY_DESCRIPTOR], lineIndent(text, span.offset), indentUnit(text)),
        },
      ],
      preferred: true,
    };
  },
});

export const subjectNotManifest = rule<{ expected: string[] }>({
  code: 'oci/subject-not-manifest',
  severity: 'error',
  title: '`subject` does not reference a manifest',
  description:
    '`subject` names the manifest (or index) this one refers to, for the referrers API. A known non-manifest type there (a layer, a config, a blob type such as `application/octet-stream`, an artifact type) cannot be a subject. Unknown types are tolerated.',
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
  sentence:
    "manifest.md and image-index.md, `subject`: the sentence defining it as a descriptor of another manifest (distribution-spec's push section speaks of a subject that references a manifest).",
  fix: (c) =>
    [MT.manifest, MT.index]
      .map((t) => setValue(c, t, `Change the media type to ${q(t)}`, false))
      .filter((f): f is Fix => !!f),
});

export const artifactCheck: Check = {
  id: 'artifact',
  kinds: ['image-manifest', 'image-index'],
  rules: [artifactTypeRequired, artifactConfigType, artifactNoLayers, subjectNotManifest],
  run(ctx) {
    const { root, kind } = ctx;
    if (!isObject(root)) return;

    if (isObject(root.subject) && typeof root.subject.mediaType === 'string') {
      const value = root.subject.mediaType;
      const verdict = classifyMediaType(value);
      if (verdict.kind === 'known' && !isManifestOrIndexType(verdict.info)) {
        ctx.report(
          subjectNotManifest,
          { path: ['subject', 'mediaType'] },
          `subject.mediaType is "${value}", which is not a manifest or index type; "subject" must reference another manifest, e.g. "${MT.manifest}" or "${MT.index}".`,
          { expected: [MT.manifest, MT.index] },
        );
      }
    }

    if (kind !== 'image-manifest') return;
    const config = isObject(root.config) ? root.config : undefined;
    const configType = typeof config?.mediaType === 'string' ? config.mediaType : undefined;

    if (configType === MT.empty && !('artifactType' in root)) {
      ctx.report(
        artifactTypeRequired,
        { path: [] },
        `config.mediaType is the empty type "${MT.empty}", so the manifest must say what it carries: add "artifactType" with the artifact's media type.`,
        { insert: 'artifactType' },
      );
    }

    if (
      configType === MT.config &&
      typeof root.artifactType === 'string' &&
      // The artifact says it is an image config (descriptor.md: an image manifest's artifact type is its config's).
      root.artifactType !== MT.config &&
      !platformOnlyConfig(config!, root.layers)
    ) {
      ctx.report(
        artifactConfigType,
        { path: ['config', 'mediaType'] },
        `config.mediaType is the image config type "${MT.config}", but the manifest declares "artifactType" "${root.artifactType}"; an artifact's config must be a type specific to the artifact or the empty type "${MT.empty}".`,
        { replacement: MT.empty },
      );
    }

    const layers = root.layers;
    if (Array.isArray(layers)) {
      if (layers.length === 0) {
        ctx.report(
          artifactNoLayers,
          { path: ['layers'] },
          `"layers" is empty; for portability it should have at least one entry. An artifact without content lists the empty descriptor ("${MT.empty}", size ${EMPTY_BLOB.size}) as its single layer.`,
          { insert: { mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: EMPTY_BLOB.size } },
        );
      } else if (layers.length === 1 && configType === MT.empty) {
        const only = layers[0];
        if (isObject(only) && only.size === 0 && only.mediaType !== MT.empty) {
          ctx.report(
            artifactNoLayers,
            { path: ['layers', 0, 'size'] },
            `layers[0].size is 0; an artifact's single layer should have a non-zero size. If there is no content, use the empty descriptor ("${MT.empty}", size ${EMPTY_BLOB.size}).`,
            { insert: { mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: EMPTY_BLOB.size } },
          );
        }
      }
    }
  },
};
