import { editDistance } from '../distance';
import type { Check, CheckContext } from '../check';
import {
  ANNOTATION_BY_KEY,
  LABEL_SCHEMA_EQUIVALENTS,
  LABEL_SCHEMA_PREFIX,
  OCI_DEFINED_KEYS,
  OCI_RESERVED_PREFIX,
  PREDEFINED_ANNOTATIONS,
  OTHER_OCI_ANNOTATIONS,
  PROPOSED_OCI_ANNOTATIONS,
  SUFFIX_SYNONYMS,
  type AnnotationFormat,
  type AnnotationKeyInfo,
} from '../catalog/annotations';
import { dateTimeProblem, isValidDateTime } from '../datetime';
import { isCanonicalSha256, validateDigest } from '../digest';
import {
  q as quote,
  remove,
  rename,
  replacementFix,
  str,
  type Fix,
  type FixContext,
  type Replacement,
} from '../editing/fixKit';
import { formatPath, shorten, type Path } from '../findings';
import { isLayoutIndex } from '../detect';
import { isObject, type DescriptorRef, type JsonObject } from '../model';
import { rule } from '../rule';

/**
 * Annotations (image-spec/annotations.md) wherever a manifest, index or descriptor carries them: string values,
 * the formats of the pre-defined keys, look-alikes of those keys, the reserved `org.opencontainers` namespace,
 * superseded Label Schema keys, and the reverse-domain form of keys. Config `Labels` are not annotations.
 */

const q = (s: string): string => JSON.stringify(shorten(s));

/** A problem with a value, as the end of a sentence, and the corrected value when it is certain. */
interface Problem {
  says: string;
  replacement?: string;
}

// ---------------------------------------------------------------------------------------------- formats

/** An absolute URL: a scheme, then no whitespace. Suggests `https://` for a bare host or an scp-style Git address. */
export function urlProblem(v: string): Problem | undefined {
  if (/\s/.test(v)) {
    const t = v.trim();
    if (t !== v && !/\s/.test(t) && !urlProblem(t))
      return { says: 'has leading or trailing whitespace', replacement: t };
    return { says: 'contains whitespace, which a URL cannot (encode it as %20)' };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(v);
  if (scheme) {
    const [, name, rest] = scheme;
    if (/^https?$/i.test(name!) && !/^\/\/[^/?#]+/.test(rest!))
      return { says: `has no host after "${name}:"; expected e.g. "https://example.com/path"` };
    if (rest === '') return { says: `has nothing after "${name}:"` };
    return undefined;
  }
  const scp = /^[\w.-]+@([\w.-]+\.[\w-]+):\/?([^\s:]+)$/.exec(v);
  if (scp) {
    const fixed = `https://${scp[1]}/${scp[2]}`;
    return {
      says: `is an scp-style Git address, not a URL; write it as a URL such as ${q(fixed)}`,
      replacement: fixed,
    };
  }
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(\/|$)/.test(v)) {
    const fixed = `https://${v}`;
    return { says: `has no scheme; a URL starts with one, e.g. ${q(fixed)}`, replacement: fixed };
  }
  return { says: 'is not an absolute URL (e.g. "https://example.com/project")' };
}

const REF_COMPONENT = /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*$/;

/** Character classes for `isValidRefName`: 0 not allowed, 1 letter or digit, 2 "/", 3 "-", 4 another separator. */
const REF_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  REF_CLASS[c] = /[A-Za-z0-9]/.test(ch) ? 1 : ch === '/' ? 2 : ch === '-' ? 3 : '._:@+'.includes(ch) ? 4 : 0;
}

/**
 * True when `v` follows the `ref.name` grammar (see `refNameProblem`), read through a class table with no
 * allocation. States: 0 at the start of a component, 1 after a letter or digit, 2 after one separator
 * (3 when it was "-"), 4 after "--".
 */
export function isValidRefName(v: string): boolean {
  let state = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const k = c < 128 ? REF_CLASS[c]! : 0;
    if (k === 1) state = 1;
    else if (k === 0) return false;
    else if (k === 3 && state === 3) state = 4;
    else if (state !== 1) return false;
    else state = k === 2 ? 0 : k === 3 ? 3 : 2;
  }
  return state === 1;
}

/** The `ref.name` grammar of annotations.md: components of alphanumerics joined by `-._:@+` or `--`, separated by `/`. */
export function refNameProblem(v: string): Problem | undefined {
  if (isValidRefName(v)) return undefined;
  const bad = /[^A-Za-z0-9\-._:@/+]/.exec(v);
  if (bad) {
    const ch = bad[0] === ' ' ? 'a space' : q(bad[0]);
    return { says: `contains ${ch}; reference names use only letters, digits and the separators "-._:@+/"` };
  }
  if (v.split('/').every((c) => REF_COMPONENT.test(c))) return undefined;
  return {
    says: 'is not a valid reference name: each "/"-separated part must start and end with a letter or digit, with single separators ("-._:@+", or "--") only between them',
  };
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = new RegExp(`^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * An image reference as distribution/reference parses it: `[domain/]path[:tag][@digest]`. Also asks for a
 * fully qualified name (a registry host first), which annotations.md wants for `base.name`.
 */
export function imageReferenceProblem(v: string): Problem | undefined {
  if (v.length > 512) return { says: 'is too long to be an image reference' };
  let rest = v;
  const atSign = rest.indexOf('@');
  if (atSign >= 0) {
    const verdict = validateDigest(rest.slice(atSign + 1));
    if (!verdict.ok) return { says: `has a digest after "@" that ${verdict.explanation}` };
    rest = rest.slice(0, atSign);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    const tag = rest.slice(colon + 1);
    if (!TAG.test(tag))
      return {
        says: `has the tag ${q(tag)}; tags are up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`,
      };
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const first = parts[0]!;
  const hasDomain =
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  if (hasDomain && !DOMAIN.test(first))
    return {
      says: `has the registry host ${q(first)}, which is not a valid host name with an optional port`,
    };
  const path = hasDomain ? parts.slice(1) : parts;
  for (const c of path) {
    if (!PATH_COMPONENT.test(c)) {
      if (c !== c.toLowerCase() && PATH_COMPONENT.test(c.toLowerCase())) {
        return { says: `has uppercase letters in the repository path; repository names are lowercase` };
      }
      return {
        says:
          c === ''
            ? 'has an empty path component'
            : `has the path component ${q(c)}; repository path components are lowercase letters and digits joined by ".", "_", "__" or "-"`,
      };
    }
  }
  if (rest.length > 255) return { says: 'has a repository name longer than 255 characters' };
  if (!hasDomain) {
    const fixed = `docker.io/${parts.length === 1 ? 'library/' : ''}${v}`;
    return {
      says: `is not fully qualified; name the registry explicitly rather than rely on a default, e.g. ${q(fixed)} if it comes from Docker Hub`,
      replacement: fixed,
    };
  }
  return undefined;
}

const SPDX_OPERAND = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?[A-Za-z0-9.-]+\+?$/;

/**
 * SPDX license expression syntax (not the license list): identifiers (with an optional `+`), `LicenseRef-`
 * and `DocumentRef-…:` references, `AND`, `OR`, `WITH` and parentheses. Linear, no recursion.
 */
export function spdxProblem(v: string): Problem | undefined {
  const tokens: { text: string; at: number }[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) tokens.push({ text: m[1]!, at: m.index + m[0].length - m[1]!.length });
  if (tokens.length === 0)
    return { says: 'is blank; write an SPDX license expression such as "Apache-2.0" or "MIT OR Apache-2.0"' };

  type State = 'operand' | 'after' | 'afterClose' | 'exception' | 'afterException';
  let state: State = 'operand';
  let depth = 0;
  const lowercaseOps: number[] = [];
  let prev = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    const upper = t.toUpperCase();
    const isOp = upper === 'AND' || upper === 'OR' || upper === 'WITH';
    if (state === 'operand' || state === 'exception') {
      if (t === '(' && state === 'operand') {
        depth++;
        continue;
      }
      if (t === '(' || t === ')' || t === 'AND' || t === 'OR' || t === 'WITH') {
        return { says: `has ${q(t)} where a license identifier belongs${prev ? ` (after ${q(prev)})` : ''}` };
      }
      const operand =
        state === 'exception' ? /^(?:DocumentRef-[A-Za-z0-9.-]+:)?[A-Za-z0-9.-]+$/ : SPDX_OPERAND;
      if (!operand.test(t)) {
        const ch = /[^A-Za-z0-9.+:-]/.exec(t)?.[0];
        if (ch === ',' || ch === ';')
          return {
            says: `separates licenses with ${q(ch)}; join them with "AND" (all apply) or "OR" (a choice), e.g. "MIT AND Apache-2.0"`,
          };
        if (ch === '/')
          return {
            says: 'separates licenses with "/"; join them with "OR" (a choice) or "AND" (all apply), e.g. "MIT OR Apache-2.0"',
          };
        return {
          says: `has ${q(t)}, which is not a license identifier; identifiers use letters, digits, "." and "-" (e.g. "GPL-2.0-only", "LicenseRef-custom")`,
        };
      }
      state = state === 'exception' ? 'afterException' : 'after';
    } else {
      if (t === ')') {
        if (depth === 0) return { says: 'has a ")" without a matching "("' };
        depth--;
        state = 'afterClose';
      } else if (isOp) {
        if (t !== upper) lowercaseOps.push(i);
        if (upper === 'WITH') {
          if (state !== 'after')
            return { says: `has "WITH" after ${q(prev)}; an exception follows a single license identifier` };
          state = 'exception';
        } else state = 'operand';
      } else if (t === '(') {
        return { says: `has "(" right after ${q(prev)}; join the parts with "AND" or "OR"` };
      } else {
        return {
          says: `has ${q(prev)} followed by ${q(t)} with no operator; license identifiers contain no spaces (e.g. "Apache-2.0"), and several licenses are joined with "AND" or "OR"`,
        };
      }
    }
    prev = t;
  }
  if (state === 'operand' || state === 'exception')
    return { says: `ends with ${q(prev)}; a license identifier must follow it` };
  if (depth > 0) return { says: `has ${depth} unclosed "("` };
  if (lowercaseOps.length > 0) {
    let fixed = v;
    for (const i of [...lowercaseOps].reverse()) {
      const t = tokens[i]!;
      fixed = fixed.slice(0, t.at) + t.text.toUpperCase() + fixed.slice(t.at + t.text.length);
    }
    return {
      says: `writes an operator in lowercase; SPDX operators are uppercase: ${q(fixed)}`,
      replacement: fixed,
    };
  }
  return undefined;
}

function formatProblem(format: AnnotationFormat, v: string): Problem | undefined {
  switch (format) {
    case 'date-time':
      return dateTimeProblem(v);
    case 'url':
      return urlProblem(v);
    case 'ref-name':
      return refNameProblem(v);
    case 'digest': {
      const verdict = validateDigest(v);
      return verdict.ok
        ? undefined
        : verdict.replacement !== undefined
          ? { says: verdict.explanation, replacement: verdict.replacement }
          : { says: verdict.explanation };
    }
    case 'spdx-expression':
      return spdxProblem(v);
    case 'image-reference':
      return imageReferenceProblem(v);
    case 'text':
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------- keys

const IMG = 'org.opencontainers.image.';
const DEFINED = [...PREDEFINED_ANNOTATIONS, ...OTHER_OCI_ANNOTATIONS].map((a) => a.key);
const DEFINED_BY_LOWER = new Map(DEFINED.map((k) => [k.toLowerCase(), k]));
/** Each defined key, lowercased, with the typo distance allowed: short names are close to everything, so one edit per three characters of the last part. */
const FUZZY = DEFINED.map((key) => ({
  key,
  lower: key.toLowerCase(),
  max: Math.min(2, Math.floor((key.length - key.lastIndexOf('.') - 1) / 3)),
}));
const FUZZY_MIN = Math.min(...FUZZY.map((f) => f.key.length)) - 2;
const FUZZY_MAX = Math.max(...FUZZY.map((f) => f.key.length)) + 2;
const PREDEFINED_SUFFIXES = new Set(PREDEFINED_ANNOTATIONS.map((a) => a.key.slice(IMG.length)));

/** Only keys that start like the OCI namespace can be look-alikes; other vendors' keys are theirs. */
function maybeOci(key: string): boolean {
  if (key.length < 18 || key.length > 80) return false;
  const c = key.charCodeAt(0) | 0x20;
  if (c !== 0x6f) return false; // "o"
  const head = key.slice(0, 4).toLowerCase();
  return head === 'org.' || head === 'open';
}

/**
 * The OCI-defined key a key was probably meant to be: a case variant, a misspelled namespace
 * (`org.opencontainer.image.title`), a synonym (`…image.license`), or a typo within two edits.
 */
export function lookAlikeOf(key: string): string | undefined {
  if (OCI_DEFINED_KEYS.has(key) || !maybeOci(key)) return undefined;
  const lower = key.toLowerCase();
  const exact = DEFINED_BY_LOWER.get(lower);
  if (exact) return exact;
  const ns = /^(?:org\.)?open-?containers?\.(?:images?\.)?(.+)$/.exec(lower);
  if (ns) {
    const suffix = ns[1]!;
    const synonym = Object.prototype.hasOwnProperty.call(SUFFIX_SYNONYMS, suffix)
      ? SUFFIX_SYNONYMS[suffix]
      : undefined;
    if (synonym) return IMG + synonym;
    if (PREDEFINED_SUFFIXES.has(suffix)) return IMG + suffix;
  }
  if (lower.length < FUZZY_MIN || lower.length > FUZZY_MAX) return undefined;
  let best: string | undefined;
  let bestD = 3;
  for (const { key: k, lower: kl, max } of FUZZY) {
    if (Math.abs(kl.length - lower.length) > max) continue;
    const d = editDistance(lower, kl, max);
    if (d <= max && d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** Why a key is not in reverse domain notation (`com.example.key`), or undefined. Deliberately lenient. */
function keyFormProblem(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (/\s/.test(key)) return 'contains whitespace';
  let end = key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x2f || c === 0x23) {
      end = i;
      break;
    }
  }
  const head = end === key.length ? key : key.slice(0, end);
  if (!head.includes('.')) return 'has no namespace';
  if (head.startsWith('.') || head.endsWith('.') || head.includes('..'))
    return 'has an empty segment between dots';
  return undefined;
}

// ---------------------------------------------------------------------------------------------- the check

/** Per-run memos: big indexes repeat the same keys and values on every entry. Small, so that filling them stays cheap. */
interface Memo {
  /** The facts of keys that no OCI text defines, by key. */
  keys: Map<string, KeyFacts>;
  formats: Map<AnnotationFormat, Map<string, Problem | undefined>>;
  /** The first entry of an index (not a layout's index.json) with a reference name, and how many have one. */
  refNameFirst?: DescriptorRef;
  refNameCount: number;
}
const MEMO_LIMIT = 256;

/**
 * The keys an OCI text defines or proposes, with their formats: one lookup settles the common annotation (and
 * the proposed ones are not reported as claims on the reserved namespace).
 */
const OCI_KEY_INFO: ReadonlyMap<string, AnnotationKeyInfo> = new Map([
  ...[...ANNOTATION_BY_KEY].filter(([key]) => OCI_DEFINED_KEYS.has(key)),
  ...PROPOSED_OCI_ANNOTATIONS.map((a): [string, AnnotationKeyInfo] => [a.key, a]),
]);

/** True when `value` is plainly valid for `format` by a check cheaper than a memo lookup. */
function plainlyValid(format: AnnotationFormat, value: string): boolean {
  switch (format) {
    case 'date-time':
      return isValidDateTime(value);
    case 'ref-name':
      return isValidRefName(value);
    case 'digest':
      return isCanonicalSha256(value);
    default:
      return false;
  }
}

function formatOnce(memo: Memo, format: AnnotationFormat, value: string): Problem | undefined {
  if (plainlyValid(format, value)) return undefined;
  let byValue = memo.formats.get(format);
  if (!byValue) memo.formats.set(format, (byValue = new Map()));
  if (byValue.has(value)) return byValue.get(value);
  const p = formatProblem(format, value);
  if (byValue.size < MEMO_LIMIT) byValue.set(value, p);
  return p;
}

/** Where a map sits: the annotations of a descriptor or the document, or an image config's `config.Labels`. */
const enum MapPlace {
  Annotations,
  /** The annotations of an entry of a layout's index.json, where `org.opencontainers.image.ref.name` names a reference. */
  LayoutEntry,
  /** The annotations of an entry of another index: a reference name there is noted once for the whole index. */
  IndexEntry,
  Labels,
}

/** The path of `key` in the map held by `owner` (a descriptor, or the document when undefined). */
const at = (owner: DescriptorRef | undefined, key: string, place: MapPlace): Path =>
  place === MapPlace.Labels ? ['config', 'Labels', key] : [...(owner ? owner.path : []), 'annotations', key];

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Checks one `annotations` (or `Labels`) map. Paths are built only for findings, so a clean map of a 10,000-entry
 * index allocates nothing here.
 */
function checkMap(
  ctx: CheckContext,
  owner: DescriptorRef | undefined,
  map: JsonObject,
  memo: Memo,
  place: MapPlace,
): void {
  const noun = place === MapPlace.Labels ? 'Label' : 'Annotation';
  for (const key in map) {
    if (!Object.prototype.hasOwnProperty.call(map, key)) continue;
    const value = map[key];
    if (typeof value !== 'string') {
      const shown =
        value === null
          ? 'null'
          : Array.isArray(value)
            ? 'an array'
            : typeof value === 'object'
              ? 'an object'
              : `the ${typeof value} ${JSON.stringify(value)}`;
      const scalar = typeof value === 'number' || typeof value === 'boolean';
      ctx.report(
        annotationValueType,
        { path: at(owner, key, place) },
        `${noun} ${q(key)} has ${shown} as its value; ${noun.toLowerCase()} values must be strings${scalar ? ` (write "${String(value)}")` : ''}.`,
        scalar ? { replacement: String(value) } : undefined,
      );
    }
    const str = typeof value === 'string' ? value : undefined;

    const info = OCI_KEY_INFO.get(key);
    if (info !== undefined) {
      // The spec allows an empty value for any key.
      const problem = str && info.format !== 'text' ? formatOnce(memo, info.format, str) : undefined;
      if (problem) {
        ctx.report(
          annotationFormat,
          { path: at(owner, key, place) },
          `${noun} "${key}" is ${q(str!)}, which ${problem.says}.`,
          problem.replacement !== undefined ? { replacement: problem.replacement } : undefined,
        );
      }
      if (key === REF_NAME && place === MapPlace.IndexEntry) {
        memo.refNameCount++;
        memo.refNameFirst ??= owner;
      } else if (key === REF_NAME && place !== MapPlace.LayoutEntry) {
        ctx.report(
          refNamePlace,
          { path: at(owner, key, place), on: 'key' },
          `"${REF_NAME}" names a reference only on an entry of a layout's index.json; ${place === MapPlace.Labels ? 'as a config label' : owner ? `on ${formatPath(owner.path)}` : "on the document's own annotations"} tools that resolve references do not read it.`,
        );
      }
      continue;
    }

    let facts = memo.keys.get(key);
    if (facts === undefined) {
      facts = keyFacts(key);
      if (memo.keys.size < MEMO_LIMIT) memo.keys.set(key, facts);
    }
    if (facts === CLEAN_KEY) continue;
    const { legacyOf, meant, reserved, form } = facts;

    if (legacyOf !== undefined) {
      const also = legacyOf in map ? `; "${legacyOf}" is already set, so this key can go` : '';
      ctx.report(
        annotationLegacyKey,
        { path: at(owner, key, place), on: 'key' },
        `${q(key)} is a Label Schema key, superseded by the OCI annotation "${legacyOf}"${also}.`,
        { replacement: legacyOf },
      );
    } else if (meant !== undefined) {
      const also = meant in map ? ` ("${meant}" is also present)` : '';
      ctx.report(
        annotationLookAlike,
        { path: at(owner, key, place), on: 'key' },
        `${noun} key ${q(key)} looks like a misspelling of the OCI key "${meant}"${also}; tools that read "${meant}" will not see this one.`,
        { replacement: meant },
      );
    } else if (reserved) {
      ctx.report(
        annotationReserved,
        { path: at(owner, key, place), on: 'key' },
        `${noun} key ${q(key)} uses the "org.opencontainers" prefix, which is reserved for keys that OCI specifications define, and this key is not one of them; use your own reverse-domain namespace (e.g. "com.example.${key.slice(OCI_RESERVED_PREFIX.length).split('.').pop() || 'key'}").`,
      );
    } else if (form !== undefined) {
      ctx.report(
        annotationKeyForm,
        { path: at(owner, key, place), on: 'key' },
        key === ''
          ? `${place === MapPlace.Labels ? 'A label' : 'An annotation'} key is empty; keys should name their owner in reverse domain notation, such as "com.example.key".`
          : `${noun} key ${q(key)} ${form}; keys should be namespaced in reverse domain notation, such as "com.example.${key.replace(/\s+/g, '-')}", so that they cannot clash with other tools' keys.`,
      );
    }
  }
}

/** What a key that no OCI text defines says about itself; at most one of these is reported, in this order. */
interface KeyFacts {
  /** The OCI key that supersedes this Label Schema key. */
  legacyOf?: string;
  /** The OCI-defined key this one looks like. */
  meant?: string;
  /** In the reserved `org.opencontainers` namespace without being defined there. */
  reserved?: boolean;
  /** Why the key is not in reverse domain notation. */
  form?: string;
}

/** The facts of a key with nothing to say (a well-formed vendor key). */
const CLEAN_KEY: KeyFacts = Object.freeze({});

function keyFacts(key: string): KeyFacts {
  if (key.startsWith(LABEL_SCHEMA_PREFIX)) {
    const legacyOf = LABEL_SCHEMA_EQUIVALENTS.get(key.slice(LABEL_SCHEMA_PREFIX.length));
    return legacyOf !== undefined ? { legacyOf } : CLEAN_KEY;
  }
  const meant = lookAlikeOf(key);
  if (meant !== undefined) return { meant };
  if (key.toLowerCase().startsWith(OCI_RESERVED_PREFIX)) return { reserved: true };
  const form = keyFormProblem(key);
  return form !== undefined ? { form } : CLEAN_KEY;
}

export const annotationValueType = rule<Replacement>({
  code: 'oci/annotation-value-type',
  severity: 'error',
  title: 'An annotation value is not a string',
  description:
    'Annotations are a map from string to string. Numbers, booleans, null, arrays and objects are rejected by strict decoders (Go unmarshals into map[string]string); write the value as a string, e.g. `"1"` or `"true"`. Config labels too.',
  spec: 'image-spec/annotations.md#rules',
  sentence:
    'annotations.md, Rules: the sentence requiring annotations to be a map whose keys and values are all strings; config.md, `Labels`: the sentence requiring labels to follow the annotation rules.',
  fix: replacementFix('Write the value as the string'),
});

export const annotationFormat = rule<Replacement>({
  code: 'oci/annotation-format',
  severity: 'warning',
  title: 'A pre-defined annotation has a value in the wrong format',
  description:
    '`created` is an RFC 3339 date-time; `url`, `documentation` and `source` are URLs; `ref.name` follows the reference grammar; `base.digest` is a digest; `base.name` is a fully qualified image reference; `licenses` is an SPDX license expression (its syntax is checked, not the license list).',
  spec: 'image-spec/annotations.md#pre-defined-annotation-keys',
  sentence:
    "annotations.md, Pre-Defined Annotation Keys: the sentence of each key that gives its value's format (an RFC 3339 date-time, a URL, a digest, an SPDX expression, the reference grammar); config.md, `Labels`: labels follow the annotation rules.",
  fix: replacementFix('Change the value to'),
});

export const annotationLookAlike = rule<Replacement>({
  code: 'oci/annotation-look-alike',
  severity: 'warning',
  title: 'An annotation key looks like a misspelled OCI key',
  description:
    '`org.opencontainers.image.license` (the key is `licenses`), `org.opencontainer.image.title`, `org.opencontainers.image.create`, different letter case…: tools look up the exact pre-defined key and silently miss the look-alike.',
  spec: 'image-spec/annotations.md#pre-defined-annotation-keys',
  sentence:
    'annotations.md, Pre-Defined Annotation Keys: the list of keys this specification defines, read exactly by tools; config.md, `Labels`: labels follow the annotation rules.',
  fix: (c) => annotationKey(c),
});

export const annotationReserved = rule({
  code: 'oci/annotation-reserved',
  severity: 'warning',
  title: 'An unknown key in the reserved `org.opencontainers` namespace',
  description:
    'Only OCI specifications may define keys under `org.opencontainers` (and only the image spec under `org.opencontainers.image`). A key there that no OCI text defines is either a typo or a claim on the namespace; use your own reverse-domain prefix. The referrer keys proposed for the image layout (`org.opencontainers.image.referrer.subject` and `org.opencontainers.image.referrer.convert`, image-spec pull request 1171), which the olareg registry writes, are accepted.',
  spec: 'image-spec/annotations.md#rules',
  sentence:
    'annotations.md, Rules: the two sentences reserving the `org.opencontainers` prefix for keys OCI specifications define and `org.opencontainers.image` for the image spec; config.md, `Labels`: labels follow the annotation rules.',
});

export const annotationLegacyKey = rule<Replacement>({
  code: 'oci/annotation-legacy-key',
  severity: 'info',
  title: 'A Label Schema key that an OCI annotation supersedes',
  description:
    'The `org.label-schema.*` keys are superseded by the pre-defined `org.opencontainers.image.*` keys (`build-date` → `created`, `vcs-url` → `source`, `vcs-ref` → `revision`, `name` → `title`…). Tools may still read them, but new images should use the OCI keys.',
  spec: 'image-spec/annotations.md#back-compatibility-with-label-schema',
  sentence:
    'annotations.md, Back-compatibility with Label Schema: the sentence saying the Label Schema keys are superseded by the `org.opencontainers.image` keys; config.md, `Labels`: labels follow the annotation rules.',
  fix: (c) => annotationKey(c),
});

export const annotationKeyForm = rule({
  code: 'oci/annotation-key-form',
  severity: 'warning',
  title: 'An annotation key is not in reverse domain notation',
  description:
    "Keys should be namespaced by their owner's domain, reversed (`com.example.myKey`), so that tools do not clash. Flagged: empty keys, keys with whitespace, keys with no dot before any `/`, and empty segments; in config labels too (Docker's old `maintainer` label among them).",
  spec: 'image-spec/annotations.md#rules',
  sentence:
    'annotations.md, Rules: the sentence asking that keys be named in reverse domain notation; config.md, `Labels`: labels follow the annotation rules.',
});

export const refNamePlace = rule({
  code: 'oci/ref-name-place',
  severity: 'info',
  title: '`org.opencontainers.image.ref.name` outside an entry of a layout’s `index.json`',
  description:
    "The reference name annotation names a tag only on the descriptors of a layout's `index.json`. On a manifest's or index's own annotations, on a layer, a config or a subject, or as a config label, tools that resolve references ignore it; on the entries of an index that is not a layout's `index.json` too (one note for all of them, on the first).",
  spec: 'image-spec/annotations.md#pre-defined-annotation-keys',
  sentence:
    'annotations.md, pre-defined key `org.opencontainers.image.ref.name`: the sentence saying it should only be considered valid on the descriptors of `index.json` within an image layout (image-layout.md repeats it for the `index.json` file).',
});

export const annotationsCheck: Check = {
  id: 'annotations',
  rules: [
    annotationValueType,
    annotationFormat,
    annotationLookAlike,
    annotationReserved,
    annotationLegacyKey,
    annotationKeyForm,
    refNamePlace,
  ],
  run(ctx) {
    const { root } = ctx;
    if (!isObject(root)) return;
    const { kind } = ctx;
    const memo: Memo = { keys: new Map(), formats: new Map(), refNameCount: 0 };
    // Config `Labels` follow the annotation rules (config.md); a layout header and schema 1 have neither.
    if (kind === 'image-config' || kind === 'docker-config') {
      const labels = isObject(root.config) ? root.config.Labels : undefined;
      if (isObject(labels)) checkMap(ctx, undefined, labels, memo, MapPlace.Labels);
      return;
    }
    if (kind === 'layout-header' || kind === 'docker-schema1') return;
    if (kind !== 'descriptor' && isObject(root.annotations))
      checkMap(ctx, undefined, root.annotations, memo, MapPlace.Annotations);
    const entries =
      kind === 'image-index' && isLayoutIndex(ctx.origin) ? MapPlace.LayoutEntry : MapPlace.IndexEntry;
    for (const d of ctx.descriptors) {
      const map = d.value.annotations;
      if (isObject(map)) checkMap(ctx, d, map, memo, d.role === 'manifest' ? entries : MapPlace.Annotations);
    }
    // Reference names on the entries of an index that is not a layout's index.json: one note for them all.
    const first = memo.refNameFirst;
    if (first) {
      const others = memo.refNameCount - 1;
      ctx.report(
        refNamePlace,
        { path: at(first, REF_NAME, MapPlace.IndexEntry), on: 'key' },
        `"${REF_NAME}" names a reference only on an entry of a layout's index.json, and this index is not one (no oci-layout file beside an index.json), so tools that resolve references do not read it on ${formatPath(first.path)}${others > 0 ? ` nor on the ${others} other ${others === 1 ? 'entry' : 'entries'} that carry it` : ''}.`,
      );
    }
  },
};

/** A misspelt or superseded annotation key: rename it, or drop it when the right key is already there. */
function annotationKey(c: FixContext<Replacement>): Fix | undefined {
  const r = str(c.data.replacement);
  if (!r || !c.onKey) return undefined;
  const renamed = rename(c, r, `Rename to ${quote(r)}`);
  if (renamed) return renamed;
  return remove(
    c,
    c.path,
    `Remove ${quote(String(c.path[c.path.length - 1]))} ("${r}" is already set)`,
    false,
  );
}
