import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { Check, CheckContext, Location } from '../check';
import { renameFix, setValue, type Replacement } from '../editing/fixKit';
import { formatPath, shorten, type Path } from '../findings';
import { KIND_LABELS, withArticle, type DocumentKind } from '../kinds';
import { isIndexKind, isManifestKind, isObject } from '../model';
import { editDistance } from '../distance';
import type { UnknownKey } from '../keys';
import { rule, type FindingData, type Rule } from '../rule';
import { ALL_SCHEMAS, follow, KIND_SCHEMAS, schemaRoot, type SchemaNode, type SchemaPlace } from '../schemas';

/**
 * The schema module: validates a document against its kind's JSON Schema (`schemas/*.schema.json`) and
 * turns the validator's errors into findings.
 *
 * Division of labour. This module owns PRESENCE and JSON TYPES only:
 *   - `required`  → `oci/required-property` at the parent's key (the opening brace for the root);
 *   - `type`      → `oci/type` at the value (also a document that is not an object at all);
 *   - near-miss spellings of defined keys → `oci/unknown-property` (found by walking the schema, not by
 *     the validator: unknown properties are legal, so the schemas never close an object).
 * Every value-format keyword (`pattern`, `format`, `const`, `enum`, `minimum`, `maximum`, `minLength`,
 * `maxLength`, `multipleOf`, `if`/`then`, `not`, `propertyNames`...) is dropped here: the schemas state
 * those rules so that hovers and other JSON tools see them, but the semantic modules (digest, mediatype,
 * size, data, platform, annotations, layout, config, and structure for `schemaVersion` and the top-level
 * `mediaType`) report them with better messages. The same goes for the presence and type of
 * `schemaVersion` and the presence of the top-level `mediaType` in manifests and indexes, which the
 * structure module reports with its own codes.
 *
 * Where the spec says `null` means absent (the optional fields of an image configuration), the schemas
 * allow `null` in the field's type, so no error arises for it.
 */
export const requiredProperty = rule<{ property: string; replacement?: string }>({
  code: 'oci/required-property',
  severity: 'error',
  title: 'A required property is missing',
  description:
    'Each document kind has properties that must be present: `config` and `layers` in a manifest, `manifests` in an index, `mediaType`, `digest` and `size` in every descriptor, `architecture`, `os` and `rootfs` in an image configuration, `imageLayoutVersion` in `oci-layout`. Registries and runtimes reject documents without them.',
  spec: 'image-spec/descriptor.md#properties',
  fix: renameFix,
});

export const wrongType = rule<{ expected: string[]; actual: string; replacement?: number }>({
  code: 'oci/type',
  severity: 'error',
  title: 'A property has the wrong JSON type',
  description:
    "Every specified property has a fixed JSON type: `size` is an integer (not a string), `layers` an array, annotation values strings, and so on. A value of another type makes strict decoders (Go's `encoding/json`) fail on the whole document. In a document too large or too deep for the full check, the types of the top-level members and of their entries (a `manifests` entry that is not an object) are still checked.",
  spec: 'image-spec/descriptor.md#properties',
  sentence:
    'descriptor.md, manifest.md, image-index.md and config.md: the type each property description gives (for instance `manifests`, an array of objects each including the descriptor properties).',
  fix: (c) =>
    typeof c.data.replacement === 'number'
      ? setValue(c, c.data.replacement, `Write the number ${c.data.replacement}`)
      : undefined,
});

export const unknownProperty = rule<Replacement>({
  code: 'oci/unknown-property',
  severity: 'warning',
  title: 'An unknown property looks like a misspelt specified one',
  description:
    'Consumers ignore properties they do not know, so a misspelt key such as `layer` for `layers` or `annotation` for `annotations` is silently dropped and the intended value never takes effect. Reported when an unknown key is within a small edit distance of a property the specification defines at that place and that property is absent. Case-only differences are reported by `oci/key-case` instead.',
  spec: 'image-spec/considerations.md#extensibility',
  fix: renameFix,
});

export const schemaRules: readonly Rule[] = [requiredProperty, wrongType, unknownProperty];

/** The kinds that have a schema (Docker schema 1 has none; it is only reported as deprecated). */
const SCHEMA_KINDS = Object.keys(KIND_SCHEMAS) as DocumentKind[];

// ---------------------------------------------------------------------------------------------------
// Validators: one Ajv instance and one compiled validator per kind, created on first use so that
// starting the server or the CLI costs nothing for kinds never seen.

let ajv: Ajv2020 | undefined;
const validators = new Map<DocumentKind, ValidateFunction>();

/** Keywords that only annotate a schema; a `$ref` with nothing else beside them can be replaced by its target. */
const ANNOTATIONS = new Set([
  'title',
  'description',
  'markdownDescription',
  '$comment',
  'examples',
  'default',
]);

/**
 * A schema as ajv runs it:
 * - without `pattern` and `format`, whose errors this module drops anyway (the semantic modules own value
 *   formats): running them would cost several regular expressions per digest and media type for nothing;
 * - with every `$ref` replaced by its target (our schemas are not recursive), so that ajv compiles one
 *   function per kind: a referenced schema becomes a function that ajv calls with a fresh options object
 *   for every entry of an index, which allocated more than the whole parse of a 100-entry index.
 * Branches of `anyOf`/`oneOf` keep their place, so error schema paths still name them.
 * The files in schemas/ keep both for standalone use.
 */
function forAjv(node: unknown, doc: SchemaNode, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((n) => forAjv(n, doc, depth));
  if (typeof node !== 'object' || node === null) return node;
  const src = node as SchemaNode;
  if (typeof src.$ref === 'string' && depth < 32) {
    const target = follow(src.$ref, doc);
    if (target) {
      const inlined = forAjv(target.node, target.doc, depth + 1) as Record<string, unknown>;
      const rest = Object.keys(src).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k));
      if (rest.length === 0) return stripIds(inlined);
      const out = forAjvMembers(src, doc, depth, (k) => k !== '$ref');
      out.allOf = [...((out.allOf as unknown[] | undefined) ?? []), stripIds(inlined)];
      return out;
    }
  }
  return forAjvMembers(src, doc, depth, () => true);
}

function forAjvMembers(
  src: SchemaNode,
  doc: SchemaNode,
  depth: number,
  keep: (key: string) => boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (!keep(k) || ((k === 'pattern' || k === 'format') && typeof v === 'string')) continue;
    // `properties`, `$defs` and the like map names to schemas: keep every name, rewrite inside the schemas.
    out[k] =
      k === 'properties' || k === '$defs' || k === 'patternProperties' || k === 'dependentSchemas'
        ? Object.fromEntries(
            Object.entries(v as object).map(([name, sub]) => [name, forAjv(sub, doc, depth)]),
          )
        : forAjv(v, doc, depth);
  }
  return out;
}

/** An inlined schema must not bring its own `$id`/`$schema` (ajv would treat it as a separate resource). */
function stripIds(schema: Record<string, unknown>): Record<string, unknown> {
  if (!('$id' in schema) && !('$schema' in schema)) return schema;
  const { $id: _id, $schema: _schema, ...rest } = schema;
  return rest;
}

function validatorFor(kind: DocumentKind): ValidateFunction | undefined {
  const cached = validators.get(kind);
  if (cached) return cached;
  const schema = KIND_SCHEMAS[kind];
  if (!schema?.$id) return undefined;
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, logger: false });
    // Registered, not compiled: each is compiled the first time a kind needs it.
    for (const s of ALL_SCHEMAS) ajv.addSchema(forAjv(s, s) as object);
  }
  const validate = ajv.getSchema(schema.$id);
  if (validate) validators.set(kind, validate);
  return validate;
}

// ---------------------------------------------------------------------------------------------------
// Error → finding mapping. Pure and exported so that tests can feed it errors from any schema.

/** A finding before it is reported. */
export interface SchemaIssue {
  rule: Rule;
  /** The rule's code. */
  code: string;
  at: Location;
  message: string;
  data?: FindingData;
}

/** Keywords whose errors this module turns into findings; every other keyword's errors are dropped. */
const OWNED = new Set(['required', 'type']);
const COMBINATORS = new Set(['anyOf', 'oneOf']);

/** What a missing property is for, to finish the `oci/required-property` message. */
const WHAT_IT_IS: Record<string, string> = {
  config: 'the descriptor of the image configuration',
  layers: 'the list of layer descriptors, base layer first',
  manifests: 'the list of manifest descriptors (it may be empty)',
  blobs: 'the list of blob descriptors',
  mediaType: 'the media type of the referenced content',
  digest: 'the digest that identifies the referenced content',
  size: 'the length of the referenced content in bytes',
  architecture: 'the CPU architecture, such as "amd64"',
  os: 'the operating system, such as "linux"',
  rootfs: 'the DiffIDs of the layers that make up the image filesystem',
  type: 'always the string "layers"',
  diff_ids: 'the DiffIDs of the layers, base layer first',
  imageLayoutVersion: 'the layout version, "1.0.0"',
  artifactType: 'the type of the artifact, as a media type',
  schemaVersion: 'the number 2',
};
const WHAT_IT_IS_AT_ROOT: Partial<Record<DocumentKind, Record<string, string>>> = {
  'artifact-manifest': {
    mediaType: 'the artifact manifest\'s own media type, "application/vnd.oci.artifact.manifest.v1+json"',
  },
  'docker-manifest': { mediaType: "the manifest's own media type" },
  'docker-manifest-list': { mediaType: "the list's own media type" },
};

/** True when the structure module reports this problem (so the schema module stays quiet about it). */
function structureOwns(kind: DocumentKind, e: ErrorObject): boolean {
  if (kind === 'artifact-manifest' || !(isManifestKind(kind) || isIndexKind(kind))) return false;
  if (e.instancePath === '' && e.keyword === 'required') {
    const p = (e.params as { missingProperty?: string }).missingProperty;
    return p === 'schemaVersion' || p === 'mediaType';
  }
  return e.instancePath === '/schemaVersion';
}

/**
 * The annotations module owns the type of annotation values and of config labels (`oci/annotation-value-type`,
 * which explains the string-to-string rule); the map itself still gets `oci/type` here.
 */
function annotationsOwn(e: ErrorObject): boolean {
  return e.keyword === 'type' && /^(?:.*\/annotations|\/config\/Labels)\/[^/]+$/.test(e.instancePath);
}

/** Decodes a JSON pointer into a path, using the document to tell array indexes from keys. */
function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(seg)) {
      path.push(Number(seg));
      node = node[Number(seg)];
    } else {
      path.push(seg);
      node = isObject(node) ? node[seg] : undefined;
    }
  }
  return path;
}

/**
 * Collapses `anyOf`/`oneOf` cascades: of the alternatives, keep only the errors of the most relevant
 * one (one whose type fits the value, with the fewest presence/type errors); when no alternative has the
 * value's type, keep one type error listing the types they accept. Branch errors are recognised by their
 * schema path (`…/anyOf/<i>/…`), so branches are written inline in our schemas (a test checks).
 */
function collapseCombinators(errors: readonly ErrorObject[]): ErrorObject[] {
  let list = [...errors];
  const combos = list
    .filter((e) => COMBINATORS.has(e.keyword))
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length); // innermost first
  for (const combo of combos) {
    const prefix = combo.schemaPath + '/';
    const branches = new Map<number, ErrorObject[]>();
    for (const e of list) {
      if (e === combo || !e.schemaPath.startsWith(prefix)) continue;
      const i = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
      if (!Number.isInteger(i)) continue;
      const b = branches.get(i) ?? [];
      b.push(e);
      branches.set(i, b);
    }
    const wrongType = (errs: ErrorObject[]): boolean =>
      errs.some((e) => e.keyword === 'type' && e.instancePath === combo.instancePath);
    const owned = (errs: ErrorObject[]): number => errs.filter((e) => OWNED.has(e.keyword)).length;
    let keep: ErrorObject[] = [];
    const fitting = [...branches.entries()].filter(([, errs]) => !wrongType(errs));
    if (fitting.length) {
      fitting.sort(([ia, a], [ib, b]) => owned(a) - owned(b) || a.length - b.length || ia - ib);
      keep = fitting[0]![1];
    } else if (branches.size) {
      const types = new Set<string>();
      for (const errs of branches.values()) {
        for (const e of errs) {
          if (e.keyword === 'type' && e.instancePath === combo.instancePath) {
            const t = (e.params as { type?: string | string[] }).type;
            for (const x of Array.isArray(t) ? t : String(t).split(',')) types.add(x);
          }
        }
      }
      keep = [{ ...combo, keyword: 'type', params: { type: [...types] } }];
    }
    const dropped = new Set<ErrorObject>([combo, ...[...branches.values()].flat()]);
    const kept = new Set(keep);
    list = list.filter((e) => !dropped.has(e) || kept.has(e));
    if (keep.length && keep[0]!.keyword === 'type' && !list.includes(keep[0]!)) list.push(keep[0]!);
  }
  return list;
}

/** JSON type names as messages show them. */
const ARTICLE_TYPE: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

function describeValue(v: unknown): { type: string; text: string } {
  if (v === null) return { type: 'null', text: 'null' };
  if (Array.isArray(v)) return { type: 'array', text: 'an array' };
  switch (typeof v) {
    case 'string':
      return { type: 'string', text: `the string ${JSON.stringify(shorten(v, 60))}` };
    case 'number':
      return Number.isInteger(v)
        ? { type: 'integer', text: `the number ${v}` }
        : { type: 'number', text: `the number ${v}` };
    case 'boolean':
      return { type: 'boolean', text: `the boolean ${v}` };
    case 'object':
      return { type: 'object', text: 'an object' };
    default:
      return { type: typeof v, text: String(v) };
  }
}

function expectedText(types: readonly string[]): string {
  const main = types.filter((t) => t !== 'null').map((t) => ARTICLE_TYPE[t] ?? t);
  const list =
    main.length <= 1 ? (main[0] ?? 'null') : `${main.slice(0, -1).join(', ')} or ${main[main.length - 1]}`;
  return types.includes('null') && main.length ? `${list} (or null, which means absent)` : list;
}

function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const seg of path) {
    if (typeof seg === 'number') node = Array.isArray(node) ? node[seg] : undefined;
    else node = isObject(node) ? node[seg] : undefined;
  }
  return node;
}

/** The noun for the object at `path` ("descriptor", "platform"...), from the schema's titles. */
function placeTitle(kind: DocumentKind, path: Path): string {
  let place: SchemaPlace | undefined = schemaRoot(kind);
  for (const seg of path) place = place?.child(seg);
  const title = place?.get('title');
  return typeof title === 'string' ? title : 'object';
}

/** "The descriptor at layers[0]", or "the rootfs object" where the path already says what it is. */
function describePlace(kind: DocumentKind, path: Path, capital: boolean): string {
  const title = placeTitle(kind, path);
  const last = path[path.length - 1];
  const text =
    typeof last === 'string' && last.toLowerCase() === title.toLowerCase()
      ? `the ${formatPath(path)} object`
      : `the ${title} at ${formatPath(path)}`;
  return capital ? `T${text.slice(1)}` : text;
}

/** A key that looks like a misspelling of the defined property `replacement` (see `findMisspellings`). */
export interface Misspelling {
  path: (string | number)[];
  key: string;
  replacement: string;
}

const misspellingId = (parent: Path, property: string): string => JSON.stringify([...parent, property]);

/**
 * Turns validator errors for a document of `kind` into findings (presence and types only). When a
 * missing required property has a look-alike key in the same object (`misspellings`), the one finding
 * points at that key and names both, and the misspelling is marked as used.
 */
export function mapSchemaErrors(
  kind: DocumentKind,
  root: unknown,
  errors: readonly ErrorObject[],
  misspellings: readonly Misspelling[] = [],
  used: Set<Misspelling> = new Set(),
): SchemaIssue[] {
  const byTarget = new Map(misspellings.map((m) => [misspellingId(m.path.slice(0, -1), m.replacement), m]));
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  const label = KIND_LABELS[kind];
  for (const e of collapseCombinators(errors)) {
    if (!OWNED.has(e.keyword) || structureOwns(kind, e) || annotationsOwn(e)) continue;
    const missing =
      e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty) : '';
    const key = `${e.instancePath}\u0000${e.keyword}\u0000${missing}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const path = pointerToPath(e.instancePath, root);

    if (e.keyword === 'required') {
      const what =
        (path.length === 0 ? WHAT_IT_IS_AT_ROOT[kind]?.[missing] : undefined) ?? WHAT_IT_IS[missing];
      const who = path.length === 0 ? `The ${label}` : describePlace(kind, path, true);
      const look = byTarget.get(misspellingId(path, missing));
      if (look) {
        used.add(look);
        out.push({
          rule: requiredProperty,
          code: requiredProperty.code,
          at: { path: look.path, on: 'key' },
          message: `${who} has no "${missing}"; "${look.key}" looks like a misspelling of it. "${missing}" is required${what ? `: ${what}` : ''}.`,
          data: { property: missing, replacement: missing },
        });
        continue;
      }
      out.push({
        rule: requiredProperty,
        code: requiredProperty.code,
        at: path.length === 0 ? { path: [] } : { path, on: 'key' },
        message: what
          ? `${who} has no "${missing}"; it is required: ${what}.`
          : `${who} has no "${missing}", which is required.`,
        data: { property: missing },
      });
      continue;
    }

    // keyword === 'type'
    const t = (e.params as { type?: string | string[] }).type;
    const types = Array.isArray(t) ? t : String(t).split(',');
    const value = valueAt(root, path);
    const actual = describeValue(value);
    const data: { expected: string[]; actual: string; replacement?: number } = {
      expected: types,
      actual: actual.type,
    };
    if (types.includes('integer') && typeof value === 'string' && /^(0|[1-9]\d{0,14})$/.test(value))
      data.replacement = Number(value);
    if (path.length === 0) {
      out.push({
        rule: wrongType,
        code: wrongType.code,
        at: { path: [] },
        message: `The document is ${actual.text === 'an object' ? 'an object' : actual.text}, but ${withArticle(label)} must be a JSON object.`,
        data,
      });
    } else {
      out.push({
        rule: wrongType,
        code: wrongType.code,
        at: { path },
        message: `${formatPath(path)} is ${actual.text}; it must be ${expectedText(types)}.`,
        data,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Near-miss property names: a walk guided by the schema (so bounded by the schema's depth, whatever the
// document's), comparing each unknown key with the defined keys that are absent from the same object.

/** Keys other tools write next to the specified ones; never reported as misspellings. */
const KNOWN_EXTRA = new Set([
  'id',
  'parent',
  'container',
  'container_config',
  'docker_version',
  'Hostname',
  'Domainname',
  'Image',
  'Tty',
  'Shell',
  'OnBuild',
]);

/** The defined property an unknown key most likely meant, if any. */
export function nearMiss(key: string, candidates: Iterable<string>): string | undefined {
  if (key.length > 64 || KNOWN_EXTRA.has(key)) return undefined;
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    if (lc === k) return undefined; // a case-only difference: oci/key-case reports it
    const max = c.length <= 4 ? 1 : 2;
    const d = editDistance(k, lc, max);
    if (d <= max && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/**
 * The unknown keys (see `unknownKeys`, one walk shared with the key-case check) that look like misspelt
 * properties of the object that holds them: each is compared with the defined keys absent from that object.
 */
function findMisspellings(unknown: readonly UnknownKey[]): Misspelling[] {
  const out: Misspelling[] = [];
  for (const u of unknown) {
    const defined = u.place?.properties();
    if (!defined || defined.size === 0) continue;
    const absent: string[] = [];
    for (const name of defined.keys()) if (!(name in u.object)) absent.push(name);
    const replacement = absent.length ? nearMiss(u.key, absent) : undefined;
    if (replacement) out.push({ path: [...u.parent, u.key], key: u.key, replacement });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

/** The members whose JSON type the reduced check reads, by kind: single descriptors and arrays of descriptors. */
const REDUCED_SHAPE: Partial<Record<DocumentKind, { objects: string[]; lists: string[] }>> = {
  'image-manifest': { objects: ['config', 'subject'], lists: ['layers'] },
  'docker-manifest': { objects: ['config'], lists: ['layers'] },
  'artifact-manifest': { objects: ['subject'], lists: ['blobs'] },
  'image-index': { objects: ['subject'], lists: ['manifests'] },
  'docker-manifest-list': { objects: [], lists: ['manifests'] },
};

/** Reports a value of the wrong JSON type at `path`, as the full check words it. */
function reportType(ctx: CheckContext, path: Path, value: unknown, expected: string): void {
  const actual = describeValue(value);
  ctx.report(
    wrongType,
    { path },
    `${formatPath(path)} is ${actual.text}; it must be ${expectedText([expected])}.`,
    {
      expected: [expected],
      actual: actual.type,
    },
  );
}

export const schemaCheck: Check = {
  id: 'schema',
  rules: schemaRules,
  kinds: SCHEMA_KINDS,
  /**
   * Beyond the full-check limits, the JSON types that decide what the document is: its descriptors are objects,
   * its lists of descriptors are arrays of objects (no walk below them, whatever their depth).
   */
  reduced(ctx) {
    const { root } = ctx;
    const shape = REDUCED_SHAPE[ctx.kind];
    if (!shape || !isObject(root)) return;
    for (const key of shape.objects)
      if (key in root && !isObject(root[key])) reportType(ctx, [key], root[key], 'object');
    for (const key of shape.lists) {
      if (!(key in root)) continue;
      const items = root[key];
      if (!Array.isArray(items)) {
        reportType(ctx, [key], items, 'array');
        continue;
      }
      for (let i = 0; i < items.length; i++)
        if (!isObject(items[i])) reportType(ctx, [key, i], items[i], 'object');
    }
  },
  run(ctx) {
    const validate = validatorFor(ctx.kind);
    if (!validate) return;
    const misspellings = findMisspellings(ctx.unknownKeys);
    const used = new Set<Misspelling>();
    if (!validate(ctx.root)) {
      for (const issue of mapSchemaErrors(ctx.kind, ctx.root, validate.errors ?? [], misspellings, used)) {
        ctx.report(issue.rule, issue.at, issue.message, issue.data);
      }
    }
    const label = KIND_LABELS[ctx.kind];
    for (const m of misspellings) {
      if (used.has(m)) continue; // already reported as the missing required property it stands for
      const parent = m.path.slice(0, -1);
      const where = parent.length ? describePlace(ctx.kind, parent, false) : `the ${label}`;
      ctx.report(
        unknownProperty,
        { path: m.path, on: 'key' },
        `Unknown property "${m.key}"; did you mean "${m.replacement}"? Consumers ignore unknown properties, so in ${where} this value has no effect.`,
        { replacement: m.replacement },
      );
    }
  },
};

export { editDistance } from '../distance';
