import type { Check, CheckContext } from '../check';
import { remove, rename, str } from '../editing/fixKit';
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
    const r = str(c.data.replacement);
    if (r) return rename(c, r, `Rename to "${r}"`);
    return str(c.data.remove) && c.onKey
      ? remove(c, c.path, `Remove "${String(c.path[c.path.length - 1])}"`)
      : undefined;
  },
});

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
  rules: [jsonSyntax, duplicateKey, byteOrderMark, encoding, keyCase],
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
  },
};
