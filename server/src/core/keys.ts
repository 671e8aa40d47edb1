/**
 * The keys of a document that its kind's schema does not define where they stand, found in one walk per
 * analysis. Two checks read them: case variants of specified keys (`oci/key-case`) and misspelt properties
 * (`oci/unknown-property`). A well-formed manifest has none, so neither check needs a walk of its own.
 */
import type { Path } from './findings';
import type { DocumentKind } from './kinds';
import { isObject, type JsonObject } from './model';
import { schemaRoot, type SchemaPlace } from './schemas';

/** A key the schema does not define at its place (or a key where the schema describes nothing). */
export class UnknownKey {
  private path?: Path;
  constructor(
    readonly key: string,
    /** The object that holds the key. */
    readonly object: JsonObject,
    /** The schema's description of the object; undefined where the schema describes nothing. */
    readonly place: SchemaPlace | undefined,
    private readonly base: Path,
    private readonly entry?: Entry,
  ) {}

  /** The path of the object that holds the key (built on first use below the recursion limit). */
  get parent(): Path {
    if (this.path) return this.path;
    const segs: (string | number)[] = [];
    for (let e = this.entry; e && e.seg !== undefined; e = e.parent) segs.push(e.seg);
    this.path = segs.length ? [...this.base, ...segs.reverse()] : this.base;
    return this.path;
  }
}

/** Free-form maps hold user keys, not specified ones, and their values are strings or empty objects. */
const isFreeForm = (seg: string | number | undefined): boolean =>
  seg === 'annotations' || seg === 'Labels' || seg === 'ExposedPorts' || seg === 'Volumes';

/** Walk budget: bounded work on pathological documents. */
const MAX_VISITS = 200_000;

/**
 * At most this many unknown keys are recorded (bounded memory for an object with a million keys where the
 * schema describes nothing); findings stop at a thousand anyway.
 */
const MAX_UNKNOWN = 100_000;

/** The walk recurses this deep (allocating nothing per value); deeper values go on an explicit stack. */
const RECURSION_LIMIT = 48;

/** Schemas nest a few levels; below this depth the walk stops following the schema. */
const MAX_SCHEMA_DEPTH = 32;

/** Every unknown key of `root`, read as a document of `kind`, in document order (free-form maps skipped). */
export function unknownKeys(kind: DocumentKind, root: unknown): UnknownKey[] {
  const walk = new KeyWalk();
  if (typeof root === 'object' && root !== null) walk.visit(root, schemaRoot(kind), 0);
  return walk.found;
}

/** A visited value below the recursion limit; linked to its parent so that a path is built only when needed. */
interface Entry {
  value: unknown;
  seg: string | number | undefined;
  parent: Entry | undefined;
}

class KeyWalk {
  readonly found: UnknownKey[] = [];
  /** The path of the value being visited: one shared stack, copied only for an object with unknown keys. */
  private readonly path: (string | number)[] = [];
  private left = MAX_VISITS;

  /** Visits an object or array (free-form maps are never entered: their keys are the user's). */
  visit(value: object, place: SchemaPlace | undefined, depth: number): void {
    if (this.left-- <= 0) return;
    const path = this.path;
    const deeper = depth + 1;
    if (Array.isArray(value)) {
      const items = place === undefined || deeper > MAX_SCHEMA_DEPTH ? undefined : place.items();
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (typeof child !== 'object' || child === null) continue;
        path.push(i);
        if (deeper < RECURSION_LIMIT) this.visit(child, items, deeper);
        else this.visitDeep(child, [...path]);
        path.pop();
      }
      return;
    }
    const defined = place === undefined ? undefined : place.properties();
    const extra = place === undefined || deeper > MAX_SCHEMA_DEPTH ? undefined : place.additional();
    let parent: Path | undefined;
    for (const key in value) {
      const sub = defined === undefined ? undefined : defined.get(key);
      if (sub === undefined && this.found.length < MAX_UNKNOWN) {
        parent ??= [...path];
        this.found.push(new UnknownKey(key, value as JsonObject, place, parent));
      }
      const child: unknown = (value as JsonObject)[key];
      if (typeof child !== 'object' || child === null || isFreeForm(key)) continue;
      path.push(key);
      if (deeper < RECURSION_LIMIT)
        this.visit(child, deeper > MAX_SCHEMA_DEPTH ? undefined : (sub ?? extra), deeper);
      else this.visitDeep(child, [...path]);
      path.pop();
    }
  }

  /** The walk below the recursion limit (documents nested thousands deep): an explicit stack, no schema. */
  private visitDeep(start: unknown, base: (string | number)[]): void {
    const stack: Entry[] = [{ value: start, seg: undefined, parent: undefined }];
    while (stack.length && this.left-- > 0) {
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
      const children: Entry[] = [];
      for (const key in value) {
        if (this.found.length < MAX_UNKNOWN)
          this.found.push(new UnknownKey(key, value, undefined, base, entry));
        const child = value[key];
        if (typeof child === 'object' && child !== null && !isFreeForm(key))
          children.push({ value: child, seg: key, parent: entry });
      }
      // Reversed onto the stack, so that members are visited (and keys found) in document order.
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
}
