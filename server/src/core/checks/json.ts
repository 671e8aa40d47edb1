import type { Check } from '../check';
import type { RuleInfo } from '../findings';
import { isObject } from '../model';

/** Rules about the JSON text itself; they apply to every served document. */
export const jsonRules: readonly RuleInfo[] = [
  {
    code: 'oci/json-syntax',
    severity: 'error',
    title: 'The text is not valid JSON',
    description:
      'Manifests are JSON (RFC 8259). Comments, trailing commas, single quotes and truncated text are rejected by registries and runtimes.',
    spec: 'image-spec/considerations.md#json',
  },
  {
    code: 'oci/duplicate-key',
    severity: 'error',
    title: 'An object has the same key twice',
    description:
      'JSON parsers disagree on which duplicate wins, so two tools can read two different manifests from the same bytes: a known way to smuggle content past a reviewer or a scanner.',
    spec: 'image-spec/considerations.md#json',
  },
  {
    code: 'oci/byte-order-mark',
    severity: 'error',
    title: 'The file starts with a byte-order mark',
    description:
      'RFC 8259 forbids a byte-order mark at the start of networked JSON; Go decoders and registries reject it, and it changes the digest.',
    spec: 'image-spec/considerations.md#json',
  },
  {
    code: 'oci/encoding',
    severity: 'error',
    title: 'The file is not UTF-8 text',
    description:
      'Manifests must be UTF-8 encoded JSON. A file with invalid UTF-8 or NUL bytes is binary, not a manifest.',
    spec: 'image-spec/considerations.md#json',
  },
  {
    code: 'oci/key-case',
    severity: 'warning',
    title: 'A key differs from a specified key only by letter case',
    description:
      "Go's encoding/json matches keys case-insensitively, so `Layers` is read as `layers` by some tools and ignored by others. Spell keys exactly as the specification does.",
    spec: 'image-spec/considerations.md#json',
  },
];

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

/** Walk budget: bounded work on pathological documents. */
const MAX_VISITS = 200_000;

/** A visited container; linked to its parent so that a path is built only when a finding needs it. */
interface Entry {
  value: unknown;
  seg: string | number | undefined;
  parent: Entry | undefined;
}

function pathOf(e: Entry | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p = e; p && p.seg !== undefined; p = p.parent) out.push(p.seg);
  return out.reverse();
}

/**
 * The JSON module. Syntax, duplicate keys, the byte-order mark and encoding are found by the parser and
 * reported by the facade (they need no parsed value); `run` adds case-variant keys, walked iteratively
 * since documents may be deeply nested. (Small linked entries, not paths: copying the path for every
 * nested value would make deep documents quadratic. Not parallel arrays either: on a large index they
 * outgrow the young generation, and every store of a young value into them then costs a write barrier.)
 */
export const jsonCheck: Check = {
  id: 'json',
  rules: jsonRules,
  run(ctx) {
    const stack: Entry[] = [{ value: ctx.root, seg: undefined, parent: undefined }];
    let budget = MAX_VISITS;
    while (stack.length && budget-- > 0) {
      const entry = stack.pop()!;
      const { value } = entry;
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) {
          const child: unknown = value[i];
          if (typeof child === 'object' && child !== null)
            stack.push({ value: child, seg: i, parent: entry });
        }
        continue;
      }
      if (!isObject(value)) continue;
      // Free-form maps hold user keys, not spec keys.
      const last = entry.seg;
      const freeForm =
        last === 'annotations' || last === 'Labels' || last === 'ExposedPorts' || last === 'Volumes';
      for (const key in value) {
        if (!freeForm && !EXACT.has(key)) {
          const spec = BY_LOWER.get(key.toLowerCase());
          if (spec && spec !== key) {
            const both = spec in value;
            ctx.report(
              'oci/key-case',
              { path: [...pathOf(entry), key], on: 'key' },
              both
                ? `Key "${key}" differs from "${spec}", also present, only by letter case; Go decoders match keys case-insensitively, so one silently overrides the other. Remove "${key}".`
                : `Key "${key}" differs from the specified key "${spec}" only by letter case; some decoders accept it silently and others ignore it. Spell it "${spec}".`,
              both ? { remove: key } : { replacement: spec },
            );
          }
        }
        const child = value[key];
        if (typeof child === 'object' && child !== null)
          stack.push({ value: child, seg: key, parent: entry });
      }
    }
  },
};
