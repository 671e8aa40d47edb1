/**
 * Quick-fixes: for each finding with an obvious repair, the minimal text edits that make it (the value, the
 * key or the one member concerned; never a reformat, since the bytes are what the digest covers). The facts
 * come from the finding's `data`, which each check fills for this purpose. `fixAll` gathers the preferred
 * fixes that do not overlap, for "Fix all auto-fixable problems".
 */
import { MT } from '../catalog/core';
import { MEDIA_TYPE_OF_KIND } from '../detect';
import { shorten, type Finding, type Path } from '../findings';
import type { Analysis } from '../index';
import { isObject } from '../model';
import { EMPTY_DESCRIPTOR } from './snippets';
import {
  endOf,
  indentUnit,
  insertMember,
  lineIndent,
  removeMember,
  renameKey,
  renderValue,
  replaceValue,
  valueAt,
  type TextEdit,
} from './text';

export interface Fix {
  /** The code action's title, a short imperative sentence. */
  title: string;
  edits: TextEdit[];
  /** The one obvious repair: editors may apply it directly, and `fixAll` applies it. */
  preferred: boolean;
}

interface FixContext {
  analysis: Analysis;
  finding: Finding;
  /** The path of the finding's value or key (from its offset). */
  path: Path;
  /** True when the finding points at a member's key. */
  onKey: boolean;
  root: unknown;
  data: Record<string, unknown>;
}

type Fixer = (c: FixContext) => Fix | Fix[] | undefined;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const q = (s: string): string => JSON.stringify(shorten(s, 60));

/** Replaces the finding's value by `value` (only when the finding covers exactly that value). */
function setValue(
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
function rename(c: FixContext, newKey: string, title: string, preferred = true): Fix | undefined {
  if (!c.onKey) return undefined;
  const parent = valueAt(c.root, c.path.slice(0, -1));
  // Renaming onto a key that exists would make a duplicate.
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, newKey)) return undefined;
  const edit = renameKey(c.analysis.json, c.path, newKey);
  return edit ? { title, edits: [edit], preferred } : undefined;
}

/** Removes the member at `path`. */
function remove(c: FixContext, path: Path, title: string, preferred = true): Fix | undefined {
  const edit = removeMember(c.analysis.json, path);
  return edit ? { title, edits: [edit], preferred } : undefined;
}

/** Replace-with-`data.replacement` fixers, titled by what they set. */
const replacement =
  (what: string, preferred = true): Fixer =>
  (c) => {
    const r = c.data.replacement;
    if (r === undefined) return undefined;
    if (c.onKey && typeof r === 'string') return rename(c, r, `Rename to ${q(r)}`, preferred);
    return setValue(c, r, `${what} ${typeof r === 'string' ? q(r) : String(r)}`, preferred);
  };

/** A missing top-level member is inserted after these, in order (the usual order of a manifest). */
function insertTopLevel(c: FixContext, key: string, value: unknown, after: string[]): TextEdit | undefined {
  const root = c.root;
  if (!isObject(root)) return undefined;
  const sibling = after.filter((k) => k in root).pop();
  return insertMember(c.analysis.json, [], key, value, sibling);
}

const FIXERS: Record<string, Fixer> = {
  'oci/digest-format': replacement('Change the digest to'),
  'oci/digest-algorithm-unregistered': replacement('Change the digest to'),
  'oci/media-type-look-alike': replacement('Change the media type to'),
  'oci/media-type-syntax': replacement('Change the media type to'),
  'oci/media-type-mixed': replacement('Use the equivalent'),
  'oci/media-type-deprecated': replacement('Use'),
  'docker/oci-layer-type': replacement('Use the Docker type'),
  'oci/data-encoding': replacement('Re-encode as standard base64:'),
  'oci/annotation-value-type': replacement('Write the value as the string'),
  'oci/annotation-format': replacement('Change the value to'),
  'oci/config-created': replacement('Change the timestamp to'),
  'oci/empty-descriptor': (c) => {
    const r = c.data.replacement;
    if (r === undefined) return undefined;
    const field = c.path[c.path.length - 1];
    return setValue(
      c,
      r,
      `Use the empty descriptor's ${String(field)} ${typeof r === 'string' ? q(r) : String(r)}`,
    );
  },
  'oci/size-range': (c) => {
    const digits = str(c.data.replacement);
    return digits && /^\d+$/.test(digits)
      ? setValue(c, undefined, `Write the size as ${digits}`, true, digits)
      : undefined;
  },
  'oci/type': (c) =>
    typeof c.data.replacement === 'number'
      ? setValue(c, c.data.replacement, `Write the number ${c.data.replacement}`)
      : undefined,
  'oci/data-size-mismatch': (c) =>
    typeof c.data.computed === 'number'
      ? setValue(c, c.data.computed, `Set the size to the data's ${c.data.computed} bytes`)
      : undefined,
  'oci/data-digest-mismatch': (c) => {
    const d = str(c.data.computed);
    return d ? setValue(c, d, `Set the digest to the data's ${q(d)}`) : undefined;
  },
  'oci/media-type-position': (c) => {
    const e = str(c.data.expected);
    return e ? setValue(c, e, `Change the media type to ${q(e)}`, false) : undefined;
  },
  'docker/config-media-type': (c) => {
    const e = str(c.data.expected);
    return e ? setValue(c, e, `Change the media type to ${q(e)}`, false) : undefined;
  },
  'oci/layout-index-kind': (c) => {
    const e = str(c.data.expected);
    return e && c.path.length === 1 ? setValue(c, e, `Change the media type to ${q(e)}`, false) : undefined;
  },
  'oci/subject-not-manifest': (c) =>
    [MT.manifest, MT.index]
      .map((t) => setValue(c, t, `Change the media type to ${q(t)}`, false))
      .filter((f): f is Fix => !!f),
  'oci/media-type-missing': (c) => insertMediaType(c),
  'oci/media-type-mismatch': (c) => {
    const e = str(c.data.expected);
    if (!e) return undefined;
    if (isObject(c.root) && !('mediaType' in c.root)) return insertMediaType(c);
    return setValue(c, e, `Change the media type to ${q(e)}`);
  },
  'oci/schema-version': (c) => {
    if (c.data.fix === 'insert') {
      const edit = insertMember(c.analysis.json, [], 'schemaVersion', 2);
      return edit ? { title: 'Add "schemaVersion": 2', edits: [edit], preferred: true } : undefined;
    }
    return setValue(c, 2, 'Set "schemaVersion" to 2');
  },
  'oci/ambiguous-document': (c) => {
    const key = str(c.data.remove);
    return key && c.onKey ? remove(c, c.path, `Remove "${key}"`) : undefined;
  },
  'oci/key-case': (c) => {
    const r = str(c.data.replacement);
    if (r) return rename(c, r, `Rename to "${r}"`);
    return str(c.data.remove) && c.onKey
      ? remove(c, c.path, `Remove "${String(c.path[c.path.length - 1])}"`)
      : undefined;
  },
  'oci/unknown-property': (c) => {
    const r = str(c.data.replacement);
    return r ? rename(c, r, `Rename to "${r}"`) : undefined;
  },
  'oci/required-property': (c) => {
    const r = str(c.data.replacement);
    return r ? rename(c, r, `Rename to "${r}"`) : undefined;
  },
  'oci/platform-near-miss': (c) => {
    const r = str(c.data.replacement);
    if (!r) return undefined;
    const fix = setValue(c, r, `Change to ${q(r)}`);
    const variant = str(c.data.variant);
    if (!fix || !variant) return fix;
    const edit = insertMember(c.analysis.json, c.path.slice(0, -1), 'variant', variant, 'architecture');
    return edit
      ? { title: `Change to "${r}" with variant "${variant}"`, edits: [...fix.edits, edit], preferred: true }
      : undefined;
  },
  'oci/platform-variant': (c) => (c.data.remove === true ? remove(c, c.path, 'Remove "variant"') : undefined),
  'oci/annotation-look-alike': (c) => annotationKey(c),
  'oci/annotation-legacy-key': (c) => annotationKey(c),
  'oci/config-rootfs-type': (c) =>
    str(c.data.expected) ? setValue(c, c.data.expected, 'Set "rootfs.type" to "layers"') : undefined,
  'oci/config-env': (c) => {
    const e = str(c.data.expected);
    return e ? setValue(c, e, `Change to ${q(e)}`) : undefined;
  },
  'oci/config-stop-signal': (c) => {
    const e = str(c.data.expected);
    return e ? setValue(c, e, `Change to ${q(e)}`) : undefined;
  },
  'oci/config-exposed-port': (c) => {
    const e = str(c.data.expected);
    return e ? rename(c, e, `Rename to ${q(e)}`) : undefined;
  },
  'oci/config-set-value': (c) => setValue(c, {}, 'Replace with {}', true, '{}'),
  'oci/layout-version': (c) => {
    const e = str(c.data.expected);
    return e ? setValue(c, e, `Set the version to ${q(e)}`) : undefined;
  },
  'oci/byte-order-mark': (c) =>
    c.finding.offset === 0 && c.analysis.json.text.charCodeAt(0) === 0xfeff
      ? {
          title: 'Remove the byte-order mark',
          edits: [{ offset: 0, length: 1, newText: '' }],
          preferred: true,
        }
      : undefined,
  'oci/artifact-no-layers': (c) => {
    const json = c.analysis.json;
    const text = json.text;
    const layers = valueAt(c.root, ['layers']);
    if (Array.isArray(layers) && layers.length === 0 && c.path.length === 1) {
      const span = json.locate(['layers'])!;
      const indent = lineIndent(text, span.offset);
      const unit = indentUnit(text);
      return {
        title: 'Add the empty descriptor as the single layer',
        edits: [
          {
            offset: span.offset,
            length: span.length,
            newText: renderValue([EMPTY_DESCRIPTOR], indent, unit),
          },
        ],
        preferred: true,
      };
    }
    return undefined;
  },
  'oci/artifact-config-type': (c) => {
    const json = c.analysis.json;
    const span = json.locate(['config']);
    if (!span) return undefined;
    const text = json.text;
    return {
      title: 'Use the empty descriptor as the config',
      edits: [
        {
          offset: span.offset,
          length: span.length,
          newText: renderValue(EMPTY_DESCRIPTOR, lineIndent(text, span.offset), indentUnit(text)),
        },
      ],
      preferred: false,
    };
  },
  'oci/artifact-manifest-removed': (c) => convertArtifactManifest(c),
};

function insertMediaType(c: FixContext): Fix | undefined {
  const kind = c.analysis.detection?.kind;
  const expected = str(c.data.expected) ?? (kind ? MEDIA_TYPE_OF_KIND[kind] : undefined);
  if (!expected || c.path.length !== 0) return undefined;
  const edit = insertTopLevel(c, 'mediaType', expected, ['schemaVersion']);
  return edit ? { title: `Add "mediaType": ${q(expected)}`, edits: [edit], preferred: true } : undefined;
}

/** A misspelt or superseded annotation key: rename it, or drop it when the right key is already there. */
function annotationKey(c: FixContext): Fix | undefined {
  const r = str(c.data.replacement);
  if (!r || !c.onKey) return undefined;
  const renamed = rename(c, r, `Rename to ${q(r)}`);
  if (renamed) return renamed;
  return remove(c, c.path, `Remove ${q(String(c.path[c.path.length - 1]))} ("${r}" is already set)`, false);
}

/**
 * The removed artifact manifest → an image manifest carrying the same artifact: the image manifest type,
 * `"schemaVersion": 2`, the empty descriptor as `config`, and `blobs` renamed to `layers` (the empty
 * descriptor when there are none). `artifactType`, `subject` and `annotations` stay as they are.
 */
function convertArtifactManifest(c: FixContext): Fix | undefined {
  const root = c.root;
  const json = c.analysis.json;
  if (!isObject(root)) return undefined;
  const edits: TextEdit[] = [];
  const text = json.text;
  const unit = indentUnit(text);
  const rootSpan = json.locate([]);
  if (!rootSpan) return undefined;

  // New members go in at the top, in manifest order, as one insertion.
  const front: [string, unknown][] = [];
  if (!('schemaVersion' in root)) front.push(['schemaVersion', 2]);
  if (!('mediaType' in root)) front.push(['mediaType', MT.manifest]);
  if (!('config' in root) && !('mediaType' in root)) front.push(['config', EMPTY_DESCRIPTOR]);
  if (front.length) {
    const first = insertMember(json, [], front[0]![0], front[0]![1]);
    if (!first) return undefined;
    if (front.length > 1) {
      // Each further member reuses the first insertion's separator and indentation.
      const ws = text.slice(rootSpan.offset + 1, nextNonWs(text, rootSpan.offset + 1));
      const indent = ws.includes('\n') ? ws.slice(ws.lastIndexOf('\n') + 1) : '';
      const rest = front
        .slice(1)
        .map(
          ([k, v]) =>
            `${ws || ' '}${JSON.stringify(k)}: ${renderValue(v, indent, ws.includes('\n') ? unit : undefined)},`,
        )
        .join('');
      first.newText += rest;
    }
    edits.push(first);
  }
  if (typeof root.mediaType === 'string' || 'mediaType' in root) {
    const e = replaceValue(json, ['mediaType'], JSON.stringify(MT.manifest));
    if (e) edits.push(e);
    if (!('config' in root)) {
      const e2 = insertMember(json, [], 'config', EMPTY_DESCRIPTOR, 'mediaType');
      if (e2) edits.push(e2);
    }
  }
  const blobs = root.blobs;
  if ('blobs' in root && !('layers' in root)) {
    const key = renameKey(json, ['blobs'], 'layers');
    if (key) edits.push(key);
    if (Array.isArray(blobs) && blobs.length === 0) {
      const span = json.locate(['blobs'])!;
      edits.push({
        offset: span.offset,
        length: span.length,
        newText: renderValue([EMPTY_DESCRIPTOR], lineIndent(text, span.offset), unit),
      });
    }
  } else if (!('layers' in root)) {
    const last = Object.keys(root).pop();
    const e = last ? insertMember(json, [], 'layers', [EMPTY_DESCRIPTOR], last) : undefined;
    if (e) edits.push(e);
  }
  return edits.length
    ? { title: 'Convert to an image manifest with artifactType (image-spec 1.1)', edits, preferred: true }
    : undefined;
}

function nextNonWs(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** The codes that have a fixer (some findings of these codes still have no fix: the facts decide). */
export const FIXABLE_CODES: ReadonlySet<string> = new Set(Object.keys(FIXERS));

/** The fixes for one finding of `analysis`; empty when there is no obvious repair. */
export function fixesFor(analysis: Analysis, finding: Finding): Fix[] {
  const fixer = FIXERS[finding.code];
  if (!fixer) return [];
  const at = analysis.json.pathAt(finding.offset);
  const path = at?.path ?? [];
  const onKey = at?.onKey === true && analysis.json.locateKey(path)?.offset === finding.offset;
  try {
    const r = fixer({ analysis, finding, path, onKey, root: analysis.json.value, data: finding.data ?? {} });
    return r === undefined ? [] : Array.isArray(r) ? r : [r];
  } catch {
    // A fixer that cannot handle an odd document offers nothing rather than failing the request.
    return [];
  }
}

/** The findings of `analysis` that have at least one fix (at most `limit` of them: callers often need two). */
export function fixableFindings(analysis: Analysis, limit = Infinity): Finding[] {
  const out: Finding[] = [];
  for (const f of analysis.findings) {
    if (out.length >= limit) break;
    if (FIXABLE_CODES.has(f.code) && fixesFor(analysis, f).length > 0) out.push(f);
  }
  return out;
}

/**
 * Every preferred fix whose edits do not overlap an earlier one's, as one list of edits against the current
 * text (sorted; insertions at one offset merged in finding order). Run it again for what was left out.
 */
export function fixAll(analysis: Analysis): TextEdit[] {
  const taken: TextEdit[] = [];
  const overlaps = (a: TextEdit, b: TextEdit): boolean => {
    if (a.length === 0 && b.length === 0) return false; // two insertions: both fine, in order
    const aEnd = endOf(a);
    const bEnd = endOf(b);
    if (a.length === 0) return a.offset > b.offset && a.offset < bEnd;
    if (b.length === 0) return b.offset > a.offset && b.offset < aEnd;
    return a.offset < bEnd && b.offset < aEnd;
  };
  for (const f of analysis.findings) {
    if (!FIXABLE_CODES.has(f.code)) continue;
    const fix = fixesFor(analysis, f).find((x) => x.preferred);
    if (!fix) continue;
    if (fix.edits.some((e) => taken.some((t) => overlaps(e, t)))) continue;
    taken.push(...fix.edits);
  }
  // Merge insertions at one offset (in the order taken) and sort.
  const merged: TextEdit[] = [];
  for (const e of taken) {
    const same = e.length === 0 ? merged.find((m) => m.length === 0 && m.offset === e.offset) : undefined;
    if (same) same.newText += e.newText;
    else merged.push({ ...e });
  }
  return merged.sort((a, b) => a.offset - b.offset || a.length - b.length);
}
