/**
 * A strict, iterative JSON scanner (RFC 8259) that records where every value and key sits, without
 * building the values themselves (JSON.parse does that far faster). The result is a flat node table in
 * document order, so a multi-megabyte index costs a few typed arrays, and nesting depth costs no stack.
 *
 * Speed matters here (a 3.5 MB index is scanned on every keystroke), so the loop keeps its state in
 * locals, allocates nothing per value, finds string ends with `indexOf` when the text is already known
 * to be valid, and detects duplicate keys by comparing raw key text against the few earlier keys of the
 * same object (a Map only for objects with many keys).
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
  type!: Uint8Array;
  start!: Int32Array;
  end!: Int32Array;
  /** Offset of the key string's opening quote for object members, else -1. */
  keyStart!: Int32Array;
  keyEnd!: Int32Array;
  parent!: Int32Array;
  /** Next sibling node, or -1. */
  next!: Int32Array;

  constructor(capacity = 1024) {
    this.columns(Math.max(16, capacity | 0));
  }

  /** Adds a node; a container's `end` is set again when it closes. */
  add(type: NodeType, start: number, end: number, parent: number, keyStart: number, keyEnd: number): number {
    const i = this.count;
    if (i === this.type.length) this.grow();
    this.type[i] = type;
    this.start[i] = start;
    this.end[i] = end;
    this.keyStart[i] = keyStart;
    this.keyEnd[i] = keyEnd;
    this.parent[i] = parent;
    this.next[i] = -1;
    this.count = i + 1;
    return i;
  }

  private grow(): void {
    const old = this.all();
    this.columns(this.type.length * 2);
    this.all().forEach((column, c) => column.set(old[c]!));
  }

  private all(): (Int32Array | Uint8Array)[] {
    return [this.start, this.end, this.keyStart, this.keyEnd, this.parent, this.next, this.type];
  }

  /** Fresh columns for `n` nodes, all views of one buffer: an off-heap backing store costs far more than a view. */
  private columns(n: number): void {
    const buffer = new ArrayBuffer(n * 25);
    this.start = new Int32Array(buffer, 0, n);
    this.end = new Int32Array(buffer, n * 4, n);
    this.keyStart = new Int32Array(buffer, n * 8, n);
    this.keyEnd = new Int32Array(buffer, n * 12, n);
    this.parent = new Int32Array(buffer, n * 16, n);
    this.next = new Int32Array(buffer, n * 20, n);
    this.type = new Uint8Array(buffer, n * 24, n);
  }
}

export interface ScanResult {
  nodes: NodeTable;
  duplicates: DuplicateKey[];
  /** The first syntax error, if the text is not strict JSON. The table then covers what came before it. */
  error?: ScanError;
  maxDepth: number;
  /** True when every number up to the end (or the error) is written as plain digits: no fraction, no exponent. */
  plainNumbers: boolean;
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
  f = 102,
  LBrace = 123,
  RBrace = 125,
}

/** Objects with at most this many keys are checked for duplicates by comparing with each earlier key. */
const LINEAR_KEYS = 12;

/**
 * The fields of an open container's frame in the scanner's stack. The innermost container's state lives in
 * the scanner's locals (read and written for every token); a frame holds it while a container inside is open,
 * and every open container's node is in its frame.
 */
const enum Frame {
  Node = 0,
  /** The last child node so far, or -1. */
  LastChild = 1,
  KeyCount = 2,
  /** 1 when a key of this object has an escape. */
  Escaped = 3,
  /** Bit (length mod 32) set for each key length seen in this object. */
  KeyLengths = 4,
}
const FRAME = 5;

/**
 * The scanner's stack, reused from one scan to the next (scans never nest): allocating typed arrays per
 * scan was a measurable part of scanning a small document. A stack grown for a deeply nested document is
 * not kept.
 */
let sharedFrames: Int32Array = new Int32Array(64 * FRAME);
function keepFrames(frames: Int32Array): void {
  if (frames.length <= 1024 * FRAME) sharedFrames = frames;
}

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

// One sticky regex per string (validating mode): V8 runs it faster than a character loop in JavaScript.
const STRING_RE = /"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"/y;
const ESCAPABLE = new Set([34, 92, 47, 98, 102, 110, 114, 116, 117]);
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * The end offset (after the closing quote) of the string whose opening quote is at `at`, checking the
 * grammar: -1 when it is not closed, or -2 - offset of the first raw control character or bad escape.
 */
function validStringEnd(text: string, at: number): number {
  STRING_RE.lastIndex = at;
  if (STRING_RE.test(text)) return STRING_RE.lastIndex;
  // Find why: walk to the first raw control character or bad escape, or the end.
  const len = text.length;
  for (let j = at + 1; j < len; j++) {
    const c = text.charCodeAt(j);
    if (c === C.Quote) return -2 - j; // unreachable for a valid prefix; treat as bad
    if (c < 0x20) return -2 - j;
    if (c === C.Backslash) {
      const d = text.charCodeAt(j + 1);
      if (!ESCAPABLE.has(d)) return -2 - j;
      if (d === 117) {
        for (let h = j + 2; h < j + 6; h++) if (!isHex(text.charCodeAt(h))) return -2 - j;
        j += 5;
      } else j++;
    }
  }
  return -1;
}

/** The end offset of a string in text already known to be valid JSON: the first unescaped quote. */
function trustedStringEnd(text: string, at: number, noBackslashBefore: number): number {
  let e = text.indexOf('"', at + 1);
  if (e < noBackslashBefore) return e + 1;
  // A quote preceded by an odd run of backslashes is escaped; the opening quote stops the run.
  while (text.charCodeAt(e - 1) === C.Backslash) {
    let b = e - 1;
    while (text.charCodeAt(b - 1) === C.Backslash) b--;
    if (((e - b) & 1) === 0) break;
    e = text.indexOf('"', e + 1);
  }
  return e + 1;
}

/**
 * The end of the number starting at `at`, or -1 when there is none. Like the grammar's regex
 * `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`: an incomplete fraction or exponent is left for the
 * caller to reject as the next token.
 */
function numberEnd(text: string, at: number): number {
  let p = at;
  let c = text.charCodeAt(p);
  if (c === C.Minus) c = text.charCodeAt(++p);
  if (c === C.Zero) p++;
  else if (c > C.Zero && c <= C.Nine) {
    do c = text.charCodeAt(++p);
    while (c >= C.Zero && c <= C.Nine);
  } else return -1;
  c = text.charCodeAt(p);
  if (c === C.Dot) {
    let q = p + 1;
    c = text.charCodeAt(q);
    if (c >= C.Zero && c <= C.Nine) {
      do c = text.charCodeAt(++q);
      while (c >= C.Zero && c <= C.Nine);
      p = q;
    }
  }
  c = text.charCodeAt(p);
  if (c === C.e || c === C.E) {
    let q = p + 1;
    c = text.charCodeAt(q);
    if (c === C.Plus || c === C.Minus) c = text.charCodeAt(++q);
    if (c >= C.Zero && c <= C.Nine) {
      do c = text.charCodeAt(++q);
      while (c >= C.Zero && c <= C.Nine);
      p = q;
    }
  }
  return p;
}

/** True when the raw key texts [a, aEnd) and [b, bEnd) are identical. */
function sameRaw(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = 1; i < aEnd - a - 1; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

/**
 * The result for a syntax error at `offset`; every open container is closed there so that ranges stay
 * inside the text. (A function of its own, not a closure in `scan`: a closure over the scanner's state
 * keeps that state in a heap context instead of registers; the loop was about 10% slower that way.)
 */
function failed(
  text: string,
  nodes: NodeTable,
  frames: Int32Array,
  depth: number,
  duplicates: DuplicateKey[],
  maxDepth: number,
  plainNumbers: boolean,
  error: ScanError,
): ScanResult {
  const len = text.length;
  const { message, offset, length } = error;
  for (let d = 0; d < depth; d++) nodes.end[frames[d * FRAME + Frame.Node]!] = Math.min(offset, len);
  return {
    nodes,
    duplicates,
    error: { message, offset, length: Math.max(0, Math.min(length, len - offset)) },
    maxDepth,
    plainNumbers,
  };
}

/** The error for `validStringEnd`'s result `e` on the string at `at`, if any; `what` names the string. */
function stringError(e: number, at: number, len: number, what: string): ScanError | undefined {
  if (e === -1)
    return {
      message: `${what} is not closed; a closing quote (") was expected.`,
      offset: at,
      length: len - at,
    };
  if (e < -1)
    return {
      message: `${what} contains a raw control character or an invalid escape.`,
      offset: -2 - e,
      length: 1,
    };
  return undefined;
}

/** The character at `at` for a message, or "the end of the text". */
function describeAt(text: string, at: number): string {
  return at >= text.length ? 'the end of the text' : JSON.stringify(text[at]);
}

/**
 * Scans `text` from `from` (after a byte-order mark, say). With `trusted`, the caller has already
 * checked that `text.slice(from)` is strict JSON (JSON.parse accepted it), so validation is skipped.
 */
export function scan(text: string, from = 0, trusted = false): ScanResult {
  const len = text.length;
  const nodes = new NodeTable(Math.min(1 << 20, Math.max(64, (len - from) >> 5)));
  const duplicates: DuplicateKey[] = [];
  let pos = from;
  let maxDepth = 0;
  let plainNumbers = true;
  // Open containers: the innermost in locals, the ones around it saved in frames of FRAME ints per depth
  // (see Frame; every open container's node is in its frame), plus key maps for large objects.
  let depth = 0;
  let frames = sharedFrames;
  let curNode = -1; // -1 at the top level
  let curObject = false;
  let curLast = -1;
  let curKeys = 0;
  let curEscaped = 0;
  let curLengths = 0;
  const keyMaps = new Map<number, Map<string, number>>(); // by depth, for objects with many keys
  // The first backslash at or after `pos` (or len): strings before it need no escape handling.
  let nextBackslash = -1;

  let keyStart = -1;
  let keyEnd = -1;
  let needKey = false;
  // The character at `pos` after each whitespace skip (when pos < len): read once, tested where needed.
  let c = 0;

  while (
    pos < len &&
    (c = text.charCodeAt(pos)) <= C.Space &&
    (c === C.Space || c === C.LF || c === C.CR || c === C.Tab)
  )
    pos++;
  // A syntax error is recorded here and leaves the loop, so that every error takes the one exit below.
  let error: ScanError = {
    message: 'The document is empty; a JSON value was expected.',
    offset: pos,
    length: 0,
  };

  // State machine: read a key when inside an object, then a value; after a value expect `,` or a closer.
  if (pos < len)
    scanning: for (;;) {
      if (needKey) {
        needKey = false;
        while (
          pos < len &&
          (c = text.charCodeAt(pos)) <= C.Space &&
          (c === C.Space || c === C.LF || c === C.CR || c === C.Tab)
        )
          pos++;
        if (pos >= len || c !== C.Quote) {
          if (pos >= len) {
            error = {
              message: 'The JSON text ends inside an object; a property name was expected.',
              offset: pos,
              length: 0,
            };
            break scanning;
          }
          {
            error = {
              message: `Unexpected ${describeAt(text, pos)}; a property name in double quotes was expected.`,
              offset: pos,
              length: 1,
            };
            break scanning;
          }
        }
        if (nextBackslash < pos) {
          nextBackslash = text.indexOf('\\', pos);
          if (nextBackslash < 0) nextBackslash = len;
        }
        let e: number;
        if (trusted) e = trustedStringEnd(text, pos, nextBackslash);
        else {
          e = validStringEnd(text, pos);
          const bad = stringError(e, pos, len, 'A property name');
          if (bad) {
            error = bad;
            break scanning;
          }
        }
        keyStart = pos;
        keyEnd = e;
        // Duplicate keys: compare with the earlier keys of this object.
        const obj = curNode;
        const n = curKeys;
        if (nextBackslash < e) curEscaped = 1;
        // A key whose length (mod 32) no earlier key of this object had cannot repeat one of them.
        const lengthBit = 1 << ((e - pos) & 31);
        const lengths = curLengths;
        curLengths = lengths | lengthBit;
        if (n > 0 && ((lengths & lengthBit) !== 0 || curEscaped === 1 || n >= LINEAR_KEYS)) {
          const d = depth - 1;
          let map = keyMaps.size ? keyMaps.get(d) : undefined;
          if (!map && n >= LINEAR_KEYS) {
            map = new Map();
            for (let k = obj + 1; k >= 0; k = nodes.next[k]!) {
              const ks = nodes.keyStart[k]!;
              const key = decodeKey(text, ks, nodes.keyEnd[k]!);
              if (!map.has(key)) map.set(key, ks);
            }
            keyMaps.set(d, map);
          }
          // The earlier occurrence of this key in the object (-1 when none), found by the cheapest means.
          let first = -1;
          let key = '';
          if (map) {
            key = decodeKey(text, keyStart, keyEnd);
            const seen = map.get(key);
            if (seen !== undefined) first = seen;
            else map.set(key, keyStart);
          } else if (curEscaped === 1) {
            key = decodeKey(text, keyStart, keyEnd);
            for (let k = obj + 1; k >= 0 && first < 0; k = nodes.next[k]!) {
              if (decodeKey(text, nodes.keyStart[k]!, nodes.keyEnd[k]!) === key) first = nodes.keyStart[k]!;
            }
          } else {
            for (let k = obj + 1; k >= 0 && first < 0; k = nodes.next[k]!) {
              if (sameRaw(text, keyStart, keyEnd, nodes.keyStart[k]!, nodes.keyEnd[k]!))
                first = nodes.keyStart[k]!;
            }
            if (first >= 0) key = text.slice(keyStart + 1, keyEnd - 1);
          }
          if (first >= 0)
            duplicates.push({
              object: obj,
              key,
              offset: keyStart,
              length: keyEnd - keyStart,
              firstOffset: first,
            });
        }
        curKeys = n + 1;
        pos = e;
        while (
          pos < len &&
          (c = text.charCodeAt(pos)) <= C.Space &&
          (c === C.Space || c === C.LF || c === C.CR || c === C.Tab)
        )
          pos++;
        if (pos >= len || c !== C.Colon) {
          {
            error = {
              message: `Unexpected ${describeAt(text, pos)}; ":" was expected after the property name.`,
              offset: pos,
              length: pos < len ? 1 : 0,
            };
            break scanning;
          }
        }
        pos++;
      }

      // ---- one value at pos ----
      while (
        pos < len &&
        (c = text.charCodeAt(pos)) <= C.Space &&
        (c === C.Space || c === C.LF || c === C.CR || c === C.Tab)
      )
        pos++;
      if (pos >= len) {
        error = { message: 'The JSON text ends where a value was expected.', offset: pos, length: 0 };
        break scanning;
      }
      const parent = curNode;
      let node: number;
      if (c === C.Quote) {
        let e: number;
        if (trusted) {
          if (nextBackslash < pos) {
            nextBackslash = text.indexOf('\\', pos);
            if (nextBackslash < 0) nextBackslash = len;
          }
          e = trustedStringEnd(text, pos, nextBackslash);
        } else {
          e = validStringEnd(text, pos);
          const bad = stringError(e, pos, len, 'A string');
          if (bad) {
            error = bad;
            break scanning;
          }
        }
        node = nodes.add(NodeType.String, pos, e, parent, keyStart, keyEnd);
        pos = e;
      } else if (c === C.LBrace || c === C.LBracket) {
        const isObject = c === C.LBrace;
        node = nodes.add(isObject ? NodeType.Object : NodeType.Array, pos, pos, parent, keyStart, keyEnd);
        if (parent >= 0) {
          if (curLast >= 0) nodes.next[curLast] = node;
          curLast = node;
          // Save the enclosing container's state; the new one becomes the innermost.
          const f = (depth - 1) * FRAME;
          frames[f + Frame.LastChild] = curLast;
          frames[f + Frame.KeyCount] = curKeys;
          frames[f + Frame.Escaped] = curEscaped;
          frames[f + Frame.KeyLengths] = curLengths;
        }
        if (depth * FRAME === frames.length) {
          const grown = new Int32Array(frames.length * 2);
          grown.set(frames);
          frames = grown;
        }
        frames[depth * FRAME + Frame.Node] = node;
        curNode = node;
        curObject = isObject;
        curLast = -1;
        curKeys = 0;
        curEscaped = 0;
        curLengths = 0;
        depth++;
        if (depth > maxDepth) maxDepth = depth;
        pos++;
        while (
          pos < len &&
          (c = text.charCodeAt(pos)) <= C.Space &&
          (c === C.Space || c === C.LF || c === C.CR || c === C.Tab)
        )
          pos++;
        // An empty container is closed by the loop below, like any other.
        if (pos >= len || c !== (isObject ? C.RBrace : C.RBracket)) {
          if (isObject) needKey = true;
          else keyStart = keyEnd = -1;
          continue;
        }
        node = -1; // already attached
      } else if (c === C.Minus || (c >= C.Zero && c <= C.Nine)) {
        let e: number;
        if (trusted) {
          e = pos + 1;
          while (
            ((c = text.charCodeAt(e)) >= C.Zero && c <= C.Nine) ||
            c === C.Dot ||
            c === C.e ||
            c === C.E ||
            c === C.Plus ||
            c === C.Minus
          )
            e++;
        } else {
          e = numberEnd(text, pos);
          if (e < 0) {
            error = { message: `A number is malformed at ${describeAt(text, pos)}.`, offset: pos, length: 1 };
            break scanning;
          }
        }
        if (plainNumbers) {
          for (let i = pos + 1; i < e; i++) {
            const d = text.charCodeAt(i);
            if (d < C.Zero || d > C.Nine) plainNumbers = false;
          }
        }
        node = nodes.add(NodeType.Number, pos, e, parent, keyStart, keyEnd);
        pos = e;
      } else {
        let l: number;
        if (trusted) l = c === C.f ? 5 : 4;
        else if (text.startsWith('true', pos) || text.startsWith('null', pos)) l = 4;
        else if (text.startsWith('false', pos)) l = 5;
        else {
          error = {
            message: `Unexpected ${describeAt(text, pos)} where a JSON value was expected.`,
            offset: pos,
            length: 1,
          };
          break scanning;
        }
        node = nodes.add(NodeType.Literal, pos, pos + l, parent, keyStart, keyEnd);
        pos += l;
      }
      if (node >= 0 && parent >= 0) {
        if (curLast >= 0) nodes.next[curLast] = node;
        curLast = node;
      }

      // ---- after a value: close containers or move to the next member ----
      for (;;) {
        while (
          pos < len &&
          (c = text.charCodeAt(pos)) <= C.Space &&
          (c === C.Space || c === C.LF || c === C.CR || c === C.Tab)
        )
          pos++;
        if (depth === 0) {
          if (pos < len) {
            error = {
              message: `Unexpected ${describeAt(text, pos)} after the end of the JSON value.`,
              offset: pos,
              length: len - pos,
            };
            break scanning;
          }
          keepFrames(frames);
          return { nodes, duplicates, maxDepth, plainNumbers };
        }
        const isObj = curObject;
        const ch = pos < len ? c : -1;
        if (ch === C.Comma) {
          pos++;
          if (isObj) needKey = true;
          else keyStart = keyEnd = -1;
          break;
        }
        if (ch === (isObj ? C.RBrace : C.RBracket)) {
          pos++;
          nodes.end[curNode] = pos;
          depth--;
          if (keyMaps.size) keyMaps.delete(depth);
          // The enclosing container becomes the innermost again.
          if (depth > 0) {
            const f = (depth - 1) * FRAME;
            curNode = frames[f + Frame.Node]!;
            curObject = nodes.type[curNode] === NodeType.Object;
            curLast = frames[f + Frame.LastChild]!;
            curKeys = frames[f + Frame.KeyCount]!;
            curEscaped = frames[f + Frame.Escaped]!;
            curLengths = frames[f + Frame.KeyLengths]!;
          } else curNode = -1;
          continue;
        }
        if (pos >= len) {
          error = {
            message: `The JSON text ends inside an ${isObj ? 'object' : 'array'}; "${isObj ? '}' : ']'}" was expected.`,
            offset: pos,
            length: 0,
          };
          break scanning;
        }
        {
          error = {
            message: `Unexpected ${describeAt(text, pos)}; "," or "${isObj ? '}' : ']'}" was expected.`,
            offset: pos,
            length: 1,
          };
          break scanning;
        }
      }
    }
  keepFrames(frames);
  return failed(text, nodes, frames, depth, duplicates, maxDepth, plainNumbers, error);
}
