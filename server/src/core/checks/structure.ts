import { Buffer } from 'node:buffer';
import type { Check } from '../check';
import { MT } from '../catalog/core';
import { classifyMediaType } from '../catalog/mediaTypes';
import { detectKind, kindFromShape, MEDIA_TYPE_OF_KIND } from '../detect';
import {
  insertTopLevel,
  q,
  remove,
  setValue,
  str,
  type Expected,
  type Fix,
  type FixContext,
} from '../editing/fixKit';
import { EMPTY_DESCRIPTOR } from '../editing/snippets';
import {
  indentUnit,
  insertMember,
  lineIndent,
  renameKey,
  renderValue,
  replaceValue,
  type TextEdit,
} from '../editing/text';
import { shorten } from '../findings';
import { KIND_LABELS, withArticle } from '../kinds';
import { isIndexKind, isManifestKind, isObject } from '../model';
import { rule } from '../rule';

/**
 * Top-level structure: schemaVersion, the top-level mediaType against the kind, the ambiguity rules
 * that closed CVE-2021-41190 (a document must not read as both a manifest and an index), and the
 * formats that are gone (the artifact manifest, Docker schema 1).
 */
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export const schemaVersion = rule<{ fix: 'insert' | 'replace' }>({
  code: 'oci/schema-version',
  severity: 'error',
  title: '`schemaVersion` is missing or not the integer 2',
  description:
    'Image manifests, indexes and Docker schema 2 documents carry `"schemaVersion": 2` (a number, not a string) for compatibility with older Docker clients.',
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
  fix: (c) => {
    if (c.data.fix === 'insert') {
      const edit = insertMember(c.analysis.json, [], 'schemaVersion', 2);
      return edit ? { title: 'Add "schemaVersion": 2', edits: [edit], preferred: true } : undefined;
    }
    return setValue(c, 2, 'Set "schemaVersion" to 2');
  },
});

export const mediaTypeMissing = rule<Expected>({
  code: 'oci/media-type-missing',
  severity: 'warning',
  title: 'The top-level `mediaType` is missing',
  description:
    "Without `mediaType` a manifest can be mistaken for an index (or the reverse); the spec asks for it since 1.1 and registries use it to route content. A layout's `index.json` without it (skopeo and go-containerregistry write none) is still read as an image index: this warning is all it gets.",
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
  sentence:
    'manifest.md and image-index.md, `mediaType`: the sentence saying this property should be used (a should, so a warning).',
  fix: (c) => insertMediaType(c),
});

export const mediaTypeMismatch = rule<Expected>({
  code: 'oci/media-type-mismatch',
  severity: 'error',
  title: 'The top-level `mediaType` does not match the document',
  description:
    "The document's own `mediaType` must name what it is: an image manifest says `application/vnd.oci.image.manifest.v1+json`, an index `application/vnd.oci.image.index.v1+json`. Reported on a value naming another kind of document, and on a value naming none (a typo such as `…index.v1+jsn`, a made-up `…manifest.v2+json`, a suffix such as `…v1+jsonXXX`); a value that is not a well-formed media type at all is `oci/media-type-syntax`.",
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
  sentence:
    'manifest.md and image-index.md, `mediaType`: the sentence saying that, when used, the field must contain the media type of the manifest (or index) itself; manifest-v2-2.md says the same of Docker manifests and manifest lists.',
  fix: (c) => {
    const e = str(c.data.expected);
    if (!e) return undefined;
    if (isObject(c.root) && !('mediaType' in c.root)) return insertMediaType(c);
    return setValue(c, e, `Change the media type to ${q(e)}`);
  },
});

export const ambiguousDocument = rule<{ remove: string }>({
  code: 'oci/ambiguous-document',
  severity: 'error',
  title: 'A manifest has `manifests`, or an index has `config` or `layers`',
  description:
    'A document that can be read both as a manifest and as an index let one digest mean two images (CVE-2021-41190). Manifests must not contain `manifests`; indexes must not contain `config` or `layers`.',
  spec: 'image-spec/manifest.md#image-manifest-property-descriptions',
  fix: (c) => {
    const key = str(c.data.remove);
    return key && c.onKey ? remove(c, c.path, `Remove "${key}"`) : undefined;
  },
});

export const artifactManifestRemoved = rule({
  code: 'oci/artifact-manifest-removed',
  severity: 'warning',
  title: 'The OCI artifact manifest was removed before image-spec 1.1',
  description:
    '`application/vnd.oci.artifact.manifest.v1+json` existed only in the 1.1 release candidates. Use an image manifest with `artifactType`, the empty config, and the blobs as `layers`.',
  spec: 'image-spec/artifacts-guidance.md',
  fix: (c) => convertArtifactManifest(c),
});

export const dockerSchema1Deprecated = rule({
  code: 'docker/schema1-deprecated',
  severity: 'warning',
  title: 'Docker schema 1 manifests are deprecated',
  description:
    'Docker Image Manifest V2 Schema 1 is deprecated; current Docker Engine refuses to pull it by default and Docker Hub refuses pushes. Convert the image to schema 2 or OCI.',
  spec: 'docker/deprecated-schema-v1.md',
});

/** Registries should accept manifests up to this size (distribution-spec), and may refuse larger ones. */
export const MANIFEST_SIZE_LIMIT = 4 * 1024 * 1024;

export const manifestSize = rule<{ bytes: number; limit: number }>({
  code: 'oci/manifest-size',
  severity: 'warning',
  title: 'A manifest or index is larger than 4 MiB',
  description:
    'Registries should accept manifests of at least 4 MiB and may refuse larger ones (with `413 Payload Too Large`), so a manifest or index above that size may not be pushable everywhere. Split a large index into nested indexes, or move embedded `data` into blobs.',
  spec: 'distribution-spec/spec.md#pushing-manifests',
  sentence:
    "distribution-spec's Pushing Manifests: the sentences saying a registry should enforce a maximum manifest size, should answer 413 Payload Too Large above it, and that clients and registries should expect to support manifest pushes of at least 4 megabytes.",
});

/** The UTF-8 length of `text`, computed only when it may exceed `limit` (a byte is at most one code unit's worth). */
function exceedsBytes(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined; // at most 3 bytes per UTF-16 code unit
  const bytes = text.length > limit ? text.length : Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

export const structureCheck: Check = {
  id: 'structure',
  rules: [
    schemaVersion,
    mediaTypeMissing,
    mediaTypeMismatch,
    ambiguousDocument,
    artifactManifestRemoved,
    dockerSchema1Deprecated,
    manifestSize,
  ],
  reduced(ctx) {
    this.run(ctx);
  },
  run(ctx) {
    const { kind, root } = ctx;
    if (!isObject(root)) return;
    const label = KIND_LABELS[kind];

    if (kind === 'docker-schema1') {
      ctx.report(
        dockerSchema1Deprecated,
        'schemaVersion' in root ? { path: ['schemaVersion'] } : { path: [] },
        'This is a Docker schema 1 manifest, which is deprecated and no longer pulled by default by Docker Engine nor accepted by Docker Hub; convert it to Docker schema 2 or an OCI image manifest.',
      );
      return;
    }
    if (kind === 'artifact-manifest') {
      ctx.report(
        artifactManifestRemoved,
        'mediaType' in root ? { path: ['mediaType'] } : { path: [] },
        `The artifact manifest type "${MT.artifactManifest}" was removed before image-spec 1.1 and registries reject it; use an image manifest with "artifactType", the empty config ("${MT.empty}") and the blobs as "layers".`,
      );
    }

    const hasVersion = isManifestKind(kind) || isIndexKind(kind);
    if (hasVersion) {
      const bytes = exceedsBytes(ctx.text, MANIFEST_SIZE_LIMIT);
      if (bytes !== undefined) {
        ctx.report(
          manifestSize,
          { path: [] },
          `This ${label} is ${(bytes / 1048576).toFixed(1)} MiB; registries are only expected to accept manifests up to 4 MiB and may refuse larger ones with "413 Payload Too Large", so it may not be pushable everywhere.`,
          { bytes, limit: MANIFEST_SIZE_LIMIT },
        );
      }
    }
    if (hasVersion && kind !== 'artifact-manifest') {
      if (!('schemaVersion' in root)) {
        ctx.report(
          schemaVersion,
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
          schemaVersion,
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
          mustHave ? mediaTypeMismatch : mediaTypeMissing,
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
            mediaTypeMismatch,
            { path: ['mediaType'] },
            `"mediaType" is "${root.mediaType}" (${KIND_LABELS[named.kind]}), but the document is read as ${withArticle(label)}; expected "${expected}".`,
            { expected },
          );
        } else if (shape && shape !== kind && MEDIA_TYPE_OF_KIND[shape]) {
          ctx.report(
            mediaTypeMismatch,
            { path: ['mediaType'] },
            `"mediaType" says ${withArticle(label)}, but the document has the shape of ${withArticle(KIND_LABELS[shape])}; expected "${MEDIA_TYPE_OF_KIND[shape]}".`,
            { expected: MEDIA_TYPE_OF_KIND[shape] },
          );
        } else if (!named && kind !== 'artifact-manifest') {
          // A value that names no document type at all (a typo, a made-up version, a suffix): when present,
          // the field must be exactly the kind's type. A malformed value is the media-type check's syntax error.
          const verdict = classifyMediaType(root.mediaType);
          if (verdict.kind !== 'syntax') {
            const hint =
              verdict.kind === 'look-alike' && verdict.replacement === expected
                ? ` (it looks like a misspelling of it: ${verdict.why})`
                : verdict.kind === 'known'
                  ? ` ("${shorten(root.mediaType)}" is the type of other content, not of ${withArticle(label)})`
                  : '';
            ctx.report(
              mediaTypeMismatch,
              { path: ['mediaType'] },
              `"mediaType" is "${shorten(root.mediaType)}", which is not the type of any manifest or index; when present, the top-level mediaType of ${withArticle(label)} must be exactly "${expected}"${hint}.`,
              { expected },
            );
          }
        }
      }
    }

    if (isManifestKind(kind) && 'manifests' in root) {
      ctx.report(
        ambiguousDocument,
        { path: ['manifests'], on: 'key' },
        `${cap(withArticle(label))} must not contain "manifests" (only indexes have it); a document readable as both a manifest and an index is ambiguous (CVE-2021-41190). Remove "manifests".`,
        { remove: 'manifests' },
      );
    }
    if (isIndexKind(kind)) {
      for (const key of ['config', 'layers']) {
        if (key in root) {
          ctx.report(
            ambiguousDocument,
            { path: [key], on: 'key' },
            `${cap(withArticle(label))} must not contain "${key}" (only manifests have it); a document readable as both an index and a manifest is ambiguous (CVE-2021-41190). Remove "${key}".`,
            { remove: key },
          );
        }
      }
    }
  },
};

/** Inserts the top-level `mediaType` the document's kind carries, after `schemaVersion`. */
function insertMediaType(c: FixContext<Expected>): Fix | undefined {
  const kind = c.analysis.detection?.kind;
  const expected = str(c.data.expected) ?? (kind ? MEDIA_TYPE_OF_KIND[kind] : undefined);
  if (!expected || c.path.length !== 0) return undefined;
  const edit = insertTopLevel(c, 'mediaType', expected, ['schemaVersion']);
  return edit ? { title: `Add "mediaType": ${q(expected)}`, edits: [edit], preferred: true } : undefined;
}

/**
 * The removed artifact manifest → an image manifest carrying the same artifact: the image manifest type,
 * `"schemaVersion": 2`, the empty descriptor as `config`, and `blobs` renamed to `layers` (the empty
 * descriptor when there are none). `artifactType`, `subject` and `annotations` stay as they are.
 */
function convertArtifactManifest(c: FixContext): Fix | undefined {
  const root = c.root;
  const json = c.analysis.json;
  if (!isObject(root)) return undefined;
  const edits: TextEdit[] = [];
  const text = json.text;
  const unit = indentUnit(text);
  const rootSpan = json.locate([]);
  if (!rootSpan) return undefined;

  // New members go in at the top, in manifest order, as one insertion.
  const front: [string, unknown][] = [];
  if (!('schemaVersion' in root)) front.push(['schemaVersion', 2]);
  if (!('mediaType' in root)) front.push(['mediaType', MT.manifest]);
  if (!('config' in root) && !('mediaType' in root)) front.push(['config', EMPTY_DESCRIPTOR]);
  if (front.length) {
    const first = insertMember(json, [], front[0]![0], front[0]![1]);
    if (!first) return undefined;
    if (front.length > 1) {
      // Each further member reuses the first insertion's separator and indentation.
      const ws = text.slice(rootSpan.offset + 1, nextNonWs(text, rootSpan.offset + 1));
      const indent = ws.includes('\n') ? ws.slice(ws.lastIndexOf('\n') + 1) : '';
      const rest = front
        .slice(1)
        .map(
          ([k, v]) =>
            `${ws || ' '}${JSON.stringify(k)}: ${renderValue(v, indent, ws.includes('\n') ? unit : undefined)},`,
        )
        .join('');
      first.newText += rest;
    }
    edits.push(first);
  }
  if (typeof root.mediaType === 'string' || 'mediaType' in root) {
    const e = replaceValue(json, ['mediaType'], JSON.stringify(MT.manifest));
    if (e) edits.push(e);
    if (!('config' in root)) {
      const e2 = insertMember(json, [], 'config', EMPTY_DESCRIPTOR, 'mediaType');
      if (e2) edits.push(e2);
    }
  }
  const blobs = root.blobs;
  if ('blobs' in root && !('layers' in root)) {
    const key = renameKey(json, ['blobs'], 'layers');
    if (key) edits.push(key);
    if (Array.isArray(blobs) && blobs.length === 0) {
      const span = json.locate(['blobs'])!;
      edits.push({
        offset: span.offset,
        length: span.length,
        newText: renderValue([EMPTY_DESCRIPTOR], lineIndent(text, span.offset), unit),
      });
    }
  } else if (!('layers' in root)) {
    const last = Object.keys(root).pop();
    const e = last ? insertMember(json, [], 'layers', [EMPTY_DESCRIPTOR], last) : undefined;
    if (e) edits.push(e);
  }
  return edits.length
    ? { title: 'Convert to an image manifest with artifactType (image-spec 1.1)', edits, preferred: true }
    : undefined;
}

function nextNonWs(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}
