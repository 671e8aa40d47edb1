import type { Check } from '../check';
import { MT } from '../catalog/core';
import {
  BUILDKIT_CACHE_CONFIG,
  DOCKER_CONFIG_TYPES,
  DOCKER_LEGACY_CONFIG_TYPES,
  classifyMediaType,
  isManifestOrIndexType,
  isOciLayerType,
  mediaTypeInfo,
} from '../catalog/mediaTypes';
import { formatPath } from '../findings';
import { expectedFix, q, replacementFix, type Expected, type Replacement } from '../editing/fixKit';
import { isObject } from '../model';
import { rule } from '../rule';

const FOREIGN_LAYERS: ReadonlySet<string> = new Set([
  MT.dockerForeignLayer,
  'application/vnd.docker.image.rootfs.foreign.diff.tar',
]);

/**
 * Docker Image Manifest V2 Schema 2 and manifest lists, as Docker Engine, containers/image and the
 * distribution registry read them. Media-type syntax, look-alikes and Docker/OCI mixing in general are the
 * media-type check's; this module adds what only Docker documents require.
 */
export const dockerConfigMediaType = rule<Expected>({
  code: 'docker/config-media-type',
  severity: 'error',
  title: "A Docker manifest's config is not a Docker config type",
  description:
    'A Docker schema 2 manifest references `application/vnd.docker.container.image.v1+json` as its config (or, for Engine plugins and BuildKit caches, their own config types). Docker Engine refuses to pull an image whose config is of another type (it accepts the OCI image config type, a mixing finding, and the legacy types old registries wrote, `docker/config-legacy-type`); artifacts belong in OCI manifests.',
  spec: 'docker/manifest-v2-2.md#image-manifest-field-descriptions',
  sentence:
    'manifest-v2-2.md, Image Manifest Field Descriptions, `config` → `mediaType`: the sentence naming `application/vnd.docker.container.image.v1+json` as the config type; an error because Docker Engine refuses to pull an image whose config has any other type than the few it keeps a list of.',
  fix: expectedFix((e) => `Change the media type to ${q(e)}`, false),
});

export const dockerConfigLegacyType = rule<Expected>({
  code: 'docker/config-legacy-type',
  severity: 'warning',
  title: "A Docker manifest's config has a legacy type old registries wrote",
  description:
    "Old registries rewrote the config type of Docker schema 2 manifests to `application/octet-stream`, `application/json` or `text/html`, or left it empty (distribution issue 1621). Docker Engine still pulls such images, treating the config as an image config, but other tools may not; the quick-fix writes `application/vnd.docker.container.image.v1+json` (which changes the manifest's digest).",
  spec: 'docker/manifest-v2-2.md#image-manifest-field-descriptions',
  sentence:
    'manifest-v2-2.md, Image Manifest Field Descriptions, `config` → `mediaType`: the sentence saying it should generally be `application/vnd.docker.container.image.v1+json` (a should, so a warning; Docker Engine accepts these legacy values).',
  fix: expectedFix((e) => `Change the media type to ${q(e)}`, false),
});

export const dockerOciLayerType = rule<Replacement>({
  code: 'docker/oci-layer-type',
  severity: 'error',
  title: 'A Docker manifest lists an OCI layer type',
  description:
    'Docker schema 2 manifests use Docker layer types. containers/image (skopeo, Podman, CRI-O) rejects a schema 2 manifest with OCI layer types. Use the Docker equivalent, or convert the whole manifest to OCI.',
  spec: 'docker/manifest-v2-2.md#image-manifest-field-descriptions',
  fix: replacementFix('Use the Docker type'),
});

export const dockerForeignLayerUrls = rule<{ insert: string }>({
  code: 'docker/foreign-layer-urls',
  severity: 'error',
  title: 'A foreign layer has no `urls`',
  description:
    'A foreign layer is never pushed; clients fetch it from its `urls`. Without URLs nobody can download it, and the distribution registry refuses such a manifest.',
  spec: 'docker/manifest-v2-2.md#image-manifest-field-descriptions',
});

export const dockerPlatformRequired = rule<{ insert: string }>({
  code: 'docker/platform-required',
  severity: 'error',
  title: 'A manifest list entry has no `platform`',
  description:
    "Every entry of a Docker manifest list describes the platform its image runs on (the format marks only `os.version`, `os.features`, `variant` and `features` optional); clients pick the entry for their host by it, so an entry without one is never pulled. The presence of `architecture` and `os` inside `platform` is the schema check's.",
  spec: 'docker/manifest-v2-2.md#manifest-list-field-descriptions',
});

export const dockerCheck: Check = {
  id: 'docker',
  kinds: ['docker-manifest', 'docker-manifest-list'],
  rules: [
    dockerConfigMediaType,
    dockerConfigLegacyType,
    dockerOciLayerType,
    dockerForeignLayerUrls,
    dockerPlatformRequired,
  ],
  run(ctx) {
    const { root, kind } = ctx;
    if (!isObject(root)) return;

    if (kind === 'docker-manifest') {
      const config = root.config;
      if (
        isObject(config) &&
        typeof config.mediaType === 'string' &&
        DOCKER_LEGACY_CONFIG_TYPES.has(config.mediaType)
      ) {
        const value = config.mediaType;
        ctx.report(
          dockerConfigLegacyType,
          { path: ['config', 'mediaType'] },
          `config.mediaType is ${value === '' ? 'empty' : `"${value}"`}, a config type that old registries wrote into Docker schema 2 manifests; Docker Engine still pulls the image, reading the config as an image config, but other tools may refuse it. The type of a Docker image config is "${MT.dockerConfig}".`,
          { expected: MT.dockerConfig },
        );
      } else if (
        isObject(config) &&
        typeof config.mediaType === 'string' &&
        !DOCKER_CONFIG_TYPES.has(config.mediaType)
      ) {
        const value = config.mediaType;
        const verdict = classifyMediaType(value);
        // Malformed and misspelled values, misplaced image-format types and OCI types (mixing) are the
        // media-type check's; here: well-formed types that are simply not a Docker config.
        const ours = verdict.kind === 'unknown' || (verdict.kind === 'known' && !verdict.info.format);
        if (ours) {
          ctx.report(
            dockerConfigMediaType,
            { path: ['config', 'mediaType'] },
            `config.mediaType is "${value}"; a Docker schema 2 manifest references the container config "${MT.dockerConfig}", and Docker Engine refuses to pull anything else. Package other content as an OCI manifest.`,
            { expected: MT.dockerConfig },
          );
        }
      }

      const layers = root.layers;
      if (Array.isArray(layers)) {
        layers.forEach((layer, i) => {
          if (!isObject(layer) || typeof layer.mediaType !== 'string') return;
          const value = layer.mediaType;
          const info = mediaTypeInfo(value);
          if (isOciLayerType(info)) {
            const eq = info!.equivalent ? mediaTypeInfo(info!.equivalent) : undefined;
            const replacement = eq && !eq.nonStandard && eq.format === 'docker' ? eq.type : undefined;
            ctx.report(
              dockerOciLayerType,
              { path: ['layers', i, 'mediaType'] },
              `layers[${i}].mediaType is the OCI type "${value}" in a Docker schema 2 manifest, which skopeo, Podman and CRI-O reject; ${
                replacement
                  ? `use the Docker type "${replacement}", or`
                  : 'there is no standard Docker equivalent, so'
              } convert the manifest to an OCI image manifest.`,
              replacement ? { replacement } : undefined,
            );
            return;
          }
          if (FOREIGN_LAYERS.has(value)) {
            const urls = layer.urls;
            if (!('urls' in layer)) {
              ctx.report(
                dockerForeignLayerUrls,
                { path: ['layers', i], on: 'key' },
                `layers[${i}] is a foreign layer ("${value}") without "urls"; foreign layers are never pushed, so they must list the URLs to download them from.`,
                { insert: 'urls' },
              );
            } else if (Array.isArray(urls) && urls.length === 0) {
              ctx.report(
                dockerForeignLayerUrls,
                { path: ['layers', i, 'urls'] },
                `layers[${i}].urls is empty; a foreign layer ("${value}") is never pushed, so it must list at least one URL to download it from.`,
              );
            }
          }
        });
      }
      return;
    }

    // docker-manifest-list
    const manifests = root.manifests;
    if (!Array.isArray(manifests)) return;
    // A legacy BuildKit cache list holds layer blobs without platforms; it is never pulled as an image.
    if (manifests.some((m) => isObject(m) && m.mediaType === BUILDKIT_CACHE_CONFIG)) return;
    manifests.forEach((entry, i) => {
      if (!isObject(entry)) return;
      if (typeof entry.mediaType === 'string') {
        const info = mediaTypeInfo(entry.mediaType);
        // Non-manifest entries are the media-type check's; nested lists have no single platform.
        if (info && (!isManifestOrIndexType(info) || info.roles.includes('index'))) return;
      }
      const path = ['manifests', i];
      if (!('platform' in entry)) {
        ctx.report(
          dockerPlatformRequired,
          { path, on: 'key' },
          `${formatPath(path)} has no "platform"; every entry of a Docker manifest list names the "architecture" and "os" its image runs on, e.g. "platform": {"architecture": "amd64", "os": "linux"}.`,
          { insert: 'platform' },
        );
      }
    });
  },
};
