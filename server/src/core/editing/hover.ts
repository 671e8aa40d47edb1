/**
 * Hovers: Markdown for the key or value under the cursor, built from the schemas' descriptions and the
 * catalogs (never restated here). Works from a finished analysis: one `pathAt` lookup and a walk down the
 * parsed value, so a hover costs microseconds even on a 10,000-entry index. Text taken from the document (keys,
 * values, messages that quote them) reaches the Markdown only through markdown.ts (`mdCode`, `mdText`, `mdFence`).
 */
import { humanSize } from '../layout/format';
import { Buffer } from 'node:buffer';
import { EMPTY_BLOB } from '../catalog/core';
import { ANNOTATION_BY_KEY, OCI_RESERVED_PREFIX, type AnnotationFormat } from '../catalog/annotations';
import { classifyMediaType, ECOSYSTEM_LABELS, type MediaTypeInfo } from '../catalog/mediaTypes';
import { ARCH_BY_VALUE, ARCH_NEAR_MISSES, OS_BY_VALUE, OS_NEAR_MISSES } from '../catalog/platforms';
import { validateBase64 } from '../checks/data';
import { MEDIA_TYPE_OF_KIND } from '../detect';
import { DIGEST_ALGORITHMS, isRegisteredAlgorithm, validateDigest } from '../digest';
import type { Finding, Path, Span } from '../findings';
import type { Analysis } from '../index';
import { KIND_LABELS, withArticle, type DocumentKind } from '../kinds';
import { isObject, type DescriptorRole } from '../model';
import { schemaAt } from '../schemas';
import { mdCode, mdFence, mdText } from '../markdown';
import { specLink } from '../specLinks';
import { descriptorRoleAt, isPlatformObject, kindSpec, specFor } from './places';
import { isAnnotationMap, valueAt } from './text';

/** What the front end found on disk for a digest (the core reads no files). */
export interface BlobFacts {
  /** The blob's path relative to the layout root, `blobs/<alg>/<encoded>`. */
  path: string;
  exists: boolean;
  /** Its size in bytes, when it exists. */
  size?: number;
  /** Why it is not read although something is there (a phrase after the path, e.g. `is a FIFO …`). */
  problem?: string;
}

export interface HoverOptions {
  /**
   * Looks up the blob a digest names in the OCI image layout the document belongs to; undefined when the
   * document is not in a layout (or the front end has no file system).
   */
  blob?(digest: string): BlobFacts | undefined;
}

export interface HoverResult extends Span {
  /** The hover text (Markdown). */
  markdown: string;
}

const SOURCE_TEXT: Record<string, string> = {
  mediaType: 'its top-level `mediaType`',
  shape: 'its fields',
  fileName: 'its file name',
  forced: 'a setting',
};

/** The hover at `offset`, or undefined where there is nothing to say. */
export function hoverAt(
  analysis: Analysis,
  offset: number,
  options: HoverOptions = {},
): HoverResult | undefined {
  const { detection, json } = analysis;
  if (!detection) return undefined;
  const kind = detection.kind;
  const text = json.text;
  const root = json.locate([]);
  if (root && offset === root.offset && text[offset] === '{') {
    const spec = kindSpec(kind);
    const how = SOURCE_TEXT[detection.source] ?? 'its content';
    return {
      offset: root.offset,
      length: 1,
      markdown: `**${KIND_LABELS[kind]}** (\`${kind}\`): oci-manifest reads this document as such, judging by ${how}.${spec ? `\n\n${specLink(spec)}` : ''}`,
    };
  }
  const at = json.pathAt(offset);
  if (!at || at.path.length === 0) return undefined;
  const path = at.path;
  const parent = path.slice(0, -1);
  const last = path[path.length - 1]!;
  const value = valueAt(json.value, path);

  if (at.onKey) {
    const span = json.locateKey(path);
    if (!span || typeof last !== 'string') return undefined;
    let markdown: string | undefined;
    if (isAnnotationMap(kind, parent)) markdown = annotationHover(last, analysis, span);
    else {
      markdown = fieldHover(kind, path);
      if (last === 'platform' && isPlatformObject(kind, path) && isObject(value)) {
        markdown = join(markdown, platformSummary(value));
      }
    }
    return markdown ? { ...span, markdown } : undefined;
  }

  const span = json.locate(path);
  if (!span) return undefined;
  const markdown = valueHover(analysis, kind, path, parent, last, value, span, options);
  return markdown ? { ...span, markdown } : undefined;
}

function valueHover(
  analysis: Analysis,
  kind: DocumentKind,
  path: Path,
  parent: Path,
  last: string | number,
  value: unknown,
  span: Span,
  options: HoverOptions,
): string | undefined {
  // A whole object or array: only on its opening bracket, not on every blank inside it.
  if (typeof value === 'object' && value !== null) {
    if (analysis.json.text.charAt(span.offset) !== (Array.isArray(value) ? '[' : '{')) return undefined;
    const own = descriptorRoleAt(kind, path);
    if (own && typeof last === 'number' && isObject(value)) return descriptorSummary(kind, path, own, value);
    return fieldHover(kind, path);
  }
  const role = descriptorRoleAt(kind, parent);
  if (typeof value === 'string') {
    if (typeof last === 'string' && isAnnotationMap(kind, parent))
      return annotationHover(last, analysis, undefined, value);
    if (last === 'mediaType' && (role || parent.length === 0))
      return mediaTypeHover(analysis, kind, value, span, role ?? 'self', path);
    if (last === 'artifactType') return mediaTypeHover(analysis, kind, value, span, 'artifactType', path);
    if (isDigestPlace(kind, path, role)) return digestHover(analysis, value, path, options);
    if (last === 'data' && role) return dataHover(value);
    if (
      typeof last === 'string' &&
      isPlatformObject(kind, parent) &&
      (last === 'os' || last === 'architecture' || last === 'variant')
    ) {
      const platform = valueAt(analysis.json.value, parent);
      return isObject(platform) ? platformSummary(platform) : undefined;
    }
  }
  if (typeof value === 'number' && last === 'size' && role) return sizeHover(value, analysis, span);
  return fieldHover(kind, path);
}

const join = (...parts: (string | undefined)[]): string | undefined => {
  const kept = parts.filter((p): p is string => !!p);
  return kept.length ? kept.join('\n\n---\n\n') : undefined;
};

/** The findings covering exactly `span` (the analysis keeps them sorted by offset). */
function findingsAt(analysis: Analysis, span: Span): Finding[] {
  const list = analysis.findings;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.offset < span.offset) lo = mid + 1;
    else hi = mid;
  }
  const out: Finding[] = [];
  for (let i = lo; i < list.length && list[i]!.offset === span.offset; i++) {
    if (list[i]!.length === span.length) out.push(list[i]!);
  }
  return out;
}

// ---- keys ---------------------------------------------------------------------------------------------------

const TYPE_WORDS: Record<string, string> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  array: 'array',
  object: 'object',
  null: 'null',
};

/** What a schema place documents about the member or entry at `path`: type, required, description, spec. */
function fieldHover(kind: DocumentKind, path: Path): string | undefined {
  const place = schemaAt(kind, path);
  const last = path[path.length - 1];
  const parent = path.slice(0, -1);
  const name =
    typeof last === 'number' ? `${String(parent[parent.length - 1] ?? '')}[${last}]` : String(last);
  const owner = ownerLabel(kind, parent);
  if (!place) {
    const parentPlace = schemaAt(kind, parent);
    if (typeof last === 'string' && parentPlace?.hasProperties()) {
      return `**${mdCode(name)}** is not a property the specification defines for ${owner}; consumers ignore unknown properties.`;
    }
    return undefined;
  }
  const facts: string[] = [];
  const type = place.get('type');
  const types = (Array.isArray(type) ? type : type ? [type] : []).map((t) => TYPE_WORDS[t] ?? t);
  if (types.length) facts.push(types.join(' or '));
  const constant = place.get('const');
  if (constant !== undefined) facts.push(`always \`${JSON.stringify(constant)}\``);
  if (typeof last === 'string') {
    const required = schemaAt(kind, parent)?.required().has(last) ?? false;
    facts.push(`${required ? 'required' : 'optional'} in ${owner}`);
  }
  const description = place.get('markdownDescription') ?? place.get('description');
  const spec = specFor(kind, path);
  const lines = [`**${mdCode(name)}** · ${facts.join(' · ')}`];
  if (typeof description === 'string') lines.push(stripPresence(description));
  if (spec) lines.push(specLink(spec));
  return lines.join('\n\n');
}

/** The description without its leading "Required." / "Optional." (the first line says it already). */
function stripPresence(md: string): string {
  return md.replace(/^(\*\*Required\.\*\*|\*Optional\.\*|Required\.|Optional\.)\s+/, '');
}

/** "an OCI image manifest", "a descriptor", "a platform"… for the object at `objectPath`. */
function ownerLabel(kind: DocumentKind, objectPath: Path): string {
  if (objectPath.length === 0) return withArticle(KIND_LABELS[kind]);
  if (descriptorRoleAt(kind, objectPath)) return 'a descriptor';
  if (isPlatformObject(kind, objectPath)) return 'a platform';
  const last = objectPath[objectPath.length - 1];
  return typeof last === 'number'
    ? `an entry of ${mdCode(String(objectPath[objectPath.length - 2]))}`
    : mdCode(String(last));
}

const DESCRIPTOR_NOUN: Record<DescriptorRole, string> = {
  config: 'the config descriptor',
  layer: 'a layer descriptor',
  manifest: 'an index entry (a manifest descriptor)',
  subject: 'the subject descriptor',
  blob: 'a blob descriptor',
  self: 'a descriptor',
};

/** An entry of `layers`, `manifests` or `blobs`: what it points at, in one line. */
function descriptorSummary(
  kind: DocumentKind,
  path: Path,
  role: DescriptorRole,
  d: Record<string, unknown>,
): string {
  const name = `${String(path[path.length - 2])}[${String(path[path.length - 1])}]`;
  const facts: string[] = [];
  if (typeof d.mediaType === 'string') facts.push(mdCode(d.mediaType));
  if (typeof d.size === 'number') facts.push(bytesText(d.size));
  if (isObject(d.platform)) {
    const p = d.platform;
    const platform = [p.os, p.architecture, p.variant]
      .filter((x) => typeof x === 'string' && x !== '')
      .join('/');
    if (platform) facts.push(`platform ${mdCode(platform)}`);
  }
  const lines = [`**${mdCode(name)}** · ${DESCRIPTOR_NOUN[role]}`];
  if (facts.length) lines.push(facts.join(' · '));
  const spec =
    kind === 'docker-manifest' || kind === 'docker-manifest-list'
      ? kindSpec(kind)
      : 'image-spec/descriptor.md#properties';
  if (spec) lines.push(specLink(spec));
  return lines.join('\n\n');
}

// ---- media types -----------------------------------------------------------------------------------------

const ROLE_PHRASE: Record<DescriptorRole | 'artifactType', string> = {
  config: 'the type of a config blob',
  layer: 'the type of a layer',
  manifest: 'the type of an index entry (a manifest or an index)',
  subject: 'the type of the manifest this one refers to',
  blob: 'the type of an artifact blob',
  self: "this document's own type",
  artifactType: 'an artifact type',
};

/** Codes that say a media type does not fit its place. */
const MISFIT_CODES = new Set([
  'oci/media-type-position',
  'oci/media-type-mixed',
  'oci/media-type-mismatch',
  'docker/oci-layer-type',
  'docker/config-media-type',
  'docker/config-legacy-type',
  'oci/index-entry-type',
  'oci/subject-not-manifest',
  'oci/artifact-config-type',
  'oci/layout-index-kind',
]);

function mediaTypeHover(
  analysis: Analysis,
  kind: DocumentKind,
  value: string,
  span: Span,
  role: DescriptorRole | 'artifactType',
  path: Path,
): string {
  const verdict = classifyMediaType(value);
  const lines: string[] = [];
  if (verdict.kind === 'known') lines.push(...describeType(verdict.info));
  else {
    lines.push(`**${mdCode(value)}**`);
    if (verdict.kind === 'look-alike')
      lines.push(`Looks like a misspelling of ${mdCode(verdict.replacement)}: ${mdText(verdict.why)}.`);
    else if (verdict.kind === 'syntax')
      lines.push(
        `Not a well-formed media type: it ${mdText(verdict.problem)}.${verdict.replacement ? ` Perhaps ${mdCode(verdict.replacement)}.` : ''}`,
      );
    else
      lines.push(
        'Not a type oci-manifest knows. Unknown types are allowed; check that it is spelled as its tool expects.',
      );
  }
  const misfit = findingsAt(analysis, span).find((f) => MISFIT_CODES.has(f.code));
  if (misfit) lines.push(`**Here:** ✗ does not fit ${ROLE_PHRASE[role]} (\`${misfit.code}\`).`);
  else if (
    role === 'self' &&
    path.length === 1 &&
    MEDIA_TYPE_OF_KIND[kind] &&
    value === MEDIA_TYPE_OF_KIND[kind]
  )
    lines.push(`**Here:** ✓ names this document as ${withArticle(KIND_LABELS[kind])}.`);
  else if (verdict.kind === 'known') lines.push(`**Here:** ✓ fits as ${ROLE_PHRASE[role]}.`);
  return lines.join('\n\n');
}

function describeType(info: MediaTypeInfo): string[] {
  const lines = [`**\`${info.type}\`**`, info.description];
  const facts: string[] = [`**Used by:** ${ECOSYSTEM_LABELS[info.ecosystem]}`];
  if (info.deprecated)
    facts.push(`**Deprecated:** ${info.deprecated.why}; use \`${info.deprecated.replacement}\`.`);
  if (info.equivalent)
    facts.push(`**${info.format === 'docker' ? 'OCI' : 'Docker'} equivalent:** \`${info.equivalent}\``);
  if (info.nonStandard) facts.push(`**Not standardised:** ${info.nonStandard}`);
  facts.push(
    `**Defined in:** ${/^[a-z-]+-spec\/|^docker\//.test(info.source) ? specLink(info.source) : info.source}`,
  );
  lines.push(facts.map((f) => `- ${f}`).join('\n'));
  return lines;
}

// ---- digests -------------------------------------------------------------------------------------------------

const ZERO_BYTES_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function isDigestPlace(kind: DocumentKind, path: Path, role: DescriptorRole | undefined): boolean {
  const last = path[path.length - 1];
  if (last === 'digest' && role) return true;
  if (path.length === 3 && path[0] === 'rootfs' && path[1] === 'diff_ids')
    return kind === 'image-config' || kind === 'docker-config';
  if (last === 'blobSum') return kind === 'docker-schema1';
  const parent = path.slice(0, -1);
  return (
    typeof last === 'string' &&
    isAnnotationMap(kind, parent) &&
    ANNOTATION_BY_KEY.get(last)?.format === 'digest'
  );
}

function digestHover(analysis: Analysis, value: string, path: Path, options: HoverOptions): string {
  const verdict = validateDigest(value);
  const lines: string[] = [];
  if (verdict.ok) {
    const { algorithm, encoded } = verdict;
    const registered = isRegisteredAlgorithm(algorithm) ? DIGEST_ALGORITHMS[algorithm] : undefined;
    lines.push(
      `**Digest** · ${registered ? `${registered.name} (${mdCode(algorithm)})` : `${mdCode(algorithm)} (not a registered algorithm)`} · ${encoded.length} ${registered ? 'hex characters' : 'characters'} · ✓ well-formed`,
    );
  } else {
    const colon = value.indexOf(':');
    const algorithm = colon > 0 ? value.slice(0, colon) : undefined;
    lines.push(
      `**Digest**${algorithm ? ` · ${mdCode(algorithm)}` : ''} · ${colon >= 0 ? value.length - colon - 1 : value.length} characters · ✗ malformed: it ${mdText(verdict.explanation)}.`,
    );
  }
  if (value === EMPTY_BLOB.digest)
    lines.push('The digest of the empty blob `{}` (2 bytes): the **empty descriptor**.');
  else if (value === ZERO_BYTES_SHA256) lines.push('The SHA-256 of **zero bytes** (an empty file).');
  const blob = verdict.ok ? options.blob?.(value) : undefined;
  if (blob) {
    if (blob.exists) {
      const declared = valueAt(analysis.json.value, [...path.slice(0, -1), 'size']);
      const size = blob.size !== undefined ? `${bytesText(blob.size)}` : 'size unknown';
      let check = '';
      if (typeof declared === 'number' && blob.size !== undefined && path[path.length - 1] === 'digest')
        check =
          declared === blob.size ? ' · ✓ matches `size`' : ` · ✗ \`size\` says ${groupDigits(declared)}`;
      lines.push(`**In this layout:** ${mdCode(blob.path)} exists, ${size}${check}.`);
    } else if (blob.problem) lines.push(`**In this layout:** ${mdCode(blob.path)} ${mdText(blob.problem)}.`);
    else lines.push(`**In this layout:** ${mdCode(blob.path)} is missing.`);
  }
  lines.push(specLink('image-spec/descriptor.md#digests'));
  return lines.join('\n\n');
}

// ---- sizes and data ----------------------------------------------------------------------------------------

/** 32654 → "32,654". */
export function groupDigits(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/** "32,654 bytes (31.9 KiB)", "2 bytes", "1 byte". */
export function bytesText(n: number): string {
  const plain = `${groupDigits(n)} byte${n === 1 ? '' : 's'}`;
  if (!Number.isFinite(n) || Math.abs(n) < 1024) return plain;
  return `${plain} (${humanSize(Math.abs(n))})`;
}

function sizeHover(value: number, analysis: Analysis, span: Span): string {
  const raw = analysis.json.text.slice(span.offset, span.offset + span.length);
  const lines = [`**Size:** ${bytesText(value)}`];
  if (!Number.isSafeInteger(value) || raw !== String(value))
    lines.push(`Written as ${mdCode(raw)}; sizes are plain non-negative integers.`);
  return lines.join('\n\n');
}

const PRINTABLE = /^[\t\n\r\u0020-\u007e\u00a0-\uffff]*$/;
const SHOWN_TEXT = 1024;

function dataHover(value: string): string {
  const verdict = validateBase64(value);
  const lines: string[] = [];
  if (!verdict.ok) {
    lines.push(`**Embedded data** · ✗ not standard base64: ${mdText(verdict.explanation)}.`);
    return lines.join('\n\n');
  }
  const bytes = Buffer.from(value, 'base64');
  lines.push(
    `**Embedded data** · ${bytesText(verdict.byteLength)} decoded from ${groupDigits(value.length)} base64 characters`,
  );
  if (bytes.length > 0 && bytes.length <= SHOWN_TEXT) {
    let decoded: string | undefined;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      decoded = undefined;
    }
    if (decoded !== undefined && PRINTABLE.test(decoded))
      lines.push(`Decoded text:\n\n${mdFence(decoded, 'text')}`);
    else lines.push('Binary content.');
  }
  if (value === EMPTY_BLOB.data) lines.push('This is the content of the empty descriptor.');
  lines.push(specLink('image-spec/descriptor.md#embedded-content'));
  return lines.join('\n\n');
}

// ---- platforms ---------------------------------------------------------------------------------------------

/** The platform string (`linux/arm64/v8`) and what each value means. */
function platformSummary(p: Record<string, unknown>): string | undefined {
  const os = typeof p.os === 'string' ? p.os : undefined;
  const arch = typeof p.architecture === 'string' ? p.architecture : undefined;
  const variant = typeof p.variant === 'string' && p.variant !== '' ? p.variant : undefined;
  if (os === undefined && arch === undefined) return undefined;
  const name = [os ?? '?', arch ?? '?', ...(variant ? [variant] : [])].join('/');
  const lines = [`**Platform** ${mdCode(name)}`];
  const items: string[] = [];
  if (os !== undefined) {
    const near = OS_NEAR_MISSES[os.toLowerCase()];
    const info = OS_BY_VALUE.get(os);
    items.push(
      `- \`os\` **${mdText(os)}**: ${info ? info.description : near ? `not a Go GOOS name; write \`${near.replacement}\`.` : 'not a Go GOOS value oci-manifest knows.'}`,
    );
  }
  if (arch !== undefined) {
    const near = ARCH_NEAR_MISSES[arch.toLowerCase()];
    const info = ARCH_BY_VALUE.get(arch);
    items.push(
      `- \`architecture\` **${mdText(arch)}**: ${
        info
          ? info.description
          : near
            ? `not a Go GOARCH name; write \`${near.replacement}\`${near.variant ? ` with \`variant\` \`${near.variant}\`` : ''}.`
            : 'not a Go GOARCH value oci-manifest knows.'
      }`,
    );
  }
  const archInfo = arch !== undefined ? ARCH_BY_VALUE.get(arch) : undefined;
  if (variant !== undefined) {
    const v = archInfo?.variants.find((x) => x.value === variant);
    items.push(
      `- \`variant\` **${mdText(variant)}**: ${v ? v.description : archInfo ? `not a known variant of ${mdCode(arch!)}.` : 'a CPU variant.'}`,
    );
  } else if (archInfo && archInfo.variants.length > 0 && arch === 'arm') {
    items.push('- no `variant`: clients assume `v7`.');
  }
  if (typeof p['os.version'] === 'string') items.push(`- \`os.version\` **${mdText(p['os.version'])}**`);
  if (Array.isArray(p['os.features']))
    items.push(`- \`os.features\` ${p['os.features'].map((f) => mdCode(String(f))).join(', ')}`);
  lines.push(items.join('\n'));
  return lines.join('\n\n');
}

// ---- annotations -------------------------------------------------------------------------------------------

const FORMAT_TEXT: Record<AnnotationFormat, string> = {
  'date-time': 'an RFC 3339 date-time, e.g. `2024-05-01T12:00:00Z`',
  url: 'a URL',
  'ref-name': 'a reference name, usually a tag such as `v1.2.3` or `latest`',
  digest: 'a digest, e.g. `sha256:` followed by 64 lowercase hex characters',
  'spdx-expression': 'an SPDX license expression, e.g. `Apache-2.0` or `MIT OR Apache-2.0`',
  'image-reference': 'a fully qualified image reference, e.g. `registry.example.com/org/image:1.2`',
  text: 'free text',
};

function annotationHover(key: string, analysis: Analysis, keySpan?: Span, value?: string): string {
  const info = ANNOTATION_BY_KEY.get(key);
  const lines: string[] = [];
  if (info) {
    const predefined = info.spec === 'image-spec/annotations.md#pre-defined-annotation-keys';
    lines.push(
      `**${mdCode(key)}** · ${predefined ? 'pre-defined OCI annotation' : info.spec ? 'OCI annotation' : 'annotation'}`,
    );
    lines.push(info.description);
    const facts = [`**Value:** ${FORMAT_TEXT[info.format]}`];
    if (info.labelSchema) facts.push(`**Supersedes:** \`org.label-schema.${info.labelSchema}\``);
    lines.push(facts.map((f) => `- ${f}`).join('\n'));
    if (info.spec) lines.push(specLink(info.spec));
  } else {
    lines.push(`**${mdCode(key)}** · annotation`);
    const flagged = keySpan
      ? findingsAt(analysis, keySpan).filter((f) => f.code.startsWith('oci/annotation'))
      : [];
    if (flagged.length) lines.push(flagged.map((f) => `✗ ${mdText(f.message)}`).join('\n\n'));
    else if (key.toLowerCase().startsWith(OCI_RESERVED_PREFIX))
      lines.push(
        'Uses the reserved `org.opencontainers.` prefix but is not a key an OCI specification defines.',
      );
    else
      lines.push('A custom key; annotation values are strings, and consumers ignore keys they do not know.');
  }
  if (value !== undefined && value === '')
    lines.push('The value is empty, which the spec allows for any key.');
  return lines.join('\n\n');
}
