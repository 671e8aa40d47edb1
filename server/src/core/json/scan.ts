/**
 * A strict, iterative JSON scanner (RFC 8259) that records where every value and key sits, without
 * building the values themselves (JSON.parse does that far faster). The result is a flat node table in
 * document order, so a multi-megabyte index costs a few typed arrays, and nesting depth costs no stack.
 */

export const enum NodeType {
  Object = 0,
  Array = 1,
  String = 2,
  Number = 3,
  Literal = 4,
}

/** A duplicate key: the later occurrence and the first one. */
export interface DuplicateKey {
  /** Node index of the object holding both keys. */
  object: number;
  key: string;
  offset: number;
  length: number;
  firstOffset: number;
}

export interface ScanError {
  message: string;
  offset: number;
  length: number;
}

/** The flat table of nodes. Node 0 is the root value (when there is one). */
export class NodeTable {
  count = 0;
  type = new Uint8Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  /** Offset of the key string's opening quote for object members, else -1. */
  keyStart = new Int32Array(1024);
  keyEnd = new Int32Array(1024);
  parent = new Int32Array(1024);
  /** Next sibling node, or -1. */
  next = new Int32Array(1024);

  add(type: NodeType, start: number, parent: number, keyStart: number, keyEnd: number): number {
    const i = this.count;
    if (i === this.type.length) this.grow();
    this.type[i] = type;
    this.start[i] = start;
    this.end[i] = start;
    this.keyStart[i] = keyStart;
    this.keyEnd[i] = keyEnd;
    this.parent[i] = parent;
    this.next[i] = -1;
    this.count = i + 1;
    return i;
  }

  private grow(): void {
    const n = this.type.length * 2;
    const g = <T extends Uint8Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.type = g(this.type);
    this.start = g(this.start);
    this.end = g(this.end);
    this.keyStart = g(this.keyStart);
    this.keyEnd = g(this.keyEnd);
    this.parent = g(this.parent);
    this.next = g(this.next);
  }
}

export interface ScanResult {
  nodes: NodeTable;
  duplicates: DuplicateKey[];
  /** The first syntax error, if the text is not strict JSON. The table then covers what came before it. */
  error?: ScanError;
  maxDepth: number;
}

const enum C {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  E = 69,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  e = 101,
  LBrace = 123,
  RBrace = 125,
}

const ESCAPABLE = new Set([34, 92, 47, 98, 102, 110, 114, 116, 117]);

/** Decodes a JSON string token's text (with quotes) to its value. */
export function decodeKey(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(text.slice(start, end)) as string;
  } catch {
    return raw;
  }
}

/** Scans `text` from `from` (after a byte-order mark, say). */
export function scan(text: string, from = 0): ScanResult {
  const nodes = new NodeTable();
  const duplicates: DuplicateKey[] = [];
  const len = text.length;
  let pos = from;
  let maxDepth = 0;
  // Open containers: node index, and (for objects) the keys seen so far with their offsets.
  const stack: number[] = [];
  const keySets: (Map<string, number> | null)[] = [];
  const lastChild: number[] = [];

  const fail = (message: string, offset: number, length = 1): ScanResult => {
    // Close every open container at the error so ranges stay inside the text.
    for (const n of stack) nodes.end[n] = Math.min(offset, len);
    return { nodes, duplicates, error: { message, offset, length: Math.max(0, Math.min(length, len - offset)) }, maxDepth };
  };
  const describe = (at: number): string =>
    at >= len ? 'the end of the text' : `${JSON.stringify(text[at])}`;

  const skipWs = (): void => {
    while (pos < len) {
      const c = text.charCodeAt(pos);
      if (c === C.Space || c === C.LF || c === C.CR || c === C.Tab) pos++;
      else break;
    }
  };

  // One sticky regex per string: V8 runs it far faster than a character loop in JavaScript.
  const strRe = /"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  /** Returns the end offset of the string starting at `at` (a quote), -1 if unclosed, or -2 - offset of a bad character. */
  const stringEnd = (at: number): number => {
    strRe.lastIndex = at;
    if (strRe.test(text)) return strRe.lastIndex;
    // Find why: walk to the first raw control character or bad escape, or the end.
    for (let j = at + 1; j < len; j++) {
      const c = text.charCodeAt(j);
      if (c === C.Quote) return -2 - j; // unreachable for a valid prefix; treat as bad
      if (c < 0x20) return -2 - j;
      if (c === C.Backslash) {
        const d = text.charCodeAt(j + 1);
        if (!ESCAPABLE.has(d)) return -2 - j;
        if (d === 117) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return -2 - j;
          j += 5;
        } else j++;
      }
    }
    return -1;
  };

  const attach = (node: number): void => {
    const depth = stack.length;
    if (depth > 0) {
      const prev = lastChild[depth - 1]!;
      if (prev >= 0) nodes.next[prev] = node;
      lastChild[depth - 1] = node;
    }
  };

  let keyStart = -1;
  let keyEnd = -1;

  // State machine: after a value we expect `,` or a closer; inside an object we expect a key.
  skipWs();
  if (pos >= len) return fail('The document is empty; a JSON value was expected.', pos, 0);

  for (;;) {
    // ---- parse one value at pos ----
    skipWs();
    if (pos >= len) return fail('The JSON text ends where a value was expected.', pos, 0);
    const c = text.charCodeAt(pos);
    const parent = stack.length ? stack[stack.length - 1]! : -1;
    if (c === C.LBrace || c === C.LBracket) {
      const node = nodes.add(c === C.LBrace ? NodeType.Object : NodeType.Array, pos, parent, keyStart, keyEnd);
      attach(node);
      stack.push(node);
      keySets.push(null);
      lastChild.push(-1);
      if (stack.length > maxDepth) maxDepth = stack.length;
      pos++;
      skipWs();
      const close = c === C.LBrace ? C.RBrace : C.RBracket;
      if (text.charCodeAt(pos) === close) {
        pos++;
        nodes.end[node] = pos;
        stack.pop();
        keySets.pop();
        lastChild.pop();
      } else if (c === C.LBrace) {
        // read the first key
        const r = readKey(node);
        if (r) return r;
        continue;
      } else {
        keyStart = keyEnd = -1;
        continue;
      }
    } else if (c === C.Quote) {
      const e = stringEnd(pos);
      if (e === -1) return fail('A string is not closed; a closing quote (") was expected.', pos, len - pos);
      if (e < -1) return fail('A string contains a raw control character or an invalid escape.', -2 - e, 1);
      attach(nodes.add(NodeType.String, pos, parent, keyStart, keyEnd));
      nodes.end[nodes.count - 1] = e;
      pos = e;
    } else if (c === C.Minus || (c >= C.Zero && c <= C.Nine)) {
      const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      m.lastIndex = pos;
      const mm = m.exec(text);
      if (!mm || mm[0] === '-') return fail(`A number is malformed at ${describe(pos)}.`, pos, 1);
      attach(nodes.add(NodeType.Number, pos, parent, keyStart, keyEnd));
      pos += mm[0].length;
      nodes.end[nodes.count - 1] = pos;
    } else if (text.startsWith('true', pos) || text.startsWith('null', pos) || text.startsWith('false', pos)) {
      const l = text.charCodeAt(pos) === 102 ? 5 : 4;
      attach(nodes.add(NodeType.Literal, pos, parent, keyStart, keyEnd));
      pos += l;
      nodes.end[nodes.count - 1] = pos;
    } else {
      return fail(`Unexpected ${describe(pos)} where a JSON value was expected.`, pos, 1);
    }

    // ---- after a value: close containers or move to the next member ----
    for (;;) {
      skipWs();
      if (stack.length === 0) {
        if (pos < len) return fail(`Unexpected ${describe(pos)} after the end of the JSON value.`, pos, len - pos);
        return { nodes, duplicates, maxDepth };
      }
      const top = stack[stack.length - 1]!;
      const isObj = nodes.type[top] === NodeType.Object;
      const ch = text.charCodeAt(pos);
      if (ch === C.Comma) {
        pos++;
        if (isObj) {
          const r = readKey(top);
          if (r) return r;
        } else {
          keyStart = keyEnd = -1;
        }
        break;
      }
      if (ch === (isObj ? C.RBrace : C.RBracket)) {
        pos++;
        nodes.end[top] = pos;
        stack.pop();
        keySets.pop();
        lastChild.pop();
        continue;
      }
      if (pos >= len) return fail(`The JSON text ends inside an ${isObj ? 'object' : 'array'}; "${isObj ? '}' : ']'}" was expected.`, pos, 0);
      return fail(`Unexpected ${describe(pos)}; "," or "${isObj ? '}' : ']'}" was expected.`, pos, 1);
    }
  }

  /** Reads `"key" :` into keyStart/keyEnd; returns a failure or undefined. */
  function readKey(obj: number): ScanResult | undefined {
    skipWs();
    if (text.charCodeAt(pos) !== C.Quote) {
      if (pos >= len) return fail('The JSON text ends inside an object; a property name was expected.', pos, 0);
      return fail(`Unexpected ${describe(pos)}; a property name in double quotes was expected.`, pos, 1);
    }
    const e = stringEnd(pos);
    if (e === -1) return fail('A property name is not closed; a closing quote (") was expected.', pos, len - pos);
    if (e < -1) return fail('A property name contains a raw control character or an invalid escape.', -2 - e, 1);
    keyStart = pos;
    keyEnd = e;
    const depth = stack.length - 1;
    let seen = keySets[depth];
    if (!seen) keySets[depth] = seen = new Map();
    const key = decodeKey(text, keyStart, keyEnd);
    const first = seen.get(key);
    if (first !== undefined) {
      duplicates.push({ object: obj, key, offset: keyStart, length: keyEnd - keyStart, firstOffset: first });
    } else seen.set(key, keyStart);
    pos = e;
    skipWs();
    if (text.charCodeAt(pos) !== C.Colon) {
      return fail(`Unexpected ${describe(pos)}; ":" was expected after the property name.`, pos, pos < len ? 1 : 0);
    }
    pos++;
    return undefined;
  }
}
