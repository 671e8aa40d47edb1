/**
 * Completions: property names for the object at the cursor (from the kind's schema, required ones first,
 * with a value placeholder of the right type), values by position (media types that fit the place, platform
 * values, schema constants), annotation keys, and snippets (whole documents, descriptors, the empty
 * descriptor, a platform). Works from a finished analysis plus a look at the few characters around the
 * cursor, so that half-typed text (an unclosed string, a key without its colon) still gets answers.
 */
import { MT, EMPTY_BLOB } from '../catalog/core';
import { PREDEFINED_ANNOTATIONS, OTHER_OCI_ANNOTATIONS, ECOSYSTEM_ANNOTATIONS } from '../catalog/annotations';
import {
  DOCKER_CONFIG_TYPES,
  ECOSYSTEM_LABELS,
  MEDIA_TYPES,
  type MediaTypeInfo,
} from '../catalog/mediaTypes';
import {
  ARCH_BY_VALUE,
  ARCH_NEAR_MISSES,
  ARCHITECTURES,
  OPERATING_SYSTEMS,
  WINDOWS_OS_FEATURES,
  type PlatformValue,
} from '../catalog/platforms';
import { MEDIA_TYPE_OF_KIND } from '../detect';
import type { Path, Span } from '../findings';
import type { Analysis } from '../index';
import type { DocumentKind } from '../kinds';
import { isObject, type DescriptorRole } from '../model';
import { schemaAt, type SchemaPlace } from '../schemas';
import { descriptorRoleAt, formatOf, isPlatformObject } from './places';
import {
  DOCUMENT_SNIPPETS,
  EMPTY_DESCRIPTOR_SNIPPET,
  PLATFORM_SNIPPET,
  descriptorBody,
  descriptorSnippet,
  documentSnippetFor,
  escapeSnippet,
  nest,
  platformBody,
  type Snippet,
  type SnippetRole,
} from './snippets';
import { isAnnotationMap, nextSignificant, prevSignificant, valueAt } from './text';

export type CompletionEntryKind = 'property' | 'value' | 'snippet';

/** One completion, in offsets; the LSP glue turns it into a CompletionItem. */
export interface CompletionEntry {
  label: string;
  kind: CompletionEntryKind;
  /** One line next to the label. */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** The text to insert: LSP snippet syntax when `snippet` is true, else plain text. */
  insertText: string;
  snippet: boolean;
  /** What the insertion replaces (the token under the cursor, or nothing). */
  replace: Span;
  /** What the editor filters on (starts with a quote when the token under the cursor does). */
  filterText?: string;
  sortText: string;
  deprecated?: boolean;
  preselect?: boolean;
  /** Ask for completions again after inserting (the inserted value has completions of its own). */
  retrigger?: boolean;
}

/** Where the cursor is. */
interface Cursor {
  at: 'key' | 'value' | 'element';
  /** The object (key, value) or array (element) the cursor is directly in. */
  container: Path;
  /** value: the property whose value is being written. */
  key?: string;
  /** key: the member being renamed (the cursor is on an existing key). */
  existingKey?: string;
  replace: Span;
  /** The token under the cursor is a string (so filtering includes its opening quote). */
  quoted: boolean;
  /** The token under the cursor is an unquoted word. */
  word: boolean;
  /** key: a colon follows the token already, so only the key is inserted. */
  hasColon: boolean;
  /** Another member or element follows without a comma: the insertion adds one. */
  needsComma: boolean;
}

/**
 * The completions at `offset`. `analysis` is undefined for a document the server does not serve (not a
 * manifest, or not yet one): such a document gets the whole-document snippets when it is blank or `{}`.
 */
export function completionsAt(
  analysis: Analysis | undefined,
  text: string,
  offset: number,
): CompletionEntry[] {
  const blank = blankDocument(text, offset);
  if (!analysis?.detection) return blank ? documentEntries(undefined, blank) : [];
  const kind = analysis.detection.kind;
  const out: CompletionEntry[] = blank ? documentEntries(kind, blank) : [];
  if (blank && !NOT_BLANK.test(text)) return out;
  const cur = cursorAt(analysis, offset);
  if (!cur) return out;
  if (cur.at === 'key') out.push(...propertyEntries(analysis, kind, cur));
  else out.push(...valueEntries(analysis, kind, cur));
  return out;
}

// ---- the cursor ------------------------------------------------------------------------------------------

/** The span to replace with a whole document: all of a blank text, or an empty root object around the cursor. */
function blankDocument(text: string, offset: number): Span | undefined {
  // A regular expression that stops at the first non-blank: trimming a 3 MB index would copy it.
  if (!NOT_BLANK.test(text)) return { offset: 0, length: text.length };
  if (text.length > 256) return undefined;
  const m = /^(\s*)\{\s*\}\s*$/.exec(text);
  if (!m) return undefined;
  const start = m[1]!.length;
  const end = text.lastIndexOf('}') + 1;
  return offset > start && offset < end ? { offset: start, length: end - start } : undefined;
}

const NOT_BLANK = /\S/;
const WORD = /[A-Za-z0-9_.+\-/]/;
const LOOK = 300;

/** Whether the quote at `i` is escaped (preceded by an odd number of backslashes). */
function escaped(text: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** A string being typed around `offset` that the parser has no node for: its span (to the closing quote, if any). */
function lexicalString(text: string, offset: number): Span | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let open = -1;
  for (let i = offset - 1; i >= Math.max(lineStart, offset - LOOK); i--) {
    if (text[i] === '"' && !escaped(text, i)) {
      open = i;
      break;
    }
  }
  if (open < 0) return undefined;
  // An opening quote follows a structural character; a closing one follows string content.
  const before = prevSignificant(text, open - 1, LOOK);
  if (before >= 0 && !'{[,:'.includes(text[before]!)) return undefined;
  let end = offset;
  for (let i = offset; i < Math.min(text.length, offset + LOOK); i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') break;
    if (c === '"' && !escaped(text, i)) {
      end = i + 1;
      break;
    }
  }
  return { offset: open, length: end - open };
}

function wordAt(text: string, offset: number): Span | undefined {
  let s = offset;
  while (s > 0 && offset - s < LOOK && WORD.test(text[s - 1]!)) s--;
  let e = offset;
  while (e < text.length && e - offset < LOOK && WORD.test(text[e]!)) e++;
  return e > s ? { offset: s, length: e - s } : undefined;
}

/** The key string that ends just before the colon at `colon`. */
function keyBefore(text: string, colon: number): string | undefined {
  const close = prevSignificant(text, colon - 1, LOOK);
  if (close < 0 || text[close] !== '"') return undefined;
  for (let i = close - 1; i >= Math.max(0, close - 1000); i--) {
    if (text[i] === '"' && !escaped(text, i)) {
      try {
        const k: unknown = JSON.parse(text.slice(i, close + 1));
        return typeof k === 'string' ? k : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function cursorAt(analysis: Analysis, offset: number): Cursor | undefined {
  const { json } = analysis;
  const text = json.text;
  const at = json.pathAt(offset);
  if (!at) return undefined;

  if (at.onKey) {
    const span = json.locateKey(at.path);
    if (!span || offset <= span.offset || offset >= span.offset + span.length) return undefined;
    const existing = at.path[at.path.length - 1];
    return {
      at: 'key',
      container: at.path.slice(0, -1),
      existingKey: typeof existing === 'string' ? existing : undefined,
      replace: span,
      quoted: true,
      word: false,
      hasColon: true,
      needsComma: false,
    };
  }

  // The token under the cursor: a parsed scalar, else a string or word being typed.
  let token: Span | undefined;
  let quoted = false;
  let word = false;
  let tokenIsNode = false;
  const node = json.locate(at.path);
  const nodeChar = node ? text[node.offset] : undefined;
  // The cursor is inside an object or array only strictly between its brackets.
  const inside =
    !!node &&
    (nodeChar === '{' || nodeChar === '[') &&
    offset > node.offset &&
    offset < node.offset + node.length;
  const container = inside ? at.path : at.path.slice(0, -1);
  if (
    node &&
    nodeChar !== '{' &&
    nodeChar !== '[' &&
    offset > node.offset &&
    (offset < node.offset + node.length || nodeChar !== '"')
  ) {
    token = node;
    tokenIsNode = true;
    quoted = nodeChar === '"';
    word = !quoted;
  } else {
    token = lexicalString(text, offset);
    if (token) quoted = true;
    else {
      token = wordAt(text, offset);
      word = token !== undefined;
    }
  }
  const start = token?.offset ?? offset;
  const end = token ? token.offset + token.length : offset;
  const replace = { offset: start, length: end - start };
  const prev = prevSignificant(text, start - 1);
  const c = prev >= 0 ? text[prev] : undefined;
  const containerSpan = json.locate(container);
  const containerChar = containerSpan ? text[containerSpan.offset] : undefined;
  const next = text[nextSignificant(text, end)];

  if (c === ':') {
    const key =
      tokenIsNode && typeof at.path[at.path.length - 1] === 'string'
        ? (at.path[at.path.length - 1] as string)
        : keyBefore(text, prev);
    if (key === undefined || containerChar !== '{') return undefined;
    return { at: 'value', container, key, replace, quoted, word, hasColon: false, needsComma: next === '"' };
  }
  if ((c === '{' || c === ',') && containerChar === '{') {
    const colon = next === ':';
    return {
      at: 'key',
      container,
      replace,
      quoted,
      word,
      hasColon: colon,
      needsComma: !colon && next === '"',
    };
  }
  if ((c === '[' || c === ',') && containerChar === '[') {
    return {
      at: 'element',
      container,
      replace,
      quoted,
      word,
      hasColon: false,
      needsComma: next === '"' || next === '{' || next === '[',
    };
  }
  return undefined;
}

// ---- entries ---------------------------------------------------------------------------------------------

const pad = (n: number): string => String(n).padStart(4, '0');

function filterFor(cur: Cursor, text: string): string | undefined {
  if (cur.quoted) return JSON.stringify(text);
  if (cur.word) return text;
  return undefined;
}

function documentEntries(kind: DocumentKind | undefined, replace: Span): CompletionEntry[] {
  const best = documentSnippetFor(kind);
  const ordered = best ? [best, ...DOCUMENT_SNIPPETS.filter((s) => s !== best)] : DOCUMENT_SNIPPETS;
  return ordered.map((s, i) => ({
    label: s.label,
    kind: 'snippet',
    detail: s.detail,
    documentation: s.documentation,
    insertText: s.body,
    snippet: true,
    replace,
    filterText: s.label,
    sortText: `0${pad(i)}`,
    preselect: i === 0,
  }));
}

/** Property names for the object at the cursor. */
function propertyEntries(analysis: Analysis, kind: DocumentKind, cur: Cursor): CompletionEntry[] {
  const obj = valueAt(analysis.json.value, cur.container);
  const present = new Set(isObject(obj) ? Object.keys(obj) : []);
  if (cur.existingKey !== undefined) present.delete(cur.existingKey);
  const comma = cur.needsComma ? ',' : '';

  if (isAnnotationMap(kind, cur.container)) {
    const keys = [...PREDEFINED_ANNOTATIONS, ...OTHER_OCI_ANNOTATIONS, ...ECOSYSTEM_ANNOTATIONS];
    const predefined = new Set(PREDEFINED_ANNOTATIONS);
    return keys
      .filter((a) => !present.has(a.key))
      .map((a, i) => ({
        label: a.key,
        kind: 'property' as const,
        detail: predefined.has(a) ? 'pre-defined OCI annotation' : a.spec ? 'OCI annotation' : 'annotation',
        documentation: a.description,
        insertText: `${escapeSnippet(JSON.stringify(a.key))}${cur.hasColon ? '' : `: "$1"${comma}`}`,
        snippet: true,
        replace: cur.replace,
        filterText: filterFor(cur, a.key),
        sortText: `${predefined.has(a) ? 1 : 2}${pad(i)}`,
      }));
  }

  const place = schemaAt(kind, cur.container);
  if (!place?.hasProperties()) return [];
  const required = place.required();
  const out: CompletionEntry[] = [];
  let i = 0;
  for (const [name, sub] of place.properties()) {
    i++;
    if (present.has(name)) continue;
    const value = cur.hasColon ? undefined : valueSnippet(kind, [...cur.container, name], name, sub);
    const description = sub.get('markdownDescription') ?? sub.get('description');
    const isRequired = required.has(name);
    out.push({
      label: name,
      kind: 'property',
      detail: `${isRequired ? 'required' : 'optional'} · ${typeText(sub)}`,
      documentation: typeof description === 'string' ? description : undefined,
      insertText: `${escapeSnippet(JSON.stringify(name))}${value ? `: ${value.body}${comma}` : ''}`,
      snippet: true,
      replace: cur.replace,
      filterText: filterFor(cur, name),
      sortText: `${isRequired ? 1 : 2}${pad(i)}`,
      retrigger: value?.retrigger,
    });
  }
  return out;
}

function typeText(place: SchemaPlace): string {
  const t = place.get('type');
  const list = Array.isArray(t) ? t : t ? [t] : [];
  return list.length ? list.join(' or ') : 'any';
}

/** A value placeholder for a new member `name` at `path`. */
function valueSnippet(
  kind: DocumentKind,
  path: Path,
  name: string,
  place: SchemaPlace,
): { body: string; retrigger?: boolean } {
  const container = path.slice(0, -1);
  const docker = formatOf(kind) === 'docker';
  const constant = place.get('const');
  if (constant !== undefined) return { body: escapeSnippet(JSON.stringify(constant)) };
  const choices = place.get('enum');
  if (Array.isArray(choices) && choices.length === 1)
    return { body: escapeSnippet(JSON.stringify(choices[0])) };
  if (name === 'schemaVersion') return { body: '2' };
  if (name === 'mediaType' && container.length === 0 && MEDIA_TYPE_OF_KIND[kind]) {
    return { body: `"${escapeSnippet(MEDIA_TYPE_OF_KIND[kind]!)}"` };
  }
  if (name === 'mediaType' || name === 'artifactType') return { body: '"$1"', retrigger: true };
  if (isPlatformObject(kind, container) && (name === 'os' || name === 'architecture' || name === 'variant')) {
    return { body: '"$1"', retrigger: true };
  }
  const role = descriptorRoleAt(kind, path);
  if (role === 'config' || role === 'subject') return { body: descriptorBody(role, docker) };
  const elementRole = descriptorRoleAt(kind, [...path, 0]);
  if (elementRole && elementRole !== 'self') {
    return {
      body: `[\n\t${nest(descriptorBody(elementRole as SnippetRole, docker, 1, elementRole === 'manifest'), 1)}\n]`,
    };
  }
  if (name === 'platform' && isPlatformObject(kind, path)) return { body: platformBody(1) };
  if (name === 'annotations') return { body: '{\n\t"$1": "$2"\n}' };
  if (name === 'digest') return { body: '"sha256:$1"' };
  const t = place.get('type');
  const first = (Array.isArray(t) ? t.filter((x) => x !== 'null') : [t])[0];
  switch (first) {
    case 'string':
      return { body: '"$1"' };
    case 'integer':
    case 'number':
      return { body: '${1:0}' };
    case 'boolean':
      return { body: '${1|true,false|}' };
    case 'array':
      return { body: '[$1]' };
    case 'object':
      return { body: '{$1}' };
    default:
      return { body: '$1' };
  }
}

/** Values for a property value or an array element. */
function valueEntries(analysis: Analysis, kind: DocumentKind, cur: Cursor): CompletionEntry[] {
  const docker = formatOf(kind) === 'docker';
  const out: CompletionEntry[] = [];
  // Right after a colon (completion triggered by typing it), the value gets the usual space.
  const lead = cur.replace.length === 0 && analysis.json.text[cur.replace.offset - 1] === ':' ? ' ' : '';
  const plain = (
    values: readonly {
      value: unknown;
      detail?: string;
      documentation?: string;
      deprecated?: boolean;
      group?: number;
    }[],
  ): void => {
    values.forEach((v, i) => {
      const text = typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
      out.push({
        label: text,
        kind: 'value',
        detail: v.detail,
        documentation: v.documentation,
        insertText: `${lead}${JSON.stringify(v.value)}${cur.needsComma ? ',' : ''}`,
        snippet: false,
        replace: cur.replace,
        filterText: typeof v.value === 'string' ? filterFor(cur, v.value) : cur.word ? text : undefined,
        sortText: `${v.group ?? 1}${pad(i)}`,
        deprecated: v.deprecated,
        preselect: i === 0 && (v.group ?? 1) === 0 ? true : undefined,
      });
    });
  };
  const snippet = (s: Snippet, i: number): void => {
    out.push({
      label: s.label,
      kind: 'snippet',
      detail: s.detail,
      documentation: s.documentation,
      insertText: `${lead}${s.body}${cur.needsComma ? ',' : ''}`,
      snippet: true,
      replace: cur.replace,
      filterText: cur.quoted || cur.word ? s.label : undefined,
      sortText: `0${pad(i)}`,
    });
  };
  // Snippets replace nothing but blanks: not a half-typed string.
  const canSnippet = !cur.quoted && !cur.word;

  if (cur.at === 'element') {
    const elementPath = [...cur.container, 0];
    const role = descriptorRoleAt(kind, elementPath);
    if (role && role !== 'self' && canSnippet) {
      snippet(descriptorSnippet(role as SnippetRole, docker), 0);
      if (role === 'layer' || role === 'blob') snippet(EMPTY_DESCRIPTOR_SNIPPET, 1);
    }
    if (cur.container[cur.container.length - 1] === 'os.features') {
      plain(WINDOWS_OS_FEATURES.map((f) => ({ value: f.value, documentation: f.description })));
    }
    return out;
  }

  const key = cur.key!;
  const path = [...cur.container, key];
  const role = descriptorRoleAt(kind, cur.container);
  const holder = valueAt(analysis.json.value, cur.container);
  const sibling = (name: string): unknown => (isObject(holder) ? holder[name] : undefined);

  if (isAnnotationMap(kind, cur.container)) return out;
  if (key === 'mediaType' && (role || cur.container.length === 0)) {
    plain(mediaTypeValues(kind, role ?? 'self'));
    return out;
  }
  if (key === 'artifactType') {
    plain(mediaTypeValues(kind, 'artifactType'));
    return out;
  }
  if (isPlatformObject(kind, cur.container)) {
    if (key === 'os') plain(platformValues(OPERATING_SYSTEMS));
    else if (key === 'architecture') plain(platformValues(ARCHITECTURES));
    else if (key === 'variant') {
      const arch = sibling('architecture');
      const info =
        typeof arch === 'string'
          ? (ARCH_BY_VALUE.get(arch) ??
            ARCH_BY_VALUE.get(ARCH_NEAR_MISSES[arch.toLowerCase()]?.replacement ?? ''))
          : undefined;
      if (info)
        plain(
          info.variants.map((v) => ({ value: v.value, detail: info.value, documentation: v.description })),
        );
    }
    if (out.length) return out;
  }
  if (role && sibling('mediaType') === MT.empty) {
    if (key === 'digest') plain([{ value: EMPTY_BLOB.digest, detail: 'the empty blob {}', group: 0 }]);
    if (key === 'size') plain([{ value: EMPTY_BLOB.size, detail: 'the empty blob {}', group: 0 }]);
    if (key === 'data') plain([{ value: EMPTY_BLOB.data, detail: 'the empty blob {} in base64', group: 0 }]);
  }
  const valueRole = descriptorRoleAt(kind, path);
  if ((valueRole === 'config' || valueRole === 'subject') && canSnippet) {
    snippet(descriptorSnippet(valueRole, docker), 0);
    if (valueRole === 'config') snippet(EMPTY_DESCRIPTOR_SNIPPET, 1);
  }
  if (key === 'platform' && isPlatformObject(kind, path) && canSnippet) snippet(PLATFORM_SNIPPET, 0);
  const place = schemaAt(kind, path);
  const constant = place?.get('const');
  const choices = place?.get('enum');
  if (constant !== undefined) plain([{ value: constant, group: 0 }]);
  else if (Array.isArray(choices)) plain(choices.map((value) => ({ value, group: 0 })));
  return out;
}

function platformValues(values: readonly PlatformValue[]) {
  return values.map((v) => ({ value: v.value, documentation: v.description }));
}

/** The type a descriptor in `role` of a document of `kind` usually carries. */
function canonicalType(kind: DocumentKind, role: DescriptorRole | 'artifactType'): string | undefined {
  const docker = formatOf(kind) === 'docker';
  switch (role) {
    case 'self':
      return MEDIA_TYPE_OF_KIND[kind];
    case 'config':
      return docker ? MT.dockerConfig : MT.config;
    case 'layer':
      return docker ? MT.dockerLayer : MT.layerGzip;
    case 'manifest':
      return docker ? MT.dockerManifest : MT.manifest;
    case 'subject':
      return MT.manifest;
    default:
      return undefined;
  }
}

/** Whether a catalog type fits `role` in a document of `kind`. */
function fits(info: MediaTypeInfo, kind: DocumentKind, role: DescriptorRole | 'artifactType'): boolean {
  const r = info.roles;
  const format = formatOf(kind);
  const manifestLike = r.includes('manifest') || r.includes('index');
  switch (role) {
    case 'self':
      return kind === 'descriptor' ? true : manifestLike && (!format || info.format === format);
    case 'config':
      if (format === 'docker') return DOCKER_CONFIG_TYPES.has(info.type);
      return r.includes('config') && info.format !== 'docker';
    case 'layer':
    case 'blob':
      if (format === 'docker') return r.includes('layer') && info.format === 'docker';
      return r.includes('layer') && info.format !== 'docker';
    case 'manifest':
      if (format === 'docker') return manifestLike && info.format === 'docker';
      return manifestLike && info.format !== 'docker';
    case 'subject':
      return manifestLike && info.format !== 'docker';
    case 'artifactType':
      return r.includes('artifactType');
  }
}

function mediaTypeValues(kind: DocumentKind, role: DescriptorRole | 'artifactType') {
  const canonical = canonicalType(kind, role);
  const format = formatOf(kind);
  return MEDIA_TYPES.filter((info) => fits(info, kind, role))
    .map((info) => ({
      value: info.type,
      detail: `${ECOSYSTEM_LABELS[info.ecosystem]}${info.deprecated ? ' · deprecated' : ''}`,
      documentation: info.deprecated
        ? `${info.description}\n\n**Deprecated:** ${info.deprecated.why}; use \`${info.deprecated.replacement}\`.`
        : info.description,
      deprecated: info.deprecated ? true : undefined,
      group:
        info.type === canonical
          ? 0
          : info.deprecated
            ? 4
            : info.format && info.format === format
              ? 1
              : info.ecosystem === 'iana'
                ? 3
                : 2,
    }))
    .sort((a, b) => a.group - b.group);
}
