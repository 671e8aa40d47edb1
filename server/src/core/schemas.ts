/**
 * The JSON Schemas we author (`schemas/*.schema.json`), mapped to document kinds, plus a small resolver
 * that walks them without a validator: which properties a place defines, and the schema for a path
 * (what hovers and the near-miss key check need). The files are bundled by esbuild; nothing is read at
 * run time.
 */
import artifactManifest from '../../../schemas/artifact-manifest.schema.json';
import defs from '../../../schemas/defs.schema.json';
import descriptor from '../../../schemas/descriptor.schema.json';
import dockerConfig from '../../../schemas/docker-config.schema.json';
import dockerManifest from '../../../schemas/docker-manifest.schema.json';
import dockerManifestList from '../../../schemas/docker-manifest-list.schema.json';
import imageConfig from '../../../schemas/image-config.schema.json';
import imageIndex from '../../../schemas/image-index.schema.json';
import imageManifest from '../../../schemas/image-manifest.schema.json';
import layoutHeader from '../../../schemas/layout-header.schema.json';
import type { Path } from './findings';
import type { DocumentKind } from './kinds';

/** The parts of a JSON Schema node this code reads. */
export interface SchemaNode {
  $id?: string;
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
  title?: string;
  description?: string;
  markdownDescription?: string;
  type?: string | string[];
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  [keyword: string]: unknown;
}

const asNode = (s: unknown): SchemaNode => s as SchemaNode;

/** The shared definitions every other schema refers to. */
export const DEFS_SCHEMA: SchemaNode = asNode(defs);

/** The schema of each kind that has one (Docker schema 1 has none: it is only reported as deprecated). */
export const KIND_SCHEMAS: Partial<Record<DocumentKind, SchemaNode>> = {
  'image-manifest': asNode(imageManifest),
  'image-index': asNode(imageIndex),
  'image-config': asNode(imageConfig),
  descriptor: asNode(descriptor),
  'layout-header': asNode(layoutHeader),
  'docker-manifest': asNode(dockerManifest),
  'docker-manifest-list': asNode(dockerManifestList),
  'docker-config': asNode(dockerConfig),
  'artifact-manifest': asNode(artifactManifest),
};

/** Every schema file, the shared definitions first (a validator must know them before the others). */
export const ALL_SCHEMAS: readonly SchemaNode[] = [DEFS_SCHEMA, ...Object.values(KIND_SCHEMAS)];

const BASE = 'https://oci-manifest.dev/schemas/';
const BY_ID = new Map<string, SchemaNode>(ALL_SCHEMAS.map((s) => [s.$id ?? '', s]));

/** A schema node together with the document it lives in (needed to resolve its local `$ref`s). */
export interface Located {
  node: SchemaNode;
  doc: SchemaNode;
}

/** Follows a `$ref` such as `defs.schema.json#/$defs/descriptor` or `#/$defs/x`; undefined when unknown. */
export function follow(ref: string, doc: SchemaNode): Located | undefined {
  const hash = ref.indexOf('#');
  const file = hash < 0 ? ref : ref.slice(0, hash);
  const pointer = hash < 0 ? '' : ref.slice(hash + 1);
  const target = file ? BY_ID.get(file.startsWith('http') ? file : BASE + file) : doc;
  if (!target) return undefined;
  let node: unknown = target;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return typeof node === 'object' && node !== null ? { node: node as SchemaNode, doc: target } : undefined;
}

/**
 * The node and everything it includes through `$ref` and `allOf`, outermost first. Bounded: our schemas
 * are not recursive, and a depth cap protects against a future mistake.
 */
function expand(start: Located): Located[] {
  const out: Located[] = [];
  const todo: { at: Located; depth: number }[] = [{ at: start, depth: 0 }];
  while (todo.length) {
    const { at, depth } = todo.shift()!;
    if (depth > 16) continue;
    out.push(at);
    if (at.node.$ref) {
      const next = follow(at.node.$ref, at.doc);
      if (next) todo.push({ at: next, depth: depth + 1 });
    }
    for (const sub of at.node.allOf ?? []) todo.push({ at: { node: sub, doc: at.doc }, depth: depth + 1 });
  }
  return out;
}

/** A place in a schema: the merged view of a node with its `$ref`s and `allOf`s. */
export class SchemaPlace {
  private readonly parts: Located[];
  // Memoised: a walk over a 10,000-entry index asks the same place the same questions many times.
  private props?: Map<string, SchemaPlace>;
  private itemsPlace?: SchemaPlace | null;
  private additionalPlace?: SchemaPlace | null;
  private named?: boolean;
  constructor(start: Located) {
    this.parts = expand(start);
  }

  /** The first value of `keyword` found, outermost first (so a referencing site's description wins). */
  get<K extends keyof SchemaNode>(keyword: K): SchemaNode[K] | undefined {
    for (const p of this.parts) if (p.node[keyword] !== undefined) return p.node[keyword];
    return undefined;
  }

  /** The properties this place defines, merged across `$ref` and `allOf` (the first definition wins). */
  properties(): ReadonlyMap<string, SchemaPlace> {
    if (this.props) return this.props;
    const out = new Map<string, SchemaPlace>();
    for (const p of this.parts) {
      for (const [name, sub] of Object.entries(p.node.properties ?? {})) {
        if (!out.has(name)) out.set(name, new SchemaPlace({ node: sub, doc: p.doc }));
      }
    }
    this.props = out;
    return out;
  }

  /** True when the place defines named properties (a fixed-shape object rather than a free-form map). */
  hasProperties(): boolean {
    this.named ??= this.parts.some((p) => p.node.properties && Object.keys(p.node.properties).length > 0);
    return this.named;
  }

  /** The names a place requires, merged across `$ref` and `allOf`. */
  required(): Set<string> {
    return new Set(this.parts.flatMap((p) => p.node.required ?? []));
  }

  /** The schema for array entries, if any. */
  items(): SchemaPlace | undefined {
    if (this.itemsPlace === undefined) {
      const p = this.parts.find((x) => x.node.items);
      this.itemsPlace = p?.node.items ? new SchemaPlace({ node: p.node.items, doc: p.doc }) : null;
    }
    return this.itemsPlace ?? undefined;
  }

  /** The schema for members not named in `properties`, if any. */
  additional(): SchemaPlace | undefined {
    if (this.additionalPlace === undefined) {
      const p = this.parts.find((x) => typeof x.node.additionalProperties === 'object');
      const a = p?.node.additionalProperties;
      this.additionalPlace = p && typeof a === 'object' ? new SchemaPlace({ node: a, doc: p.doc }) : null;
    }
    return this.additionalPlace ?? undefined;
  }

  /** The schema for one member (a named property, else the additional-properties schema) or entry. */
  child(seg: string | number): SchemaPlace | undefined {
    if (typeof seg === 'number') return this.items();
    return this.properties().get(seg) ?? this.additional();
  }
}

/** The root place of a kind's schema, or undefined for kinds without one. */
const ROOTS = new Map<DocumentKind, SchemaPlace>();

export function schemaRoot(kind: DocumentKind): SchemaPlace | undefined {
  const cached = ROOTS.get(kind);
  if (cached) return cached;
  const node = KIND_SCHEMAS[kind];
  if (!node) return undefined;
  const place = new SchemaPlace({ node, doc: node });
  ROOTS.set(kind, place);
  return place;
}

/**
 * The schema place for a path in a document of `kind` (for hovers: its `description` and
 * `markdownDescription`), or undefined when the path leaves what the schema describes.
 */
export function schemaAt(kind: DocumentKind, path: Path): SchemaPlace | undefined {
  let place = schemaRoot(kind);
  for (const seg of path) {
    if (!place) return undefined;
    place = place.child(seg);
  }
  return place;
}
