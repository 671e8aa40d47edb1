/**
 * What a rule's quick-fix works with: the finding, where it points, the data its rule declared, and minimal
 * edits (the value, the key or the one member concerned; never a reformat, since the bytes are what the digest
 * covers). Rules declare their fixes in their family modules; `fixes.ts` applies them.
 */
import { shorten, type Finding, type Path } from '../findings';
import type { Analysis } from '../index';
import { isObject } from '../model';
import type { FindingData } from '../rule';
import { insertMember, removeMember, renameKey, valueAt, type TextEdit } from './text';

export interface Fix {
  /** The code action's title, a short imperative sentence. */
  title: string;
  edits: TextEdit[];
  /** The one obvious repair: editors may apply it directly, and `fixAll` applies it. */
  preferred: boolean;
}

/** What a fix sees: the analysis, the finding, where it points, and the finding's data as its rule typed it. */
export interface FixContext<D extends FindingData = FindingData> {
  analysis: Analysis;
  finding: Finding;
  /** The path of the finding's value or key (from its offset). */
  path: Path;
  /** True when the finding points at a member's key. */
  onKey: boolean;
  root: unknown;
  /** The finding's data; every field may be missing (a finding reported without it, an odd document). */
  data: Partial<D>;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A value quoted for a fix title. */
export const q = (s: string): string => JSON.stringify(shorten(s, 60));

/** Replaces the finding's value by `value` (only when the finding covers exactly that value). */
export function setValue(
  c: FixContext,
  value: unknown,
  title: string,
  preferred = true,
  raw?: string,
): Fix | undefined {
  const span = c.analysis.json.locate(c.path);
  if (c.onKey || !span || span.offset !== c.finding.offset || span.length !== c.finding.length)
    return undefined;
  return {
    title,
    edits: [{ offset: span.offset, length: span.length, newText: raw ?? JSON.stringify(value) }],
    preferred,
  };
}

/** Renames the member whose key the finding points at. */
export function rename(c: FixContext, newKey: string, title: string, preferred = true): Fix | undefined {
  if (!c.onKey) return undefined;
  const parent = valueAt(c.root, c.path.slice(0, -1));
  // Renaming onto a key that exists would make a duplicate.
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, newKey)) return undefined;
  const edit = renameKey(c.analysis.json, c.path, newKey);
  return edit ? { title, edits: [edit], preferred } : undefined;
}

/** Removes the member at `path`. */
export function remove(c: FixContext, path: Path, title: string, preferred = true): Fix | undefined {
  const edit = removeMember(c.analysis.json, path);
  return edit ? { title, edits: [edit], preferred } : undefined;
}

/** The data of rules whose fix writes a replacement value (or key). */
export type Replacement<V = string> = { replacement: V };

/** A fix that writes `data.replacement` over the value (or, on a key, renames it), titled by what it sets. */
export function replacementFix(what: string, preferred = true) {
  return (c: FixContext<Replacement<unknown>>): Fix | undefined => {
    const r = c.data.replacement;
    if (r === undefined) return undefined;
    if (c.onKey && typeof r === 'string') return rename(c, r, `Rename to ${q(r)}`, preferred);
    return setValue(c, r, `${what} ${typeof r === 'string' ? q(r) : String(r)}`, preferred);
  };
}

/** A fix that renames the key the finding points at to `data.replacement` (a misspelt or miscased key). */
export function renameFix(c: FixContext<Partial<Replacement>>): Fix | undefined {
  const r = str(c.data.replacement);
  return r ? rename(c, r, `Rename to "${r}"`) : undefined;
}

/** The data of rules whose fix sets the value a finding expects. */
export type Expected = { expected: string };

/** A fix that sets the value to `data.expected`. */
export function expectedFix(title: (expected: string) => string, preferred = true) {
  return (c: FixContext<Expected>): Fix | undefined => {
    const e = str(c.data.expected);
    return e ? setValue(c, e, title(e), preferred) : undefined;
  };
}

/** Inserts a missing top-level member after the last of `after` present (the usual order of a manifest). */
export function insertTopLevel(
  c: FixContext,
  key: string,
  value: unknown,
  after: string[],
): TextEdit | undefined {
  const root = c.root;
  if (!isObject(root)) return undefined;
  const sibling = after.filter((k) => k in root).pop();
  return insertMember(c.analysis.json, [], key, value, sibling);
}
