import type { Check, CheckContext } from '../check';
import { remove, renameFix, str } from '../editing/fixKit';
import type { Path } from '../findings';
import type { JsonObject } from '../model';
import { rule } from '../rule';

// Rules about the JSON text itself; they apply to every served document. Syntax, duplicate keys, the
// byte-order mark and encoding are found by the parser and reported by the facade.

export const jsonSyntax = rule({
  code: 'oci/json-syntax',
  severity: 'error',
  title: 'The text is not valid JSON',
  description:
    'Manifests are JSON (RFC 8259). Comments, trailing commas, single quotes and truncated text are rejected by registries and runtimes.',
  spec: 'image-spec/considerations.md#json',
});

export const duplicateKey = rule<{ firstOffset: number }>({
  code: 'oci/duplicate-key',
  severity: 'error',
  title: 'An object has the same key twice',
  description:
    'JSON parsers disagree on which duplicate wins, so two tools can read two different manifests from the same bytes: a known way to smuggle content past a reviewer or a scanner.',
  spec: 'image-spec/considerations.md#json',
});

export const byteOrderMark = rule({
  code: 'oci/byte-order-mark',
  severity: 'error',
  title: 'The file starts with a byte-order mark',
  description:
    'RFC 8259 forbids a byte-order mark at the start of networked JSON; Go decoders and registries reject it, and it changes the digest.',
  spec: 'image-spec/considerations.md#json',
  fix: (c) =>
    c.finding.offset === 0 && c.analysis.json.text.charCodeAt(0) === 0xfeff
      ? {
          title: 'Remove the byte-order mark',
          edits: [{ offset: 0, length: 1, newText: '' }],
          preferred: true,
        }
      : undefined,
});

export const encoding = rule<{ byteOffset: number; byte: string }>({
  code: 'oci/encoding',
  severity: 'error',
  title: 'The file is not UTF-8 text',
  description:
    'Manifests must be UTF-8 encoded JSON. A file with invalid UTF-8 or NUL bytes is binary, not a manifest.',
  spec: 'image-spec/considerations.md#json',
});

export const keyCase = rule<{ replacement?: string; remove?: string }>({
  code: 'oci/key-case',
  severity: 'warning',
  title: 'A key differs from a specified key only by letter case',
  description:
    "Go's encoding/json matches keys case-insensitively, so `Layers` is read as `layers` by some tools and ignored by others. Spell keys exactly as the specification does.",
  spec: 'image-spec/considerations.md#json',
  fix: (c) => {
    if (str(c.data.replacement)) return renameFix(c);
    return str(c.data.remove) && c.onKey
      ? remove(c, c.path, `Remove "${String(c.path[c.path.length - 1])}"`)
      : undefined;
  },
});

export const jsonUnicode = rule<{ codePoint: number }>({
  code: 'oci/json-unicode',
  severity: 'error',
  title: 'A string holds a lone surrogate or a Unicode noncharacter',
  description:
    'I-JSON (RFC 7493) forbids strings that contain a lone surrogate (an escape such as `\\ud800` with no other half of its pair) or a noncharacter (U+FDD0–U+FDEF, and the last two code points of every plane, such as U+FFFE). Such text is not a sequence of Unicode characters: decoders replace it, reject it or keep it, so two tools can read two different values from the same bytes.',
  spec: 'image-spec/considerations.md#json',
  sentence:
    'considerations.md, JSON: the sentence requiring all JSON content to follow the I-JSON limitations of RFC 7493 (whose section 2.1 excludes surrogates and noncharacters from names and strings).',
});

/** True for a noncharacter: U+FDD0–U+FDEF, or a code point ending in FFFE or FFFF. */
const isNoncharacter = (cp: number): boolean => (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
const hex4 = (cp: number): string => cp.toString(16).toUpperCase().padStart(4, '0');

/** A code point that I-JSON excludes, where it is written (a `\u` escape or the raw character). */
export interface UnicodeProblem {
  offset: number;
  length: number;
  codePoint: number;
  escaped: boolean;
  lone: boolean;
}

const ESCAPE = /\\(?:u([0-9a-fA-F]{4})|[^u])/g;
const RAW = /[\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/g;
const LOW_ESCAPE = /^\\u[dD][c-fC-F][0-9a-fA-F]{2}$/;

/**
 * The lone surrogates and noncharacters of `text`, escaped or raw. Text without `\u` and without such raw
 * characters (nearly every manifest: V8 settles the raw test at once for one-byte strings) costs two scans.
 */
export function unicodeProblems(text: string, max = 100): UnicodeProblem[] {
  const out: UnicodeProblem[] = [];
  if (text.includes('\\u')) {
    ESCAPE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (out.length < max && (m = ESCAPE.exec(text)) !== null) {
      if (m[1] === undefined) continue; // another escape, \\ among them: skipped whole
      const cp = parseInt(m[1], 16);
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const next = text.slice(ESCAPE.lastIndex, ESCAPE.lastIndex + 6);
        if (LOW_ESCAPE.test(next)) {
          const full = 0x10000 + ((cp - 0xd800) << 10) + (parseInt(next.slice(2), 16) - 0xdc00);
          if (isNoncharacter(full))
            out.push({ offset: m.index, length: 12, codePoint: full, escaped: true, lone: false });
          ESCAPE.lastIndex += 6;
          continue;
        }
        out.push({ offset: m.index, length: 6, codePoint: cp, escaped: true, lone: true });
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        out.push({ offset: m.index, length: 6, codePoint: cp, escaped: true, lone: true });
      } else if (isNoncharacter(cp)) {
        out.push({ offset: m.index, length: 6, codePoint: cp, escaped: true, lone: false });
      }
    }
  }
  RAW.lastIndex = 0;
  let r: RegExpExecArray | null;
  while (out.length < max && (r = RAW.exec(text)) !== null) {
    const c = text.charCodeAt(r.index);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(r.index + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const full = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        if (isNoncharacter(full))
          out.push({ offset: r.index, length: 2, codePoint: full, escaped: false, lone: false });
        RAW.lastIndex = r.index + 2;
        continue;
      }
      out.push({ offset: r.index, length: 1, codePoint: c, escaped: false, lone: true });
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out.push({ offset: r.index, length: 1, codePoint: c, escaped: false, lone: true });
    } else {
      out.push({ offset: r.index, length: 1, codePoint: c, escaped: false, lone: false });
    }
  }
  // Escapes and raw characters were found in two passes; findings are reported in document order.
  return out.length > 1 ? out.sort((a, b) => a.offset - b.offset) : out;
}

/** Every key the OCI and Docker specifications define, in its exact spelling. */
const SPEC_KEYS = [
  'schemaVersion',
  'mediaType',
  'artifactType',
  'config',
  'layers',
  'manifests',
  'subject',
  'annotations',
  'digest',
  'size',
  'urls',
  'data',
  'platform',
  'architecture',
  'os',
  'os.version',
  'os.features',
  'variant',
  'features',
  'imageLayoutVersion',
  'blobs',
  'created',
  'author',
  'rootfs',
  'type',
  'diff_ids',
  'history',
  'created_by',
  'comment',
  'empty_layer',
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'ArgsEscaped',
  'Memory',
  'MemorySwap',
  'CpuShares',
  'Healthcheck',
  'fsLayers',
  'blobSum',
  'v1Compatibility',
  'signatures',
  'name',
  'tag',
];
const BY_LOWER = new Map(SPEC_KEYS.map((k) => [k.toLowerCase(), k]));

/** Keys spelled exactly as specified: the common case, settled by one set lookup without lowercasing. */
const EXACT = new Set(SPEC_KEYS.filter((k) => BY_LOWER.get(k.toLowerCase()) === k));

/** The specified key that `key` differs from only by letter case, if any. */
export function caseVariantOf(key: string): string | undefined {
  if (EXACT.has(key)) return undefined;
  const spec = BY_LOWER.get(key.toLowerCase());
  return spec !== key ? spec : undefined;
}

function reportKeyCase(ctx: CheckContext, object: JsonObject, key: string, spec: string, path: Path): void {
  const both = spec in object;
  ctx.report(
    keyCase,
    { path: [...path, key], on: 'key' },
    both
      ? `Key "${key}" differs from "${spec}", also present, only by letter case; Go decoders match keys case-insensitively, so one silently overrides the other. Remove "${key}".`
      : `Key "${key}" differs from the specified key "${spec}" only by letter case; some decoders accept it silently and others ignore it. Spell it "${spec}".`,
    both ? { remove: key } : { replacement: spec },
  );
}

/**
 * The JSON module. Syntax, duplicate keys, the byte-order mark and encoding are found by the parser and
 * reported by the facade (they need no parsed value); `run` adds case-variant keys.
 */
export const jsonCheck: Check = {
  id: 'json',
  rules: [jsonSyntax, duplicateKey, byteOrderMark, encoding, keyCase, jsonUnicode],
  reduced(ctx) {
    this.run(ctx);
  },
  run(ctx) {
    // A key the schema defines where it stands is spelled as specified, so only the unknown keys can be
    // case variants (and free-form maps, whose keys are the user's, are not among them).
    for (const u of ctx.unknownKeys) {
      const spec = caseVariantOf(u.key);
      if (spec) reportKeyCase(ctx, u.object, u.key, spec, u.parent);
    }
    for (const p of unicodeProblems(ctx.text)) {
      const written = p.escaped
        ? `the escape "${ctx.text.slice(p.offset, p.offset + p.length)}"`
        : `the character U+${hex4(p.codePoint)}`;
      ctx.report(
        jsonUnicode,
        { offset: p.offset, length: p.length },
        p.lone
          ? `A string holds ${written}, a lone surrogate (half of a UTF-16 pair without its other half), which is not a character; I-JSON forbids it, and decoders replace it, reject it or keep it. Remove it or write the character it was meant to be.`
          : `A string holds ${written}, the noncharacter U+${hex4(p.codePoint)}; I-JSON forbids noncharacters in strings. Remove it.`,
        { codePoint: p.codePoint },
      );
    }
  },
};
