import type { Check } from '../check';
import { detectKind, kindFromShape, MEDIA_TYPE_OF_KIND } from '../detect';
import { KIND_LABELS, withArticle } from '../kinds';
import { isIndexKind, isManifestKind, isObject } from '../model';
import { MT } from '../catalog/core';
import { shorten } from '../findings';

/**
 * Top-level structure: schemaVersion, the top-level mediaType against the kind, the ambiguity rules
 * that closed CVE-2021-41190 (a document must not read as both a manifest and an index), and the
 * formats that are gone (the artifact manifest, Docker schema 1).
 */
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export const structureCheck: Check = {
  id: 'structure',
  rules: [
    {
      code: 'oci/schema-version',
      severity: 'error',
      title: '`schemaVersion` is missing or not the integer 2',
      description:
        'Image manifests, indexes and Docker schema 2 documents carry `"schemaVersion": 2` (a number, not a string) for compatibility with older Docker clients.',
      spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
    },
    {
      code: 'oci/media-type-missing',
      severity: 'warning',
      title: 'The top-level `mediaType` is missing',
      description:
        'Without `mediaType` a manifest can be mistaken for an index (or the reverse); the spec asks for it since 1.1 and registries use it to route content.',
      spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
    },
    {
      code: 'oci/media-type-mismatch',
      severity: 'error',
      title: 'The top-level `mediaType` does not match the document',
      description:
        "The document's own `mediaType` must name what it is: an image manifest says `application/vnd.oci.image.manifest.v1+json`, an index `application/vnd.oci.image.index.v1+json`.",
      spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
    },
    {
      code: 'oci/ambiguous-document',
      severity: 'error',
      title: 'A manifest has `manifests`, or an index has `config` or `layers`',
      description:
        'A document that can be read both as a manifest and as an index let one digest mean two images (CVE-2021-41190). Manifests must not contain `manifests`; indexes must not contain `config` or `layers`.',
      spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
    },
    {
      code: 'oci/artifact-manifest-removed',
      severity: 'warning',
      title: 'The OCI artifact manifest was removed before image-spec 1.1',
      description:
        '`application/vnd.oci.artifact.manifest.v1+json` existed only in the 1.1 release candidates. Use an image manifest with `artifactType`, the empty config, and the blobs as `layers`.',
      spec: 'image-spec/artifacts-guidance.md',
    },
    {
      code: 'docker/schema1-deprecated',
      severity: 'warning',
      title: 'Docker schema 1 manifests are deprecated',
      description:
        'Docker Image Manifest V2 Schema 1 is deprecated; current Docker Engine refuses to pull it by default and Docker Hub refuses pushes. Convert the image to schema 2 or OCI.',
      spec: 'docker/deprecated-schema-v1.md',
    },
  ],
  run(ctx) {
    const { kind, root } = ctx;
    if (!isObject(root)) return;
    const label = KIND_LABELS[kind];

    if (kind === 'docker-schema1') {
      ctx.report(
        'docker/schema1-deprecated',
        'schemaVersion' in root ? { path: ['schemaVersion'] } : { path: [] },
        'This is a Docker schema 1 manifest, which is deprecated and no longer pulled by default by Docker Engine nor accepted by Docker Hub; convert it to Docker schema 2 or an OCI image manifest.',
      );
      return;
    }
    if (kind === 'artifact-manifest') {
      ctx.report(
        'oci/artifact-manifest-removed',
        'mediaType' in root ? { path: ['mediaType'] } : { path: [] },
        `The artifact manifest type "${MT.artifactManifest}" was removed before image-spec 1.1 and registries reject it; use an image manifest with "artifactType", the empty config ("${MT.empty}") and the blobs as "layers".`,
      );
    }

    const hasVersion = isManifestKind(kind) || isIndexKind(kind);
    if (hasVersion && kind !== 'artifact-manifest') {
      if (!('schemaVersion' in root)) {
        ctx.report(
          'oci/schema-version',
          { path: [] },
          `The ${label} has no "schemaVersion"; add "schemaVersion": 2.`,
          { fix: 'insert' },
        );
      } else if (root.schemaVersion !== 2) {
        const v = root.schemaVersion;
        // Describe objects and arrays by type: they may be huge or nested thousands of levels deep.
        const shown =
          typeof v === 'object' && v !== null
            ? Array.isArray(v)
              ? 'an array'
              : 'an object'
            : shorten(JSON.stringify(v));
        const why = typeof root.schemaVersion === 'string' ? ' (a number, not a string)' : '';
        ctx.report(
          'oci/schema-version',
          { path: ['schemaVersion'] },
          `"schemaVersion" is ${shown}; it must be the integer 2${why}.`,
          {
            fix: 'replace',
          },
        );
      }
    }

    const expected = MEDIA_TYPE_OF_KIND[kind];
    if (expected && hasVersion) {
      if (!('mediaType' in root)) {
        const mustHave = kind === 'docker-manifest' || kind === 'docker-manifest-list';
        ctx.report(
          mustHave ? 'oci/media-type-mismatch' : 'oci/media-type-missing',
          { path: [] },
          mustHave
            ? `The ${label} has no top-level "mediaType"; Docker requires "mediaType": "${expected}".`
            : `The ${label} has no top-level "mediaType"; add "mediaType": "${expected}" so that it cannot be mistaken for another kind of document.`,
          { expected },
        );
      } else if (typeof root.mediaType === 'string' && root.mediaType !== expected) {
        // Only a mediaType that names another known document kind is a mismatch here; other values
        // are for the media-type check (syntax, look-alikes) to judge.
        const named = detectKind({ mediaType: root.mediaType }, {});
        const shape = kindFromShape(root);
        if (named && named.kind !== kind) {
          ctx.report(
            'oci/media-type-mismatch',
            { path: ['mediaType'] },
            `"mediaType" is "${root.mediaType}" (${KIND_LABELS[named.kind]}), but the document is read as ${withArticle(label)}; expected "${expected}".`,
            { expected },
          );
        } else if (shape && shape !== kind && MEDIA_TYPE_OF_KIND[shape]) {
          ctx.report(
            'oci/media-type-mismatch',
            { path: ['mediaType'] },
            `"mediaType" says ${withArticle(label)}, but the document has the shape of ${withArticle(KIND_LABELS[shape])}; expected "${MEDIA_TYPE_OF_KIND[shape]}".`,
            { expected: MEDIA_TYPE_OF_KIND[shape] },
          );
        }
      }
    }

    if (isManifestKind(kind) && 'manifests' in root) {
      ctx.report(
        'oci/ambiguous-document',
        { path: ['manifests'], on: 'key' },
        `${cap(withArticle(label))} must not contain "manifests" (only indexes have it); a document readable as both a manifest and an index is ambiguous (CVE-2021-41190). Remove "manifests".`,
        { remove: 'manifests' },
      );
    }
    if (isIndexKind(kind)) {
      for (const key of ['config', 'layers']) {
        if (key in root) {
          ctx.report(
            'oci/ambiguous-document',
            { path: [key], on: 'key' },
            `${cap(withArticle(label))} must not contain "${key}" (only manifests have it); a document readable as both an index and a manifest is ambiguous (CVE-2021-41190). Remove "${key}".`,
            { remove: key },
          );
        }
      }
    }
  },
};
