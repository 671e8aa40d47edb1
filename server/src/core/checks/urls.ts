import type { Check } from '../check';
import { replacementFix, type Replacement } from '../editing/fixKit';
import { formatPath, shorten } from '../findings';
import { rule } from '../rule';
import { uriProblem, uriScheme } from '../uri';

/**
 * A descriptor's `urls` (image-spec/descriptor.md): each entry an RFC 3986 URI, preferably http or https; and
 * the note that the distribution registry refuses manifests with `urls` unless it is configured to allow them.
 * Entries that are not strings are the schema check's.
 */

export const urlSyntax = rule<Partial<Replacement>>({
  code: 'oci/url-syntax',
  severity: 'error',
  title: 'An entry of `urls` is not an RFC 3986 URI',
  description:
    "Each entry of a descriptor's `urls` must be a URI as RFC 3986 defines it: a scheme, then (for a host) `//` and the authority, a path, an optional query and fragment, with every other character percent-encoded. Whitespace, a missing scheme, a bare `%` or a raw non-ASCII character make the entry unusable; the fix encodes or completes it when the intent is certain.",
  spec: 'image-spec/descriptor.md#properties',
  sentence: 'descriptor.md, `urls`: the sentence saying each entry must conform to RFC 3986.',
  fix: replacementFix('Change the URL to'),
});

export const urlScheme = rule({
  code: 'oci/url-scheme',
  severity: 'warning',
  title: 'An entry of `urls` uses a scheme other than http or https',
  description:
    "Clients download a descriptor's content from its `urls` over HTTP; other schemes (`ftp:`, `s3:`, `file:`, `oci:`…) are not understood by pullers, and a `file:` URL points at the pulling machine itself.",
  spec: 'image-spec/descriptor.md#properties',
  sentence:
    'descriptor.md, `urls`: the sentence saying entries should use the http and https schemes of RFC 7230.',
});

export const urlsRegistry = rule({
  code: 'oci/urls-registry',
  severity: 'info',
  title: 'A registry running distribution refuses `urls` unless configured to allow them',
  description:
    "The distribution registry (Docker's open-source registry, and the registries built on it) has, since version 2.7, refused manifests whose descriptors carry `urls` (foreign layers included) unless its `validation.manifests.urls.allow` setting lists them. The manifest is valid; this note says where it may not be pushable.",
  spec: 'image-spec/descriptor.md#properties',
  sentence:
    'descriptor.md, `urls`: the sentence making `urls` optional (content MAY be downloaded from them); the note is about a registry implementation, not a requirement of the specification.',
});

export const urlsCheck: Check = {
  id: 'urls',
  rules: [urlSyntax, urlScheme, urlsRegistry],
  run(ctx) {
    for (const d of ctx.descriptors) {
      const urls = d.value.urls;
      // The common case: no urls at all.
      if (urls === undefined || !Array.isArray(urls) || urls.length === 0) continue;
      ctx.report(
        urlsRegistry,
        { path: [...d.path, 'urls'], on: 'key' },
        `${formatPath([...d.path, 'urls'])} lists download locations; the manifest is valid, but a registry running distribution (Docker's registry) refuses manifests with "urls" unless it is configured to allow them.`,
      );
      urls.forEach((u, i) => {
        if (typeof u !== 'string') return;
        const path = [...d.path, 'urls', i];
        const problem = uriProblem(u);
        if (problem) {
          ctx.report(
            urlSyntax,
            { path },
            `${formatPath(path)} ${JSON.stringify(shorten(u))} ${problem.says}; each entry of "urls" must be an RFC 3986 URI.`,
            problem.replacement !== undefined ? { replacement: problem.replacement } : undefined,
          );
          return;
        }
        const scheme = uriScheme(u);
        if (scheme !== 'http' && scheme !== 'https') {
          ctx.report(
            urlScheme,
            { path },
            `${formatPath(path)} uses the "${scheme}:" scheme; "urls" entries should be http or https URLs, which is what clients download from.`,
          );
        }
      });
    }
  },
};
