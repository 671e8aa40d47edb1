/**
 * Snippets for writing documents by hand: whole documents (image manifest, image index, artifact manifest,
 * Docker manifest and manifest list), descriptors for each place, the empty descriptor and a platform block.
 * Bodies use the LSP snippet syntax (`$1`, `${1:default}`, `${1|a,b|}`) and tabs for indentation, which
 * editors turn into the document's own indentation; `snippetToPlain` serves clients without snippets.
 */
import { EMPTY_BLOB, MT } from '../catalog/core';
import type { DocumentKind } from '../kinds';

/** Where a descriptor sits; decides the media type it starts with. */
export type SnippetRole = 'config' | 'layer' | 'manifest' | 'subject' | 'blob';

export interface Snippet {
  /** Stable id, for tests and for choosing a default. */
  id: string;
  label: string;
  /** One line for the completion list. */
  detail: string;
  /** Markdown shown next to the completion. */
  documentation: string;
  /** The snippet body (LSP snippet syntax, tabs, `\n`). */
  body: string;
}

/** Indents every line after the first by `levels` tabs (for nesting one snippet body in another). */
export function nest(body: string, levels: number): string {
  return body.replace(/\n/g, `\n${'\t'.repeat(levels)}`);
}

/** Escapes text for a snippet body (`$`, `}` and `\` are special there). */
export function escapeSnippet(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}

const ARCH_CHOICES = 'amd64,arm64,arm,ppc64le,s390x,riscv64,386';
const OS_CHOICES = 'linux,windows';

/** The media type a new descriptor in `role` starts with. */
function typeFor(role: SnippetRole, docker: boolean): string {
  switch (role) {
    case 'config':
      return docker ? MT.dockerConfig : MT.config;
    case 'layer':
    case 'blob':
      return docker ? MT.dockerLayer : MT.layerGzip;
    default:
      return docker ? MT.dockerManifest : MT.manifest;
  }
}

/**
 * A descriptor body for `role`, tab stops numbered from `first`. Index entries (`manifest`) get a platform
 * when `withPlatform` is set.
 */
export function descriptorBody(role: SnippetRole, docker: boolean, first = 1, withPlatform = false): string {
  const n = first;
  const lines = [
    `\t"mediaType": "\${${n}:${escapeSnippet(typeFor(role, docker))}}",`,
    `\t"digest": "sha256:\${${n + 1}}",`,
    `\t"size": \${${n + 2}:0}${withPlatform ? ',' : ''}`,
  ];
  if (withPlatform) lines.push(`\t"platform": ${nest(platformBody(n + 3), 1)}`);
  return `{\n${lines.join('\n')}\n}`;
}

/** A platform object, tab stops from `first`. */
export function platformBody(first = 1): string {
  return `{\n\t"architecture": "\${${first}|${ARCH_CHOICES}|}",\n\t"os": "\${${first + 1}|${OS_CHOICES}|}"\n}`;
}

/** The empty descriptor (the two-byte blob `{}`), complete: nothing to fill in. */
export function emptyDescriptorBody(): string {
  return `{\n\t"mediaType": "${MT.empty}",\n\t"digest": "${EMPTY_BLOB.digest}",\n\t"size": ${EMPTY_BLOB.size}\n}`;
}

/** The empty descriptor as a value, for edits. */
export const EMPTY_DESCRIPTOR = {
  mediaType: MT.empty,
  digest: EMPTY_BLOB.digest,
  size: EMPTY_BLOB.size,
} as const;

const ociManifest: Snippet = {
  id: 'image-manifest',
  label: 'OCI image manifest',
  detail: 'A new OCI image manifest: config and one layer',
  documentation: `An image manifest (\`${MT.manifest}\`) with an image config and one gzip layer; fill in the digests and sizes.`,
  body: [
    '{',
    '\t"schemaVersion": 2,',
    `\t"mediaType": "${MT.manifest}",`,
    `\t"config": ${nest(descriptorBody('config', false, 1), 1)},`,
    `\t"layers": [\n\t\t${nest(descriptorBody('layer', false, 4), 2)}\n\t]$0`,
    '}',
  ].join('\n'),
};

const ociIndex: Snippet = {
  id: 'image-index',
  label: 'OCI image index (multi-architecture)',
  detail: 'A new OCI image index with an amd64 and an arm64 image',
  documentation: `An image index (\`${MT.index}\`) listing one image manifest per platform.`,
  body: [
    '{',
    '\t"schemaVersion": 2,',
    `\t"mediaType": "${MT.index}",`,
    '\t"manifests": [',
    '\t\t{',
    `\t\t\t"mediaType": "${MT.manifest}",`,
    '\t\t\t"digest": "sha256:$1",',
    '\t\t\t"size": ${2:0},',
    '\t\t\t"platform": { "architecture": "amd64", "os": "linux" }',
    '\t\t},',
    '\t\t{',
    `\t\t\t"mediaType": "${MT.manifest}",`,
    '\t\t\t"digest": "sha256:$3",',
    '\t\t\t"size": ${4:0},',
    '\t\t\t"platform": { "architecture": "arm64", "os": "linux", "variant": "v8" }',
    '\t\t}',
    '\t]$0',
    '}',
  ].join('\n'),
};

const artifactManifest: Snippet = {
  id: 'artifact',
  label: 'OCI artifact (image manifest with artifactType)',
  detail: 'A new artifact: artifactType, the empty config and one layer',
  documentation:
    'An artifact packaged the image-spec 1.1 way: an image manifest with `artifactType`, the empty descriptor as its config, and the artifact content as a layer. Add `subject` to attach it to another image.',
  body: [
    '{',
    '\t"schemaVersion": 2,',
    `\t"mediaType": "${MT.manifest}",`,
    '\t"artifactType": "${1:application/vnd.example+json}",',
    `\t"config": ${nest(emptyDescriptorBody(), 1)},`,
    '\t"layers": [',
    '\t\t{',
    '\t\t\t"mediaType": "${2:application/vnd.example.content.v1+json}",',
    '\t\t\t"digest": "sha256:$3",',
    '\t\t\t"size": ${4:0}',
    '\t\t}',
    '\t]$0',
    '}',
  ].join('\n'),
};

const dockerManifest: Snippet = {
  id: 'docker-manifest',
  label: 'Docker image manifest (schema 2)',
  detail: 'A new Docker schema 2 manifest: config and one layer',
  documentation: `A Docker image manifest (\`${MT.dockerManifest}\`) with its container config and one layer.`,
  body: [
    '{',
    '\t"schemaVersion": 2,',
    `\t"mediaType": "${MT.dockerManifest}",`,
    `\t"config": ${nest(descriptorBody('config', true, 1), 1)},`,
    `\t"layers": [\n\t\t${nest(descriptorBody('layer', true, 4), 2)}\n\t]$0`,
    '}',
  ].join('\n'),
};

const dockerList: Snippet = {
  id: 'docker-manifest-list',
  label: 'Docker manifest list (multi-architecture)',
  detail: 'A new Docker manifest list with an amd64 and an arm64 image',
  documentation: `A Docker manifest list (\`${MT.dockerList}\`): one Docker manifest per platform; every entry needs \`platform\`.`,
  body: [
    '{',
    '\t"schemaVersion": 2,',
    `\t"mediaType": "${MT.dockerList}",`,
    '\t"manifests": [',
    '\t\t{',
    `\t\t\t"mediaType": "${MT.dockerManifest}",`,
    '\t\t\t"digest": "sha256:$1",',
    '\t\t\t"size": ${2:0},',
    '\t\t\t"platform": { "architecture": "amd64", "os": "linux" }',
    '\t\t},',
    '\t\t{',
    `\t\t\t"mediaType": "${MT.dockerManifest}",`,
    '\t\t\t"digest": "sha256:$3",',
    '\t\t\t"size": ${4:0},',
    '\t\t\t"platform": { "architecture": "arm64", "os": "linux", "variant": "v8" }',
    '\t\t}',
    '\t]$0',
    '}',
  ].join('\n'),
};

/** The whole-document snippets, in the order completions list them. */
export const DOCUMENT_SNIPPETS: readonly Snippet[] = [
  ociManifest,
  ociIndex,
  artifactManifest,
  dockerList,
  dockerManifest,
];

/** The document snippet that fits a kind best (first in the list for that kind). */
export function documentSnippetFor(kind: DocumentKind | undefined): Snippet | undefined {
  switch (kind) {
    case 'image-manifest':
      return ociManifest;
    case 'image-index':
      return ociIndex;
    case 'artifact-manifest':
      return artifactManifest;
    case 'docker-manifest':
      return dockerManifest;
    case 'docker-manifest-list':
      return dockerList;
    default:
      return undefined;
  }
}

/** A descriptor snippet for `role`. */
export function descriptorSnippet(role: SnippetRole, docker: boolean): Snippet {
  const withPlatform = role === 'manifest';
  const what = {
    config: 'config',
    layer: 'layer',
    manifest: 'manifest (with platform)',
    subject: 'subject',
    blob: 'blob',
  }[role];
  return {
    id: `descriptor-${role}`,
    label: `${docker ? 'Docker' : 'OCI'} ${what} descriptor`,
    detail: `A descriptor: mediaType, digest and size${withPlatform ? ', platform' : ''}`,
    documentation: `A content descriptor pointing at a ${role === 'subject' ? 'manifest this one refers to' : role === 'manifest' ? 'platform-specific manifest' : `${role} blob`}, starting as \`${typeFor(role, docker)}\`.`,
    body: descriptorBody(role, docker, 1, withPlatform),
  };
}

/** The empty descriptor snippet. */
export const EMPTY_DESCRIPTOR_SNIPPET: Snippet = {
  id: 'empty-descriptor',
  label: 'Empty descriptor',
  detail: `${MT.empty}, size ${EMPTY_BLOB.size}`,
  documentation:
    'The empty descriptor: the two-byte blob `{}` with its fixed digest. An artifact without a config uses it as `config`; one without content uses it as its single layer.',
  body: emptyDescriptorBody(),
};

/** The platform block snippet. */
export const PLATFORM_SNIPPET: Snippet = {
  id: 'platform',
  label: 'Platform',
  detail: 'architecture and os',
  documentation:
    'The platform an image runs on: a Go `GOARCH` architecture and `GOOS` operating system (add `variant` for ARM).',
  body: platformBody(1),
};

/**
 * A snippet body as plain text for clients without snippet support: placeholders keep their default (a
 * choice its first option), empty tab stops vanish, escapes are undone.
 */
export function snippetToPlain(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length && '\\$}'.includes(body[i + 1]!)) {
      out += body[++i];
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = body.slice(i);
    const simple = /^\$(\d+)/.exec(rest) ?? /^\$\{(\d+)\}/.exec(rest);
    if (simple) {
      i += simple[0].length - 1;
      continue;
    }
    const choice = /^\$\{\d+\|([^,|]*)(?:,[^|]*)?\|\}/.exec(rest);
    if (choice) {
      out += choice[1];
      i += choice[0].length - 1;
      continue;
    }
    const placeholder = /^\$\{\d+:((?:\\.|[^\\}])*)\}/.exec(rest);
    if (placeholder) {
      out += placeholder[1]!.replace(/\\(.)/g, '$1');
      i += placeholder[0].length - 1;
      continue;
    }
    out += c;
  }
  return out;
}
