import * as jsonc from 'jsonc-parser';
import type { Path, Span } from '../findings';
import { decodeKey, NodeTable, NodeType, scan, type DuplicateKey } from './scan';

export interface SyntaxError extends Span {
  message: string;
}

/**
 * A parsed document: the value (from JSON.parse when the text is strict JSON, else a tolerant parse)
 * plus an offset index that maps paths to spans lazily.
 */
export interface JsonDocument {
  readonly text: string;
  /** The parsed value; undefined when not even a tolerant parse found a root value. */
  readonly value: unknown;
  /** True when the text is strict JSON (no syntax errors). */
  readonly strict: boolean;
  readonly syntaxErrors: readonly SyntaxError[];
  readonly duplicates: readonly DuplicateKey[];
  /** True when the text starts with a byte-order mark. */
  readonly bom: boolean;
  readonly maxDepth: number;
  /**
   * True when the text is strict JSON whose numbers are all plain digits (no fraction, no exponent), so
   * that a safe integer's text is known without looking it up. False when unknown.
   */
  readonly plainNumbers: boolean;
  /** The span of the value at `path`, or undefined. */
  locate(path: Path): Span | undefined;
  /** The span of the key (with quotes) of the member at `path` (its last segment must be a key). */
  locateKey(path: Path): Span | undefined;
  /** The path of the innermost value or key containing `offset`, and whether it is on a key. */
  pathAt(offset: number): { path: (string | number)[]; onKey: boolean } | undefined;
}

const ERROR_TEXT: Record<string, string> = {
  InvalidSymbol: 'This is not valid JSON here',
  InvalidNumberFormat: 'The number is malformed',
  PropertyNameExpected: 'A property name in double quotes was expected',
  ValueExpected: 'A JSON value was expected',
  ColonExpected: 'A colon (":") was expected after the property name',
  CommaExpected: 'A comma (",") was expected between members',
  CloseBraceExpected: 'A closing brace ("}") was expected',
  CloseBracketExpected: 'A closing bracket ("]") was expected',
  EndOfFileExpected: 'Nothing may follow the JSON value',
  InvalidCommentToken: 'Comments are not allowed in JSON manifests',
  UnexpectedEndOfComment: 'A comment is not closed',
  UnexpectedEndOfString: 'A string is not closed; a closing quote (") was expected',
  UnexpectedEndOfNumber: 'The number ends too early',
  InvalidUnicode: 'The \\u escape is not four hex digits',
  InvalidEscapeCharacter: 'The escape sequence is not valid JSON',
  InvalidCharacter: 'A raw control character is not allowed inside a JSON string',
};

/** Parses `text` once: fast path for strict JSON, tolerant path for text being typed. */
export function parseJson(text: string): JsonDocument {
  const bom = text.charCodeAt(0) === 0xfeff;
  const from = bom ? 1 : 0;
  // Fast path: JSON.parse accepts exactly the strict grammar, so once it succeeds the scanner only has
  // to index the text (no validation), which is several times cheaper than validating it.
  let value: unknown;
  let strict = true;
  try {
    value = JSON.parse(bom ? text.slice(1) : text);
  } catch {
    strict = false;
  }
  if (strict) {
    const indexed = scan(text, from, true);
    if (!indexed.error)
      return new TableDocument(
        text,
        value,
        true,
        [],
        indexed.nodes,
        indexed.duplicates,
        bom,
        indexed.maxDepth,
        indexed.plainNumbers,
      );
  }
  const scanned = scan(text, from);
  if (!scanned.error) {
    // Not reached while JSON.parse and the scanner agree on the grammar; kept as a safe fallback.
    return new TableDocument(
      text,
      value,
      true,
      [],
      scanned.nodes,
      scanned.duplicates,
      bom,
      scanned.maxDepth,
      scanned.plainNumbers,
    );
  }
  // Tolerant path: jsonc-parser's visitor recovers and reports every error; it recurses, so guard the stack.
  const tolerant = tolerantParse(text, from);
  const seen = new Set<number>();
  const syntaxErrors: SyntaxError[] = tolerant.errors.length
    ? tolerant.errors
        .filter((e) => !seen.has(e.offset) && seen.add(e.offset))
        .map((e) => ({
          message: `${ERROR_TEXT[jsonc.printParseErrorCode(e.error)] ?? 'The JSON is malformed'}.`,
          offset: e.offset + from,
          length: e.length,
        }))
    : [scanned.error];
  if (!tolerant.hasRoot) {
    return new TableDocument(
      text,
      undefined,
      false,
      syntaxErrors,
      scanned.nodes,
      scanned.duplicates,
      bom,
      scanned.maxDepth,
      false,
    );
  }
  const maxDepth = Math.max(scanned.maxDepth, tolerant.maxDepth);
  return new TableDocument(
    text,
    tolerant.value,
    false,
    syntaxErrors,
    tolerant.nodes,
    scanned.duplicates,
    bom,
    maxDepth,
    false,
    tolerant.keyNames,
  );
}

interface TolerantParse {
  hasRoot: boolean;
  value: unknown;
  nodes: NodeTable;
  /** The decoded key of each member's value node (keys of broken text cannot be re-read from it). */
  keyNames: (string | undefined)[];
  errors: jsonc.ParseError[];
  maxDepth: number;
}

/** Objects with more members than this get a key index on their first lookup. */
const LINEAR_LOOKUP = 32;

/** At most this many syntax errors are kept from the tolerant parse. */
const MAX_SYNTAX_ERRORS = 1000;

/**
 * Parses text with syntax errors the way `jsonc.getNodeValue(jsonc.parseTree(text))` does (the last
 * duplicate wins, a member without a value is left out; objects are plain objects as JSON.parse makes
 * them, so that checks see the same shapes on both paths), but straight from
 * the visitor into a node table and the value: several times faster than building jsonc's tree on a
 * multi-megabyte index, where this runs on every keystroke that leaves the text briefly invalid.
 */
function tolerantParse(text: string, from: number): TolerantParse {
  const nodes = new NodeTable(Math.min(1 << 20, Math.max(64, (text.length - from) >> 5)));
  const keyNames: (string | undefined)[] = [];
  const errors: jsonc.ParseError[] = [];
  // Open containers: node, JS value, last child node, and (objects) the pending member's key.
  const stackNode: number[] = [];
  const stackValue: (Record<string, unknown> | unknown[])[] = [];
  const lastChild: number[] = [];
  let depth = 0;
  let maxDepth = 0;
  let pendingKey: string | undefined;
  let pendingKeyStart = -1;
  let pendingKeyEnd = -1;
  let hasRoot = false;
  let rootValue: unknown;
  let rootDone = false;

  /** Adds a value node under the current container (or as the root); returns -1 when it is ignored. */
  const place = (type: NodeType, offset: number, v: unknown): number => {
    if (depth > 0 && stackNode[depth - 1]! < 0) return -1; // inside an ignored container
    if (depth === 0) {
      if (rootDone) return -1; // text after the root value: jsonc keeps only the first value
      const node = nodes.add(type, offset + from, offset + from, -1, -1, -1);
      keyNames.push(undefined); // one entry per node, so that the array stays dense (and fast)
      hasRoot = true;
      rootValue = v;
      return node;
    }
    const parentNode = stackNode[depth - 1]!;
    const container = stackValue[depth - 1]!;
    let node: number;
    if (Array.isArray(container)) {
      node = nodes.add(type, offset + from, offset + from, parentNode, -1, -1);
      keyNames.push(undefined);
      container.push(v);
    } else {
      if (pendingKey === undefined) return -1; // never produced by the visitor: values follow a key
      node = nodes.add(type, offset + from, offset + from, parentNode, pendingKeyStart, pendingKeyEnd);
      keyNames.push(pendingKey);
      // As JSON.parse does: "__proto__" is an ordinary own property, not the prototype.
      if (pendingKey === '__proto__')
        Object.defineProperty(container, pendingKey, {
          value: v,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      else container[pendingKey] = v;
      pendingKey = undefined;
    }
    const prev = lastChild[depth - 1]!;
    if (prev >= 0) nodes.next[prev] = node;
    lastChild[depth - 1] = node;
    return node;
  };
  const open = (type: NodeType, offset: number, v: Record<string, unknown> | unknown[]): void => {
    const node = place(type, offset, v);
    if (node < 0) {
      // An ignored container still nests: keep a detached frame so that its members are ignored too.
      stackNode[depth] = -1;
      stackValue[depth] = v;
      lastChild[depth] = -1;
    } else {
      stackNode[depth] = node;
      stackValue[depth] = v;
      lastChild[depth] = -1;
    }
    depth++;
    if (depth > maxDepth) maxDepth = depth;
    pendingKey = undefined;
  };
  const close = (offset: number, length: number): void => {
    if (depth === 0) return;
    depth--;
    const node = stackNode[depth]!;
    if (node >= 0) nodes.end[node] = offset + length + from;
    if (depth === 0) rootDone = true;
    pendingKey = undefined;
  };

  try {
    jsonc.visit(
      text.slice(from),
      {
        onObjectBegin: (offset) => open(NodeType.Object, offset, {}),
        onObjectProperty: (name, offset, length) => {
          pendingKey = name;
          pendingKeyStart = offset + from;
          pendingKeyEnd = offset + length + from;
        },
        onObjectEnd: (offset, length) => close(offset, length),
        onArrayBegin: (offset) => open(NodeType.Array, offset, []),
        onArrayEnd: (offset, length) => close(offset, length),
        onLiteralValue: (v: unknown, offset, length) => {
          const type =
            typeof v === 'string'
              ? NodeType.String
              : typeof v === 'number'
                ? NodeType.Number
                : NodeType.Literal;
          const node = place(type, offset, v);
          if (node >= 0) nodes.end[node] = offset + length + from;
          if (depth === 0 && node >= 0) rootDone = true;
        },
        onSeparator: (sep) => {
          if (sep === ',') pendingKey = undefined;
        },
        onError: (error, offset, length) => {
          // One broken quote can misalign the rest of a large file into 100,000 errors; the first ones
          // are the useful ones, and the facade shows at most a thousand findings anyway.
          if (errors.length < MAX_SYNTAX_ERRORS) errors.push({ error, offset, length });
        },
      },
      { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false },
    );
  } catch {
    // Too deep for the visitor's recursion: no tolerant value, as with jsonc's own tree.
    return { hasRoot: false, value: undefined, nodes, keyNames, errors: [], maxDepth };
  }
  return { hasRoot, value: rootValue, nodes, keyNames, errors, maxDepth };
}

/** Index over a flat node table: the scanner's for strict text, the tolerant parser's for broken text. */
class TableDocument implements JsonDocument {
  readonly strict: boolean;
  private childCache = new Map<number, number[]>();
  private keyIndexes = new Map<number, Map<string, number>>();
  constructor(
    readonly text: string,
    readonly value: unknown,
    strict: boolean,
    readonly syntaxErrors: readonly SyntaxError[],
    private readonly nodes: NodeTable,
    readonly duplicates: readonly DuplicateKey[],
    readonly bom: boolean,
    readonly maxDepth: number,
    readonly plainNumbers: boolean,
    /** Decoded keys by node, for text with syntax errors; strict text is decoded from the text itself. */
    private readonly keyNames?: readonly (string | undefined)[],
  ) {
    this.strict = strict;
  }

  private keyOf(k: number): string {
    const names = this.keyNames;
    if (names) return names[k] ?? '';
    return decodeKey(this.text, this.nodes.keyStart[k]!, this.nodes.keyEnd[k]!);
  }

  /** The element nodes of an array, cached: checks look up many indexes of the same large array. */
  private elements(node: number): number[] {
    let c = this.childCache.get(node);
    if (!c) {
      c = [];
      const n = this.nodes;
      for (let k = this.firstChild(node); k >= 0; k = n.next[k]!) c.push(k);
      this.childCache.set(node, c);
    }
    return c;
  }

  private firstChild(node: number): number {
    const n = this.nodes;
    return node + 1 < n.count && n.parent[node + 1] === node ? node + 1 : -1;
  }

  /** True when the member `k`'s key decodes to `key` (compared on the raw text unless it has escapes). */
  private keyIs(k: number, key: string, keyHasBackslash: boolean): boolean {
    const n = this.nodes;
    const ks = n.keyStart[k]! + 1;
    const ke = n.keyEnd[k]! - 1;
    const rawLength = ke - ks;
    // An escape is longer than the character it stands for, so a raw key shorter than `key` never
    // matches, one of the same length matches exactly when the text is equal and has no escape, and a
    // longer one can match only through escapes.
    if (rawLength < key.length) return false;
    if (rawLength === key.length) return !keyHasBackslash && this.text.startsWith(key, ks);
    const text = this.text;
    for (let i = ks; i < ke; i++) {
      if (text.charCodeAt(i) === 92) return decodeKey(text, ks - 1, ke + 1) === key;
    }
    return false;
  }

  /**
   * For an object with many members (an annotations map with thousands of keys), a map from each key to
   * its last member, built on the first lookup, so that looking up every key stays linear.
   */
  private keyIndex(node: number): Map<string, number> | undefined {
    let index = this.keyIndexes.get(node);
    if (index) return index;
    const n = this.nodes;
    let count = 0;
    for (let k = this.firstChild(node); k >= 0 && count <= LINEAR_LOOKUP; k = n.next[k]!) count++;
    if (count <= LINEAR_LOOKUP) return undefined;
    index = new Map();
    for (let k = this.firstChild(node); k >= 0; k = n.next[k]!) index.set(this.keyOf(k), k);
    this.keyIndexes.set(node, index);
    return index;
  }

  private child(node: number, seg: string | number): number {
    const n = this.nodes;
    if (n.type[node] === NodeType.Array) {
      if (typeof seg !== 'number') return -1;
      return this.elements(node)[seg] ?? -1;
    }
    if (n.type[node] !== NodeType.Object) return -1;
    const key = String(seg);
    const index = this.keyIndex(node);
    if (index) return index.get(key) ?? -1;
    const keyHasBackslash = key.includes('\\');
    const names = this.keyNames;
    // The last occurrence wins, as in JSON.parse.
    let found = -1;
    for (let k = this.firstChild(node); k >= 0; k = n.next[k]!) {
      if (names ? names[k] === key : this.keyIs(k, key, keyHasBackslash)) found = k;
    }
    return found;
  }

  private find(path: Path): number {
    if (this.nodes.count === 0) return -1;
    let node = 0;
    for (const seg of path) {
      node = this.child(node, seg);
      if (node < 0) return -1;
    }
    return node;
  }

  locate(path: Path): Span | undefined {
    const node = this.find(path);
    if (node < 0) return undefined;
    return { offset: this.nodes.start[node]!, length: this.nodes.end[node]! - this.nodes.start[node]! };
  }

  locateKey(path: Path): Span | undefined {
    const node = this.find(path);
    if (node < 0 || this.nodes.keyStart[node]! < 0) return undefined;
    return {
      offset: this.nodes.keyStart[node]!,
      length: this.nodes.keyEnd[node]! - this.nodes.keyStart[node]!,
    };
  }

  pathAt(offset: number): { path: (string | number)[]; onKey: boolean } | undefined {
    const n = this.nodes;
    if (n.count === 0 || offset < n.start[0]! || offset > n.end[0]!) return undefined;
    const path: (string | number)[] = [];
    let node = 0;
    let onKey = false;
    for (;;) {
      let next = -1;
      if (n.type[node] === NodeType.Array) {
        // Elements are in document order: binary search for the last one starting at or before offset.
        const kids = this.elements(node);
        let lo = 0;
        let hi = kids.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (n.start[kids[mid]!]! <= offset) lo = mid;
          else hi = mid - 1;
        }
        const k = kids[lo];
        if (k !== undefined && offset >= n.start[k]! && offset <= n.end[k]!) {
          next = k;
          path.push(lo);
        }
      } else if (n.type[node] === NodeType.Object) {
        for (let k = this.firstChild(node); k >= 0; k = n.next[k]!) {
          const ks = n.keyStart[k]!;
          if (offset >= ks && offset <= n.end[k]!) {
            next = k;
            path.push(this.keyOf(k));
            onKey = offset <= n.keyEnd[k]!;
            break;
          }
        }
      }
      if (next < 0 || onKey) return { path, onKey };
      node = next;
    }
  }
}
