/**
 * Where the reference texts are published, so that a spec reference such as `image-spec/descriptor.md#digests`
 * (the form rules, catalogs and hovers use) becomes a link. Shared by the CLI's rule table and the hovers.
 */
const SPEC_SITES: readonly [prefix: string, base: string][] = [
  ['image-spec/', 'https://github.com/opencontainers/image-spec/blob/main/'],
  ['distribution-spec/', 'https://github.com/opencontainers/distribution-spec/blob/main/'],
  ['docker/', 'https://github.com/distribution/distribution/blob/main/docs/content/spec/'],
];

/** The public URL of a spec reference such as `image-spec/descriptor.md#digests`, when known. */
export function specUrl(spec: string): string | undefined {
  for (const [prefix, base] of SPEC_SITES)
    if (spec.startsWith(prefix)) return base + spec.slice(prefix.length);
  return undefined;
}

/** A Markdown link to a spec reference, labelled with the reference itself; plain code when it has no URL. */
export function specLink(spec: string): string {
  const url = specUrl(spec);
  return url ? `[${spec}](${url})` : `\`${spec}\``;
}
