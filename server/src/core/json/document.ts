import * as jsonc from 'jsonc-parser';
import type { Path, Span } from '../findings';
import { decodeKey, NodeType, scan, type DuplicateKey, type NodeTable } from './scan';

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
  const scanned = scan(text, from);
  if (!scanned.error) {
    let value: unknown;
    try {
      value = JSON.parse(bom ? text.slice(1) : text);
    } catch {
      value = undefined;
    }
    return new TableDocument(text, value, true, [], scanned.nodes, scanned.duplicates, bom, scanned.maxDepth);
  }
  // Tolerant path: jsonc-parser recovers and reports every error; it recurses, so guard the stack.
  const errors: jsonc.ParseError[] = [];
  let root: jsonc.Node | undefined;
  try {
    root = jsonc.parseTree(text.slice(from), errors, {
      allowTrailingComma: false,
      disallowComments: true,
      allowEmptyContent: false,
    });
  } catch {
    root = undefined;
    errors.length = 0;
  }
  const seen = new Set<number>();
  const syntaxErrors: SyntaxError[] = errors.length
    ? errors.filter((e) => !seen.has(e.offset) && seen.add(e.offset)).map((e) => ({
        message: `${ERROR_TEXT[jsonc.printParseErrorCode(e.error)] ?? 'The JSON is malformed'}.`,
        offset: e.offset + from,
        length: e.length,
      }))
    : [scanned.error];
  if (!root) {
    return new TableDocument(text, undefined, false, syntaxErrors, scanned.nodes, scanned.duplicates, bom, scanned.maxDepth);
  }
  let value: unknown;
  try {
    value = jsonc.getNodeValue(root);
  } catch {
    value = undefined;
  }
  return new TreeDocument(text, value, syntaxErrors, root, from, scanned.duplicates, bom, scanned.maxDepth);
}

/** Index over the scanner's flat node table (the fast, strict path). */
class TableDocument implements JsonDocument {
  readonly strict: boolean;
  private childCache = new Map<number, number[]>();
  constructor(
    readonly text: string,
    readonly value: unknown,
    strict: boolean,
    readonly syntaxErrors: readonly SyntaxError[],
    private readonly nodes: NodeTable,
    readonly duplicates: readonly DuplicateKey[],
    readonly bom: boolean,
    readonly maxDepth: number,
  ) {
    this.strict = strict;
  }

  private children(node: number): number[] {
    let c = this.childCache.get(node);
    if (!c) {
      c = [];
      const n = this.nodes;
      if (node + 1 < n.count && n.parent[node + 1] === node) {
        for (let k = node + 1; k >= 0; k = n.next[k]!) c.push(k);
      }
      this.childCache.set(node, c);
    }
    return c;
  }

  private child(node: number, seg: string | number): number {
    const n = this.nodes;
    if (n.type[node] === NodeType.Array) {
      if (typeof seg !== 'number') return -1;
      return this.children(node)[seg] ?? -1;
    }
    if (n.type[node] !== NodeType.Object) return -1;
    const key = String(seg);
    // The last occurrence wins, as in JSON.parse.
    let found = -1;
    for (const k of this.children(node)) {
      if (decodeKey(this.text, n.keyStart[k]!, n.keyEnd[k]!) === key) found = k;
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
    return { offset: this.nodes.keyStart[node]!, length: this.nodes.keyEnd[node]! - this.nodes.keyStart[node]! };
  }

  pathAt(offset: number): { path: (string | number)[]; onKey: boolean } | undefined {
    const n = this.nodes;
    if (n.count === 0 || offset < n.start[0]! || offset > n.end[0]!) return undefined;
    const path: (string | number)[] = [];
    let node = 0;
    let onKey = false;
    for (;;) {
      const kids = this.children(node);
      let next = -1;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i]!;
        const ks = n.keyStart[k]!;
        const from = ks >= 0 ? ks : n.start[k]!;
        if (offset >= from && offset <= n.end[k]!) {
          next = k;
          path.push(ks >= 0 ? decodeKey(this.text, ks, n.keyEnd[k]!) : i);
          onKey = ks >= 0 && offset <= n.keyEnd[k]!;
          break;
        }
      }
      if (next < 0 || onKey) return { path, onKey };
      node = next;
    }
  }
}

/** Index over jsonc-parser's tree (the tolerant path for text with syntax errors). */
class TreeDocument implements JsonDocument {
  readonly strict = false;
  constructor(
    readonly text: string,
    readonly value: unknown,
    readonly syntaxErrors: readonly SyntaxError[],
    private readonly root: jsonc.Node,
    private readonly shift: number,
    readonly duplicates: readonly DuplicateKey[],
    readonly bom: boolean,
    readonly maxDepth: number,
  ) {}

  private find(path: Path): jsonc.Node | undefined {
    let node: jsonc.Node | undefined = this.root;
    for (const seg of path) {
      if (!node) return undefined;
      if (node.type === 'array') {
        node = typeof seg === 'number' ? node.children?.[seg] : undefined;
      } else if (node.type === 'object') {
        let found: jsonc.Node | undefined;
        for (const prop of node.children ?? []) {
          if (prop.children?.[0]?.value === String(seg) && prop.children[1]) found = prop.children[1];
        }
        node = found;
      } else return undefined;
    }
    return node;
  }

  locate(path: Path): Span | undefined {
    const node = this.find(path);
    return node ? { offset: node.offset + this.shift, length: node.length } : undefined;
  }

  locateKey(path: Path): Span | undefined {
    const node = this.find(path);
    const key = node?.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return key ? { offset: key.offset + this.shift, length: key.length } : undefined;
  }

  pathAt(offset: number): { path: (string | number)[]; onKey: boolean } | undefined {
    const node = jsonc.findNodeAtOffset(this.root, offset - this.shift, true);
    if (!node) return undefined;
    const onKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
    const target = onKey ? node.parent!.children![1] ?? node : node;
    return { path: jsonc.getNodePath(target), onKey };
  }
}
