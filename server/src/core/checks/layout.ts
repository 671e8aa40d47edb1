import type { Check } from '../check';
import { MT } from '../catalog/core';
import { isLayoutIndex } from '../detect';
import { shorten } from '../findings';
import { KIND_LABELS, withArticle } from '../kinds';
import { expectedFix, q, setValue, str, type Expected } from '../editing/fixKit';
import { isIndexKind, isObject } from '../model';
import { rule } from '../rule';

/**
 * The image layout (image-spec/image-layout.md): the `oci-layout` file's version, and what the layout
 * asks of its `index.json` beyond being an image index. Whether a document is a layout's `index.json`
 * comes from its origin (file name and an `oci-layout` file beside it), which only the front end knows.
 */

const SPEC = 'image-spec/image-layout.md';
const LAYOUT_VERSION = '1.0.0';
const REF_NAME = 'org.opencontainers.image.ref.name';

export { isLayoutIndex };

/** A key that tells two entries with the same ref name apart by platform. */
function platformKey(platform: unknown): string {
  if (!isObject(platform)) return '';
  const part = (v: unknown): string => (typeof v === 'string' ? v : '');
  return `${part(platform.os)}/${part(platform.architecture)}/${part(platform.variant)}/${part(platform['os.version'])}`;
}

export const layoutVersion = rule<Expected>({
  code: 'oci/layout-version',
  severity: 'error',
  title: '`imageLayoutVersion` is not `1.0.0`',
  description:
    'The `oci-layout` file marks the base of an image layout and pins the layout version. The only layout version defined is `1.0.0`; tools refuse layouts with a version they do not know.',
  spec: `${SPEC}#oci-layout-file`,
  fix: expectedFix((e) => `Set the version to ${q(e)}`),
});

export const layoutIndexKind = rule<Expected>({
  code: 'oci/layout-index-kind',
  severity: 'error',
  title: "A layout's `index.json` is not an image index",
  description:
    "The `index.json` at the base of an image layout is its entry point and must be an image index (with `manifests`), not an image manifest or another document. It is read as an image index by its place: without a top-level `mediaType`, and with Docker manifests among its entries (as skopeo and go-containerregistry write it), it is one; only a top-level `mediaType` or a manifest's shape naming another kind is reported.",
  spec: `${SPEC}#content`,
  sentence:
    "image-layout.md, Content: the sentence saying the `index.json` file must be an image index JSON object (and the section on `index.json`, which calls it the layout's entry point).",
  fix: (c) => {
    const e = str(c.data.expected);
    return e && c.path.length === 1 ? setValue(c, e, `Change the media type to ${q(e)}`, false) : undefined;
  },
});

export const layoutDuplicateRefName = rule<{ first: number }>({
  code: 'oci/layout-duplicate-ref-name',
  severity: 'info',
  title: "Two entries of a layout's `index.json` have the same ref name and platform",
  description:
    'The `org.opencontainers.image.ref.name` annotation names a reference (often a tag) in the layout. The specification puts no restriction on it, but when two entries share a name and a platform, tools that resolve the name silently take the first one.',
  spec: `${SPEC}#indexjson-file`,
});

export const layoutCheck: Check = {
  id: 'layout',
  rules: [layoutVersion, layoutIndexKind, layoutDuplicateRefName],
  run(ctx) {
    const { root, kind } = ctx;

    if (kind === 'layout-header') {
      if (
        isObject(root) &&
        typeof root.imageLayoutVersion === 'string' &&
        root.imageLayoutVersion !== LAYOUT_VERSION
      ) {
        ctx.report(
          layoutVersion,
          { path: ['imageLayoutVersion'] },
          `"imageLayoutVersion" is "${shorten(root.imageLayoutVersion)}"; the only image layout version defined is "${LAYOUT_VERSION}".`,
          { expected: LAYOUT_VERSION },
        );
      }
      return;
    }

    if (!isLayoutIndex(ctx.origin)) return;

    // A Docker manifest list is an index in all but media type; only an explicit Docker type is wrong here.
    const dockerList = kind === 'docker-manifest-list' && isObject(root) && root.mediaType === MT.dockerList;
    if (!isIndexKind(kind) || dockerList) {
      const mt = isObject(root) && typeof root.mediaType === 'string';
      ctx.report(
        layoutIndexKind,
        mt ? { path: ['mediaType'] } : { path: [] },
        `This index.json sits beside an oci-layout file, so it must be an OCI image index ("${MT.index}"), but it reads as ${withArticle(KIND_LABELS[kind])}.`,
        { expected: MT.index },
      );
      return;
    }

    if (!isObject(root) || !Array.isArray(root.manifests)) return;
    const seen = new Map<string, number>();
    root.manifests.forEach((d, i) => {
      if (!isObject(d) || !isObject(d.annotations)) return;
      const name = d.annotations[REF_NAME];
      if (typeof name !== 'string') return;
      const key = `${name}\u0000${platformKey(d.platform)}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, i);
        return;
      }
      ctx.report(
        layoutDuplicateRefName,
        { path: ['manifests', i, 'annotations', REF_NAME] },
        `Ref name "${shorten(name)}" at manifests[${i}] is already used by manifests[${first}]${isObject(d.platform) ? ' for the same platform' : ''}; tools that look the name up take the first entry, so this one is unreachable by name.`,
        { first },
      );
    });
  },
};
