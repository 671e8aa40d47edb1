import type { Check, CheckContext } from '../check';
import type { Path, RuleInfo } from '../findings';
import { isObject, type JsonObject } from '../model';

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

/** The walk recurses this deep (allocating nothing per value); deeper values go on an explicit stack. */
const RECURSION_LIMIT = 48;

/** Free-form maps hold user keys, not spec keys (the annotations and config modules check their values). */
const isFreeForm = (seg: string | number | undefined): boolean =>
  seg === 'annotations' || seg === 'Labels' || seg === 'ExposedPorts' || seg === 'Volumes';

/** The specified key that `key` differs from only by letter case, if any. */
function caseVariantOf(key: string): string | undefined {
  if (EXACT.has(key)) return undefined;
  const spec = BY_LOWER.get(key.toLowerCase());
  return spec !== key ? spec : undefined;
}

function reportKeyCase(ctx: CheckContext, object: JsonObject, key: string, spec: string, path: Path): void {
  const both = spec in object;
  ctx.report(
    'oci/key-case',
    { path: [...path, key], on: 'key' },
    both
      ? `Key "${key}" differs from "${spec}", also present, only by letter case; Go decoders match keys case-insensitively, so one silently overrides the other. Remove "${key}".`
      : `Key "${key}" differs from the specified key "${spec}" only by letter case; some decoders accept it silently and others ignore it. Spell it "${spec}".`,
    both ? { remove: key } : { replacement: spec },
  );
}

interface Budget {
  left: number;
}

/** The walk for ordinary depths: recursion over one shared path, copied only for a finding. */
function walk(
  ctx: CheckContext,
  value: unknown,
  path: (string | number)[],
  budget: Budget,
  depth: number,
): void {
  if (budget.left-- <= 0) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null) {
        path.push(i);
        if (depth < RECURSION_LIMIT) walk(ctx, child, path, budget, depth + 1);
        else walkDeep(ctx, child, [...path], budget);
        path.pop();
      }
    }
    return;
  }
  if (!isObject(value)) return;
  // Free-form maps hold user keys, and their values are strings or empty objects: nothing to check inside.
  if (isFreeForm(path[path.length - 1])) return;
  for (const key in value) {
    const spec = caseVariantOf(key);
    if (spec) reportKeyCase(ctx, value, key, spec, path);
    const child = value[key];
    if (typeof child === 'object' && child !== null) {
      path.push(key);
      if (depth < RECURSION_LIMIT) walk(ctx, child, path, budget, depth + 1);
      else walkDeep(ctx, child, [...path], budget);
      path.pop();
    }
  }
}

/** A visited value below the recursion limit; linked to its parent so that a path is built only for a finding. */
interface Entry {
  value: unknown;
  seg: string | number | undefined;
  parent: Entry | undefined;
}

/** The walk below the recursion limit (documents nested thousands deep): an explicit stack, no recursion. */
function walkDeep(ctx: CheckContext, start: unknown, base: (string | number)[], budget: Budget): void {
  const pathOf = (e: Entry | undefined): (string | number)[] => {
    const out: (string | number)[] = [];
    for (let p = e; p && p.seg !== undefined; p = p.parent) out.push(p.seg);
    return [...base, ...out.reverse()];
  };
  const stack: Entry[] = [{ value: start, seg: undefined, parent: undefined }];
  while (stack.length && budget.left-- > 0) {
    const entry = stack.pop()!;
    const { value } = entry;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const child: unknown = value[i];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, seg: i, parent: entry });
      }
      continue;
    }
    if (!isObject(value)) continue;
    if (isFreeForm(entry.seg ?? base[base.length - 1])) continue;
    for (const key in value) {
      const spec = caseVariantOf(key);
      if (spec) reportKeyCase(ctx, value, key, spec, pathOf(entry));
      const child = value[key];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, seg: key, parent: entry });
    }
  }
}

/**
 * The JSON module. Syntax, duplicate keys, the byte-order mark and encoding are found by the parser and
 * reported by the facade (they need no parsed value); `run` adds case-variant keys.
 */
export const jsonCheck: Check = {
  id: 'json',
  rules: jsonRules,
  run(ctx) {
    walk(ctx, ctx.root, [], { left: MAX_VISITS }, 0);
  },
};
