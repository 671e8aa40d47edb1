/**
 * Text helpers shared by hovers, completions and quick-fixes: values by path, the few characters around
 * the cursor, and minimal edits that add, rename or remove one member without touching anything else
 * (the bytes of a manifest are what its digest covers, so nothing is ever reformatted).
 */
import type { Path, Span } from '../findings';
import type { JsonDocument } from '../json/document';
import type { DocumentKind } from '../kinds';
import { isObject } from '../model';

/** A replacement of `length` characters at `offset` by `newText` (an insertion when `length` is 0). */
export interface TextEdit {
  offset: number;
  length: number;
  newText: string;
}

/** The value at `path` in a parsed root, or undefined. */
export function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[seg];
    } else {
      if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
      v = v[seg];
    }
  }
  return v;
}

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** The index of the last non-whitespace character at or before `from`, or -1 (looks back at most `limit`). */
export function prevSignificant(text: string, from: number, limit = 100_000): number {
  const stop = Math.max(-1, from - limit);
  for (let i = Math.min(from, text.length - 1); i > stop; i--) if (!isWs(text.charCodeAt(i))) return i;
  return -1;
}

/** The index of the first non-whitespace character at or after `from`, or `text.length`. */
export function nextSignificant(text: string, from: number, limit = 100_000): number {
  const stop = Math.min(text.length, from + limit);
  for (let i = Math.max(0, from); i < stop; i++) if (!isWs(text.charCodeAt(i))) return i;
  return text.length;
}

/** The end offset of a span. */
export const endOf = (s: Span): number => s.offset + s.length;

/** True when `path` addresses a free-form annotation map (`annotations`, or an image config's `Labels`). */
export function isAnnotationMap(kind: DocumentKind, path: Path): boolean {
  const last = path[path.length - 1];
  if (last === 'annotations') return kind !== 'image-config' && kind !== 'docker-config';
  return (
    last === 'Labels' &&
    (kind === 'image-config' || kind === 'docker-config') &&
    path.length === 2 &&
    path[0] === 'config'
  );
}

// ---- formatting that follows the document's own style --------------------------------------------------

/** The document's indentation unit (the leading whitespace of its first indented line), or undefined when compact. */
export function indentUnit(text: string): string | undefined {
  const m = /\n([ \t]+)\S/.exec(text.slice(0, 4096));
  return m ? m[1] : undefined;
}

/** The indentation of the line holding `offset` (none on a very long line, such as a compact index). */
export function lineIndent(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n') {
    if (offset - start > 4096) return '';
    start--;
  }
  let i = start;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(start, i);
}

/**
 * A JSON value written in the document's style: pretty with its indentation unit, continuation lines
 * indented from `indent` (the indentation of the line it lands on), or compact when the document is.
 */
export function renderValue(value: unknown, indent: string, unit: string | undefined): string {
  if (unit === undefined) return JSON.stringify(value);
  return JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`);
}

// ---- member edits -----------------------------------------------------------------------------------------

/**
 * Removes the member at `path` with its comma, so that the object stays valid JSON: the member and the comma
 * after it when another member follows, else the comma before it, else everything between the braces.
 */
export function removeMember(json: JsonDocument, path: Path): TextEdit | undefined {
  const key = json.locateKey(path);
  const value = json.locate(path);
  if (!key || !value) return undefined;
  const text = json.text;
  const after = nextSignificant(text, endOf(value));
  const before = prevSignificant(text, key.offset - 1);
  // The separator before the member goes with it when there is one, so that removing neighbours never
  // overlaps (each takes the comma on its left); a first member takes the comma on its right.
  if (before >= 0 && text[before] === ',') {
    const prevEnd = prevSignificant(text, before - 1) + 1;
    return { offset: prevEnd, length: endOf(value) - prevEnd, newText: '' };
  }
  if (text[after] === ',') {
    const next = nextSignificant(text, after + 1);
    return { offset: key.offset, length: next - key.offset, newText: '' };
  }
  if (before >= 0 && text[before] === '{' && text[after] === '}')
    return { offset: before + 1, length: after - before - 1, newText: '' };
  return { offset: key.offset, length: endOf(value) - key.offset, newText: '' };
}

/** Renames the member at `path` (its key, with quotes) to `newKey`. */
export function renameKey(json: JsonDocument, path: Path, newKey: string): TextEdit | undefined {
  const key = json.locateKey(path);
  return key ? { offset: key.offset, length: key.length, newText: JSON.stringify(newKey) } : undefined;
}

/** Replaces the value at `path` by `newText` (already JSON). */
export function replaceValue(json: JsonDocument, path: Path, newText: string): TextEdit | undefined {
  const value = json.locate(path);
  return value ? { offset: value.offset, length: value.length, newText } : undefined;
}

/**
 * Inserts `"key": value` into the object at `objectPath`: after the member `after` when it exists, else as
 * the first member. The whitespace before the neighbouring member is reused, so the new member lines up with
 * the others; `value` is a JSON value, rendered in the document's style.
 */
export function insertMember(
  json: JsonDocument,
  objectPath: Path,
  key: string,
  value: unknown,
  after?: string,
): TextEdit | undefined {
  const text = json.text;
  const obj = json.locate(objectPath);
  if (!obj || text[obj.offset] !== '{') return undefined;
  const unit = indentUnit(text);
  if (after !== undefined) {
    const sibling = json.locateKey([...objectPath, after]);
    const siblingValue = json.locate([...objectPath, after]);
    if (sibling && siblingValue) {
      const ws = text.slice(prevSignificant(text, sibling.offset - 1) + 1, sibling.offset);
      const indent = lineIndent(text, sibling.offset);
      // A compact document (`{"a":1,"b":2}`) gets a compact member; others the usual `"key": value`.
      const tight = ws === '' && text.slice(endOf(sibling), siblingValue.offset) === ':';
      const member = `${JSON.stringify(key)}:${tight ? '' : ' '}${renderValue(value, indent, unit)}`;
      return { offset: endOf(siblingValue), length: 0, newText: `,${ws || (tight ? '' : ' ')}${member}` };
    }
  }
  const first = nextSignificant(text, obj.offset + 1);
  if (text[first] === '}' || first >= endOf(obj)) {
    // An empty object: the member goes between the braces, on its own line when the document is pretty.
    const outer = lineIndent(text, obj.offset);
    if (unit === undefined)
      return {
        offset: obj.offset + 1,
        length: first - obj.offset - 1,
        newText: `${JSON.stringify(key)}: ${JSON.stringify(value)}`,
      };
    const indent = outer + unit;
    return {
      offset: obj.offset + 1,
      length: first - obj.offset - 1,
      newText: `\n${indent}${JSON.stringify(key)}: ${renderValue(value, indent, unit)}\n${outer}`,
    };
  }
  const ws = text.slice(obj.offset + 1, first);
  const indent = ws.includes('\n') ? ws.slice(ws.lastIndexOf('\n') + 1) : lineIndent(text, first);
  const member = `${JSON.stringify(key)}: ${renderValue(value, indent, ws.includes('\n') ? unit : undefined)}`;
  return { offset: obj.offset + 1, length: 0, newText: ws ? `${ws}${member},` : `${member}, ` };
}

/** Applies non-overlapping edits to `text` (any order; insertions at one offset keep their order). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.offset - b.e.offset || a.i - b.i);
  let out = '';
  let at = 0;
  for (const { e } of sorted) {
    if (e.offset < at) throw new Error(`Overlapping edits at offset ${e.offset}.`);
    out += text.slice(at, e.offset) + e.newText;
    at = e.offset + e.length;
  }
  return out + text.slice(at);
}

// ---- array element edits ------------------------------------------------------------------------------------

/**
 * Inserts `value` into the array at `arrayPath` so that it becomes element `index` (0 to the array's length).
 * The whitespace before the neighbouring element is reused, so the new element lines up with the others, and
 * the value is rendered in the document's style; nothing else of the text changes.
 */
export function insertElement(
  json: JsonDocument,
  arrayPath: Path,
  index: number,
  value: unknown,
): TextEdit | undefined {
  const text = json.text;
  const arr = json.locate(arrayPath);
  if (!arr || text[arr.offset] !== '[') return undefined;
  const unit = indentUnit(text);
  const first = json.locate([...arrayPath, 0]);
  if (!first) {
    // An empty array: the element goes between the brackets, on its own line when the document is pretty.
    const close = nextSignificant(text, arr.offset + 1);
    if (unit === undefined)
      return { offset: arr.offset + 1, length: close - arr.offset - 1, newText: JSON.stringify(value) };
    const outer = lineIndent(text, arr.offset);
    const indent = outer + unit;
    return {
      offset: arr.offset + 1,
      length: close - arr.offset - 1,
      newText: `\n${indent}${renderValue(value, indent, unit)}\n${outer}`,
    };
  }
  if (index > 0) {
    const prev = json.locate([...arrayPath, index - 1]);
    if (!prev) return undefined;
    const ws = text.slice(prevSignificant(text, prev.offset - 1) + 1, prev.offset);
    const indent = lineIndent(text, prev.offset);
    return {
      offset: endOf(prev),
      length: 0,
      newText: `,${ws || (unit === undefined ? '' : ' ')}${renderValue(value, indent, ws.includes('\n') ? unit : undefined)}`,
    };
  }
  const ws = text.slice(arr.offset + 1, first.offset);
  const indent = lineIndent(text, first.offset);
  return {
    offset: first.offset,
    length: 0,
    newText: `${renderValue(value, indent, ws.includes('\n') ? unit : undefined)},${ws || (unit === undefined ? '' : ' ')}`,
  };
}

/**
 * Inserts several values into the array at `arrayPath` so that they become elements `index`, `index + 1`, …,
 * as one edit (each laid out as {@link insertElement} lays out one).
 */
export function insertElements(
  json: JsonDocument,
  arrayPath: Path,
  index: number,
  values: readonly unknown[],
): TextEdit | undefined {
  if (!values.length) return undefined;
  if (!json.locate([...arrayPath, 0])) {
    // An empty array: the first value makes the layout, the others follow it as they would follow an element.
    const first = insertElement(json, arrayPath, 0, values[0]);
    if (!first) return undefined;
    const unit = indentUnit(json.text);
    const arr = json.locate(arrayPath)!;
    const indent = unit === undefined ? '' : lineIndent(json.text, arr.offset) + unit;
    const sep = unit === undefined ? ',' : `,\n${indent}`;
    const rest = values.slice(1).map((v) => sep + renderValue(v, indent, unit));
    const close = first.newText.lastIndexOf('\n');
    const newText =
      unit === undefined
        ? first.newText + rest.join('')
        : first.newText.slice(0, close) + rest.join('') + first.newText.slice(close);
    return { ...first, newText };
  }
  const edits = values.map((v) => insertElement(json, arrayPath, index, v));
  if (edits.some((e) => !e)) return undefined;
  // Every edit is an insertion at the same offset: in order, they make the sequence.
  return { offset: edits[0]!.offset, length: 0, newText: edits.map((e) => e!.newText).join('') };
}

/**
 * Removes the array elements at `indices` (of the array at `arrayPath`) with their separators, as
 * non-overlapping edits: each run of neighbouring elements goes with the comma before it, or, for a run at the
 * start, with the comma after it; removing every element empties the brackets.
 */
export function removeElements(json: JsonDocument, arrayPath: Path, indices: readonly number[]): TextEdit[] {
  const text = json.text;
  const arr = json.locate(arrayPath);
  if (!arr || text[arr.offset] !== '[') return [];
  let count = 0;
  while (json.locate([...arrayPath, count])) count++;
  const drop = [...new Set(indices)].filter((i) => i >= 0 && i < count).sort((a, b) => a - b);
  if (!drop.length) return [];
  if (drop.length === count) {
    const close = prevSignificant(text, endOf(arr) - 1);
    return [{ offset: arr.offset + 1, length: close - arr.offset - 1, newText: '' }];
  }
  const runs: [number, number][] = [];
  for (const i of drop) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs.map(([from, to]) => {
    const first = json.locate([...arrayPath, from])!;
    const last = json.locate([...arrayPath, to])!;
    if (from > 0) {
      const prev = json.locate([...arrayPath, from - 1])!;
      return { offset: endOf(prev), length: endOf(last) - endOf(prev), newText: '' };
    }
    const next = json.locate([...arrayPath, to + 1])!;
    return { offset: first.offset, length: next.offset - first.offset, newText: '' };
  });
}
