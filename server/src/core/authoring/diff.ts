/**
 * Diff: what changed between two manifests or indexes, in their own terms rather than by line. Index entries are
 * aligned by platform (attestation entries by the image they belong to, layout entries by tag), layers by digest
 * (added, removed, replaced in place, moved); descriptors are compared field by field (media type, digest, size,
 * annotations, platform…); when two manifests name different configs and both configs can be read through the
 * content sources, the configs are compared too (Env, Labels, Entrypoint, Cmd, User, WorkingDir, ports, volumes,
 * diff IDs, history), and when two entries of an index name different manifests that can be read, those manifests.
 *
 * The verdict names the common cases: `identical` bytes; `same-content` (the JSON values are equal: only
 * whitespace, key order or escapes differ, so the digest changes and nothing else); `media-types-only` (the
 * documents differ only in how they spell their media types, e.g. a Docker schema 2 manifest and its OCI twin,
 * and in the digests and sizes that follow from that); and `different`. Pure: content comes through
 * {@link ContentSource}s, so a layout, an archive or a registry plug in the same way.
 */
import { MT } from '../catalog/core';
import { mediaTypeInfo } from '../catalog/mediaTypes';
import { normalizedVariant } from '../catalog/platforms';
import type { ContentSource } from '../content/source';
import { detectKind } from '../detect';
import { formatPath, type Path } from '../findings';
import { KIND_LABELS, type DocumentKind } from '../kinds';
import { humanSize, platformText, refNameOf, shortDigest } from '../layout/format';
import { mdCode, mdText } from '../markdown';
import { isIndexKind, isManifestKind, isObject, type JsonObject } from '../model';
import {
  attachedTo,
  AuthoringError,
  digestOfText,
  fetchJson,
  isAttachedEntry,
  plural,
  REFERENCE_TYPE,
  type FetchOptions,
} from './content';

/** One side of a comparison: a document's text and where what it names can be read. */
export interface DiffSide {
  text: string;
  /** How the user named it (a path, a layout entry), for the report. */
  label: string;
  /** Where its config, layers and (for an index) manifests can be read; none: only the document is compared. */
  sources?: readonly ContentSource[];
}

export type DiffVerdict = 'identical' | 'same-content' | 'media-types-only' | 'different';

export interface DiffChange {
  /** Where, in the documents' terms: `config.digest`, `layers[2]`, `linux/arm64 › image config › Env`. */
  where: string;
  kind: 'added' | 'removed' | 'changed' | 'moved';
  before?: unknown;
  after?: unknown;
  /** One line for people, starting with `where`. */
  text: string;
  /**
   * True when the change is only a media type's spelling (Docker ⇄ OCI, or left out where it is implied) or
   * follows from one (an index entry's digest and size, when its manifest differs only so).
   */
  formatOnly?: boolean;
}

export interface DiffSideInfo {
  label: string;
  digest: string;
  size: number;
  kind?: DocumentKind;
}

export interface DiffResult {
  verdict: DiffVerdict;
  /** True when the media types that differ are Docker and OCI spellings of the same thing. */
  dockerVsOci: boolean;
  a: DiffSideInfo;
  b: DiffSideInfo;
  changes: DiffChange[];
  /** What was not compared and why (a config not available, a manifest too deep). */
  notes: string[];
  /** One sentence: the verdict in words. */
  summary: string;
}

export interface DiffOptions extends FetchOptions {
  /** Index entries are followed into their manifests this many levels (default 2). */
  maxDepth?: number;
}

/** Compares two documents. Throws an {@link AuthoringError} when either is not JSON. */
export async function diffDocuments(
  a: DiffSide,
  b: DiffSide,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const va = parse(a);
  const vb = parse(b);
  const info = (side: DiffSide, value: unknown): DiffSideInfo => {
    const kind = detectKind(value, {}, true)?.kind;
    return { label: side.label, ...digestOfText(side.text), ...(kind ? { kind } : {}) };
  };
  const ia = info(a, va);
  const ib = info(b, vb);
  const notes: string[] = [];
  const result = (
    verdict: DiffVerdict,
    summary: string,
    dockerVsOci = false,
    changes: DiffChange[] = [],
  ): DiffResult => ({ verdict, summary, dockerVsOci, a: ia, b: ib, changes, notes });
  if (a.text === b.text) return result('identical', 'The documents are identical, byte for byte.');
  if (deepEqual(va, vb)) {
    const sameOrder = JSON.stringify(va) === JSON.stringify(vb);
    return result(
      'same-content',
      `Same content, different bytes: only ${sameOrder ? 'whitespace (or escapes)' : 'the order of keys (and whitespace)'} differs, so the digests differ and nothing else does.`,
    );
  }
  const ctx: Ctx = { changes: [], notes, dockerVsOci: false, options };
  await compareDocuments(ctx, '', va, vb, a.sources ?? [], b.sources ?? [], options.maxDepth ?? 2);
  if (!ctx.changes.length) genericDiff(ctx, '', va, vb, []);
  const formatOnly = ctx.changes.every((c) => c.formatOnly);
  const verdict: DiffVerdict = formatOnly ? 'media-types-only' : 'different';
  const real = ctx.changes.filter((c) => !c.formatOnly).length;
  const summary = formatOnly
    ? ctx.dockerVsOci
      ? 'Docker vs OCI only: the documents differ in the Docker and OCI spellings of their media types (and in the digests that follow from them), and nothing else.'
      : `The documents differ only in their media types (${ctx.changes.map((c) => c.where).join(', ')}).`
    : `The documents differ: ${plural(real, 'change')}${ctx.changes.length > real ? ` besides ${plural(ctx.changes.length - real, 'media-type change')}` : ''}.`;
  return result(verdict, summary, ctx.dockerVsOci, ctx.changes);
}

/** 0 when the documents have the same content (`diff`'s convention), 1 when they differ. */
export const diffExitCode = (r: DiffResult): 0 | 1 =>
  r.verdict === 'identical' || r.verdict === 'same-content' ? 0 : 1;

function parse(side: DiffSide): unknown {
  try {
    return JSON.parse(side.text.charCodeAt(0) === 0xfeff ? side.text.slice(1) : side.text) as unknown;
  } catch (err) {
    throw new AuthoringError(
      `${side.label} is not valid JSON (${err instanceof Error ? err.message : String(err)}), so it cannot be compared.`,
    );
  }
}

/** Equal JSON values, whatever the order of object keys. */
export function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== typeof y || x === null || y === null || typeof x !== 'object') return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) {
    const ys = y as unknown[];
    return x.length === ys.length && x.every((v, i) => deepEqual(v, ys[i]));
  }
  const xo = x as JsonObject;
  const yo = y as JsonObject;
  const keys = Object.keys(xo);
  if (keys.length !== Object.keys(yo).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(yo, k) && deepEqual(xo[k], yo[k]));
}

interface Ctx {
  changes: DiffChange[];
  notes: string[];
  dockerVsOci: boolean;
  options: DiffOptions;
}

const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));
const at = (scope: string, where: string): string => (scope ? `${scope} › ${where}` : where);

function push(ctx: Ctx, c: Omit<DiffChange, 'text'> & { text?: string }): DiffChange {
  const text =
    c.text ??
    (c.kind === 'added'
      ? `${c.where}: added ${show(c.after)}`
      : c.kind === 'removed'
        ? `${c.where}: removed (was ${show(c.before)})`
        : `${c.where}: ${show(c.before)} → ${show(c.after)}`);
  const change = { ...c, text } as DiffChange;
  ctx.changes.push(change);
  return change;
}

/** The media type a document of `kind` has when it leaves `mediaType` out. */
const IMPLIED: Partial<Record<DocumentKind, string>> = {
  'image-manifest': MT.manifest,
  'image-index': MT.index,
};

/** Compares two media types: Docker ⇄ OCI spellings and an implied type left out are format-only. */
function compareMediaType(
  ctx: Ctx,
  where: string,
  x: unknown,
  y: unknown,
  implied: { a?: string; b?: string } = {},
): void {
  if (x === y) return;
  const ex = typeof x === 'string' ? x : implied.a;
  const ey = typeof y === 'string' ? y : implied.b;
  const same = ex !== undefined && ey !== undefined && (ex === ey || mediaTypeInfo(ex)?.equivalent === ey);
  if (same && ex !== ey) ctx.dockerVsOci = true;
  const why =
    ex !== ey
      ? ' (the same content, spelt the Docker and the OCI way)'
      : x === undefined
        ? ' (left out on the first side, where it is implied)'
        : ' (left out on the second side, where it is implied)';
  push(ctx, {
    where,
    kind: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed',
    ...(x !== undefined ? { before: x } : {}),
    ...(y !== undefined ? { after: y } : {}),
    ...(same ? { formatOnly: true } : {}),
    text: `${where}: ${show(x)} → ${show(y)}${same ? why : ''}`,
  });
}

/** Compares two maps of strings (annotations, labels) key by key. */
function compareMap(ctx: Ctx, where: string, x: unknown, y: unknown): void {
  const mx = isObject(x) ? x : {};
  const my = isObject(y) ? y : {};
  if (!isObject(x) && x !== undefined) genericDiff(ctx, '', x, y, [], where);
  for (const k of Object.keys(mx)) {
    const w = `${where}[${JSON.stringify(k)}]`;
    if (!(k in my)) push(ctx, { where: w, kind: 'removed', before: mx[k] });
    else if (!deepEqual(mx[k], my[k])) push(ctx, { where: w, kind: 'changed', before: mx[k], after: my[k] });
  }
  for (const k of Object.keys(my))
    if (!(k in mx)) push(ctx, { where: `${where}[${JSON.stringify(k)}]`, kind: 'added', after: my[k] });
}

/** Keys of a descriptor compared on their own (the rest generically). */
const DESCRIPTOR_KEYS = new Set(['mediaType', 'digest', 'size', 'annotations', 'platform']);

/**
 * Compares two descriptors that play the same part. `digests: false` leaves the digest and size to the caller
 * (an index entry, whose manifests may be compared first).
 */
function compareDescriptor(ctx: Ctx, where: string, x: JsonObject, y: JsonObject, digests = true): void {
  compareMediaType(ctx, `${where}.mediaType`, x.mediaType, y.mediaType);
  if (digests) {
    if (x.digest !== y.digest)
      push(ctx, { where: `${where}.digest`, kind: 'changed', before: x.digest, after: y.digest });
    if (x.size !== y.size)
      push(ctx, { where: `${where}.size`, kind: 'changed', before: x.size, after: y.size });
  }
  if (!deepEqual(x.platform, y.platform))
    push(ctx, {
      where: `${where}.platform`,
      kind: 'changed',
      before: x.platform,
      after: y.platform,
      text: `${where}.platform: ${platformText(x.platform) ?? show(x.platform)} → ${platformText(y.platform) ?? show(y.platform)}`,
    });
  compareMap(ctx, `${where}.annotations`, x.annotations, y.annotations);
  const rest = new Set([...Object.keys(x), ...Object.keys(y)].filter((k) => !DESCRIPTOR_KEYS.has(k)));
  for (const k of rest) if (!deepEqual(x[k], y[k])) genericDiff(ctx, '', x[k], y[k], [], `${where}.${k}`);
}

/** A leaf-level difference for anything without its own rule, reported at the first level that differs. */
function genericDiff(ctx: Ctx, scope: string, x: unknown, y: unknown, path: Path, named?: string): void {
  const where = named ?? at(scope, formatPath(path));
  if (deepEqual(x, y)) return;
  if (isObject(x) && isObject(y) && path.length < 2 && named === undefined) {
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)]))
      if (!deepEqual(x[k], y[k])) genericDiff(ctx, scope, x[k], y[k], [...path, k]);
    return;
  }
  push(ctx, {
    where,
    kind: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed',
    ...(x !== undefined ? { before: x } : {}),
    ...(y !== undefined ? { after: y } : {}),
  });
}

async function compareDocuments(
  ctx: Ctx,
  scope: string,
  a: unknown,
  b: unknown,
  sa: readonly ContentSource[],
  sb: readonly ContentSource[],
  depth: number,
): Promise<void> {
  const ka = detectKind(a, {}, true)?.kind;
  const kb = detectKind(b, {}, true)?.kind;
  const family = (k: DocumentKind | undefined): string =>
    k === undefined ? 'other' : isManifestKind(k) ? 'manifest' : isIndexKind(k) ? 'index' : k;
  if (!isObject(a) || !isObject(b) || family(ka) !== family(kb) || family(ka) === 'other') {
    if (family(ka) !== family(kb))
      push(ctx, {
        where: at(scope, '(document)'),
        kind: 'changed',
        before: ka,
        after: kb,
        text: `${at(scope, '(document)')}: ${ka ? KIND_LABELS[ka] : 'not a manifest'} → ${kb ? KIND_LABELS[kb] : 'not a manifest'}`,
      });
    else genericDiff(ctx, scope, a, b, []);
    return;
  }
  compareMediaType(ctx, at(scope, 'mediaType'), a.mediaType, b.mediaType, {
    ...(ka && IMPLIED[ka] ? { a: IMPLIED[ka] } : {}),
    ...(kb && IMPLIED[kb] ? { b: IMPLIED[kb] } : {}),
  });
  if (a.schemaVersion !== b.schemaVersion)
    push(ctx, {
      where: at(scope, 'schemaVersion'),
      kind: 'changed',
      before: a.schemaVersion,
      after: b.schemaVersion,
    });
  if (a.artifactType !== b.artifactType)
    compareMediaType(ctx, at(scope, 'artifactType'), a.artifactType, b.artifactType);
  const seen = new Set(['mediaType', 'schemaVersion', 'artifactType', 'annotations', 'subject']);
  if (family(ka) === 'manifest') {
    for (const k of ['config', 'layers', 'blobs']) seen.add(k);
    await compareManifests(ctx, scope, a, b, sa, sb);
  } else {
    seen.add('manifests');
    await compareIndexes(ctx, scope, a, b, sa, sb, depth);
  }
  if (isObject(a.subject) || isObject(b.subject)) {
    if (isObject(a.subject) && isObject(b.subject))
      compareDescriptor(ctx, at(scope, 'subject'), a.subject, b.subject);
    else genericDiff(ctx, scope, a.subject, b.subject, ['subject']);
  }
  compareMap(ctx, at(scope, 'annotations'), a.annotations, b.annotations);
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    if (!seen.has(k)) genericDiff(ctx, scope, a[k], b[k], [k]);
}

// ---- manifests -----------------------------------------------------------------------------------------------

async function compareManifests(
  ctx: Ctx,
  scope: string,
  a: JsonObject,
  b: JsonObject,
  sa: readonly ContentSource[],
  sb: readonly ContentSource[],
): Promise<void> {
  const ca = isObject(a.config) ? a.config : undefined;
  const cb = isObject(b.config) ? b.config : undefined;
  if (ca && cb) {
    compareDescriptor(ctx, at(scope, 'config'), ca, cb);
    if (ca.digest !== cb.digest) {
      const [fa, fb] = await Promise.all([
        fetchJson(sa, ca, configRead(ctx)),
        fetchJson(sb, cb, configRead(ctx)),
      ]);
      if ('problem' in fa || 'problem' in fb) {
        const why =
          'problem' in fa
            ? `the first one ${fa.problem}`
            : `the second one ${(fb as { problem: string }).problem}`;
        ctx.notes.push(`${at(scope, 'The image configs')} were not compared: ${why}.`);
      } else compareConfigs(ctx, at(scope, 'image config'), fa.value, fb.value);
    }
  } else genericDiff(ctx, scope, a.config, b.config, ['config']);
  for (const key of ['layers', 'blobs'])
    if (Array.isArray(a[key]) || Array.isArray(b[key])) compareLayers(ctx, at(scope, key), a[key], b[key]);
}

/** Configs may be larger than manifests (long histories): up to 16 MiB. */
const configRead = (ctx: Ctx): FetchOptions => ({ ...ctx.options, maxBytes: 16 * 1024 * 1024 });

/**
 * Aligns two layer lists by digest: the longest common subsequence stays in place; a digest in both lists
 * outside it has moved; a layer replaced at the same position is one change; the rest are added or removed.
 */
function compareLayers(ctx: Ctx, where: string, x: unknown, y: unknown): void {
  const la = (Array.isArray(x) ? x : []).map((d) => (isObject(d) ? d : {}));
  const lb = (Array.isArray(y) ? y : []).map((d) => (isObject(d) ? d : {}));
  const key = (d: JsonObject): string => (typeof d.digest === 'string' ? d.digest : JSON.stringify(d));
  const ka = la.map(key);
  const kb = lb.map(key);
  const pairs = lcs(ka, kb);
  const matchedA = new Set(pairs.map(([i]) => i));
  const matchedB = new Set(pairs.map(([, j]) => j));
  for (const [i, j] of pairs) compareDescriptor(ctx, `${where}[${j}]`, la[i]!, lb[j]!);
  // Moved: the same digest outside the common sequence (first unmatched occurrence on each side).
  const restB = new Map<string, number[]>();
  kb.forEach((k, j) => {
    if (matchedB.has(j)) return;
    const list = restB.get(k) ?? [];
    list.push(j);
    restB.set(k, list);
  });
  ka.forEach((k, i) => {
    if (matchedA.has(i)) return;
    const j = restB.get(k)?.shift();
    if (j === undefined) return;
    matchedA.add(i);
    matchedB.add(j);
    push(ctx, {
      where: `${where}[${j}]`,
      kind: 'moved',
      before: i,
      after: j,
      text: `${where}: ${shortDigest(k)} moved from position ${i} to ${j}`,
    });
    compareDescriptor(ctx, `${where}[${j}]`, la[i]!, lb[j]!);
  });
  const describe = (d: JsonObject): string =>
    [typeof d.digest === 'string' ? d.digest : show(d), humanSize(d.size)].filter(Boolean).join(', ');
  const removed = la.map((_, i) => i).filter((i) => !matchedA.has(i));
  const added = new Set(lb.map((_, j) => j).filter((j) => !matchedB.has(j)));
  for (const i of removed) {
    if (added.has(i)) {
      added.delete(i);
      push(ctx, {
        where: `${where}[${i}]`,
        kind: 'changed',
        before: la[i]!.digest,
        after: lb[i]!.digest,
        text: `${where}[${i}] replaced: ${describe(la[i]!)} → ${describe(lb[i]!)}`,
      });
      const mt = la[i]!.mediaType;
      if (mt !== lb[i]!.mediaType) compareMediaType(ctx, `${where}[${i}].mediaType`, mt, lb[i]!.mediaType);
      continue;
    }
    push(ctx, {
      where: `${where}[${i}]`,
      kind: 'removed',
      before: la[i]!.digest,
      text: `${where}[${i}] removed: ${describe(la[i]!)}`,
    });
  }
  for (const j of added)
    push(ctx, {
      where: `${where}[${j}]`,
      kind: 'added',
      after: lb[j]!.digest,
      text: `${where}[${j}] added: ${describe(lb[j]!)}`,
    });
}

/** The index pairs of a longest common subsequence of two short lists (quadratic; lists are capped). */
function lcs(a: readonly string[], b: readonly string[]): [number, number][] {
  if (a.length * b.length > 4_000_000) {
    // Too long to align well: pair equal digests at equal positions only.
    return a.flatMap((k, i) => (b[i] === k ? [[i, i] as [number, number]] : []));
  }
  const n = a.length;
  const m = b.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i * (m + 1) + j] =
        a[i] === b[j]
          ? table[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(table[(i + 1) * (m + 1) + j]!, table[i * (m + 1) + j + 1]!);
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([i++, j++]);
    } else if (table[(i + 1) * (m + 1) + j]! >= table[i * (m + 1) + j + 1]!) i++;
    else j++;
  }
  return out;
}

// ---- image configs -------------------------------------------------------------------------------------------

/** The fields of `config` compared as whole values. */
const CONFIG_VALUES = [
  'User',
  'WorkingDir',
  'Entrypoint',
  'Cmd',
  'StopSignal',
  'Healthcheck',
  'Shell',
  'OnBuild',
  'ArgsEscaped',
];

function compareConfigs(ctx: Ctx, where: string, x: unknown, y: unknown): void {
  if (!isObject(x) || !isObject(y)) return genericDiff(ctx, '', x, y, [], where);
  for (const k of ['architecture', 'os', 'variant', 'os.version', 'os.features', 'created', 'author'])
    if (!deepEqual(x[k], y[k])) genericDiff(ctx, '', x[k], y[k], [], `${where} › ${k}`);
  const cx = isObject(x.config) ? x.config : {};
  const cy = isObject(y.config) ? y.config : {};
  for (const k of CONFIG_VALUES)
    if (!deepEqual(cx[k], cy[k])) genericDiff(ctx, '', cx[k], cy[k], [], `${where} › ${k}`);
  compareEnv(ctx, `${where} › Env`, cx.Env, cy.Env);
  compareMap(ctx, `${where} › Labels`, cx.Labels, cy.Labels);
  for (const k of ['ExposedPorts', 'Volumes']) compareKeys(ctx, `${where} › ${k}`, cx[k], cy[k]);
  const handled = new Set([...CONFIG_VALUES, 'Env', 'Labels', 'ExposedPorts', 'Volumes']);
  for (const k of new Set([...Object.keys(cx), ...Object.keys(cy)]))
    if (!handled.has(k) && !deepEqual(cx[k], cy[k]))
      genericDiff(ctx, '', cx[k], cy[k], [], `${where} › ${k}`);
  const rx = isObject(x.rootfs) ? x.rootfs : {};
  const ry = isObject(y.rootfs) ? y.rootfs : {};
  if (!deepEqual(rx.diff_ids, ry.diff_ids)) {
    const dx = Array.isArray(rx.diff_ids) ? rx.diff_ids : [];
    const dy = Array.isArray(ry.diff_ids) ? ry.diff_ids : [];
    const changed = dx.filter((d, i) => dy[i] !== undefined && d !== dy[i]).length;
    push(ctx, {
      where: `${where} › rootfs.diff_ids`,
      kind: 'changed',
      before: dx.length,
      after: dy.length,
      text: `${where} › rootfs.diff_ids: ${plural(dx.length, 'layer')} → ${plural(dy.length, 'layer')}${changed ? `, ${changed} at the same position changed` : ''}`,
    });
  }
  compareHistory(ctx, `${where} › history`, x.history, y.history);
}

/** `Env` as variables: added, removed, changed by name; a change of order alone is said once. */
function compareEnv(ctx: Ctx, where: string, x: unknown, y: unknown): void {
  const vars = (v: unknown): Map<string, string> => {
    const out = new Map<string, string>();
    if (Array.isArray(v))
      for (const e of v)
        if (typeof e === 'string') {
          const eq = e.indexOf('=');
          out.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1));
        }
    return out;
  };
  const vx = vars(x);
  const vy = vars(y);
  let any = false;
  for (const [k, v] of vx) {
    if (!vy.has(k))
      push(ctx, {
        where: `${where}[${k}]`,
        kind: 'removed',
        before: `${k}=${v}`,
        text: `${where}: removed ${k}=${v}`,
      });
    else if (vy.get(k) !== v)
      push(ctx, {
        where: `${where}[${k}]`,
        kind: 'changed',
        before: v,
        after: vy.get(k),
        text: `${where}: ${k}=${v} → ${k}=${vy.get(k)!}`,
      });
    else continue;
    any = true;
  }
  for (const [k, v] of vy)
    if (!vx.has(k)) {
      any = true;
      push(ctx, {
        where: `${where}[${k}]`,
        kind: 'added',
        after: `${k}=${v}`,
        text: `${where}: added ${k}=${v}`,
      });
    }
  if (!any && !deepEqual(x, y))
    push(ctx, {
      where,
      kind: 'moved',
      before: x,
      after: y,
      text: `${where}: the same variables in another order`,
    });
}

/** Maps whose keys are what counts (`ExposedPorts`, `Volumes`). */
function compareKeys(ctx: Ctx, where: string, x: unknown, y: unknown): void {
  const kx = new Set(isObject(x) ? Object.keys(x) : []);
  const ky = new Set(isObject(y) ? Object.keys(y) : []);
  for (const k of kx)
    if (!ky.has(k)) push(ctx, { where, kind: 'removed', before: k, text: `${where}: removed ${k}` });
  for (const k of ky)
    if (!kx.has(k)) push(ctx, { where, kind: 'added', after: k, text: `${where}: added ${k}` });
}

/** History entries by position: the steps that differ (by `created_by`), and the steps added or removed at the end. */
function compareHistory(ctx: Ctx, where: string, x: unknown, y: unknown): void {
  const hx = Array.isArray(x) ? x : [];
  const hy = Array.isArray(y) ? y : [];
  const step = (h: unknown): string =>
    isObject(h) && typeof h.created_by === 'string' ? JSON.stringify(h.created_by) : show(h);
  const common = Math.min(hx.length, hy.length);
  for (let i = 0; i < common; i++) {
    if (deepEqual(hx[i], hy[i])) continue;
    const sx = step(hx[i]);
    const sy = step(hy[i]);
    push(ctx, {
      where: `${where}[${i}]`,
      kind: 'changed',
      before: hx[i],
      after: hy[i],
      text:
        sx === sy
          ? `${where}[${i}]: ${sx} (its other fields changed, e.g. the time)`
          : `${where}[${i}]: ${sx} → ${sy}`,
    });
  }
  for (let i = common; i < hx.length; i++)
    push(ctx, {
      where: `${where}[${i}]`,
      kind: 'removed',
      before: hx[i],
      text: `${where}[${i}] removed: ${step(hx[i])}`,
    });
  for (let i = common; i < hy.length; i++)
    push(ctx, {
      where: `${where}[${i}]`,
      kind: 'added',
      after: hy[i],
      text: `${where}[${i}] added: ${step(hy[i])}`,
    });
}

// ---- indexes -------------------------------------------------------------------------------------------------

/**
 * The key an index entry is aligned by: its tag in a layout's index.json, else what it is attached to (BuildKit
 * attestations, by the key of their image), else its platform (variants normalised as clients match them, so
 * `arm64` and `arm64/v8` are one), else its artifact type, else its digest. Each key comes with a label for the
 * report, which shows the platform as the entry writes it.
 */
function entryKeys(entries: readonly JsonObject[]): { key: string; label: string }[] {
  const base = (e: JsonObject): { key: string; label: string } | undefined => {
    const p = e.platform;
    if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string') return undefined;
    if (p.os === 'unknown' && p.architecture === 'unknown') return undefined;
    const variant = normalizedVariant(p.architecture, typeof p.variant === 'string' ? p.variant : undefined);
    let k = `${p.os}/${p.architecture}${variant ? `/${variant}` : ''}`;
    if (typeof p['os.version'] === 'string') k += ` ${p['os.version']}`;
    for (const f of ['os.features', 'features'])
      if (Array.isArray(p[f]) && (p[f] as unknown[]).length) k += ` ${f}=${(p[f] as unknown[]).join(',')}`;
    return { key: k, label: platformText(p) ?? k };
  };
  const byDigest = new Map<string, JsonObject>();
  for (const e of entries)
    if (typeof e.digest === 'string' && !byDigest.has(e.digest)) byDigest.set(e.digest, e);
  const keys = entries.map((e): { key: string; label: string } => {
    const ref = refNameOf(e);
    const plat = base(e);
    if (ref !== undefined)
      return {
        key: `tag ${ref}${plat ? ` ${plat.key}` : ''}`,
        label: `tag ${ref}${plat ? ` ${plat.label}` : ''}`,
      };
    if (isAttachedEntry(e)) {
      const type = String((e.annotations as JsonObject)[REFERENCE_TYPE]);
      const to = attachedTo(e);
      const owner = to !== undefined ? byDigest.get(to) : undefined;
      const of =
        (owner && base(owner)) ??
        (to !== undefined ? { key: shortDigest(to), label: shortDigest(to) } : undefined);
      return { key: `${type} of ${of?.key ?? '?'}`, label: `${type} of ${of?.label ?? '?'}` };
    }
    if (plat) return plat;
    const other =
      typeof e.artifactType === 'string'
        ? `artifact ${e.artifactType}`
        : typeof e.digest === 'string'
          ? `entry ${shortDigest(e.digest)}`
          : 'entry';
    return { key: other, label: other };
  });
  const count = new Map<string, number>();
  return keys.map(({ key, label }) => {
    const n = (count.get(key) ?? 0) + 1;
    count.set(key, n);
    return n === 1 ? { key, label } : { key: `${key} #${n}`, label: `${label} #${n}` };
  });
}

async function compareIndexes(
  ctx: Ctx,
  scope: string,
  a: JsonObject,
  b: JsonObject,
  sa: readonly ContentSource[],
  sb: readonly ContentSource[],
  depth: number,
): Promise<void> {
  const ea = (Array.isArray(a.manifests) ? a.manifests : []).map((d) => (isObject(d) ? d : {}));
  const eb = (Array.isArray(b.manifests) ? b.manifests : []).map((d) => (isObject(d) ? d : {}));
  const ka = entryKeys(ea);
  const kb = entryKeys(eb);
  const posB = new Map(kb.map((k, j) => [k.key, j]));
  const posA = new Map(ka.map((k, i) => [k.key, i]));
  const describe = (e: JsonObject): string =>
    [typeof e.digest === 'string' ? e.digest : undefined, humanSize(e.size)].filter(Boolean).join(', ');
  for (let i = 0; i < ea.length; i++) {
    const j = posB.get(ka[i]!.key);
    // Named as the second document names it, where it is in both.
    const label = j === undefined ? ka[i]!.label : kb[j]!.label;
    const where = at(scope, `manifests[${label}]`);
    if (j === undefined) {
      push(ctx, {
        where,
        kind: 'removed',
        before: ea[i]!.digest,
        text: `${where} removed: ${describe(ea[i]!)}`,
      });
      continue;
    }
    const x = ea[i]!;
    const y = eb[j]!;
    const mark = ctx.changes.length;
    compareDescriptor(ctx, where, x, y, false);
    if (x.digest === y.digest && x.size === y.size) continue;
    // Different manifests: compare them when both can be read, so that a change that is only their media types
    // (and so their digests) is said as such.
    let formatOnly = false;
    if (depth > 0) {
      const [fa, fb] = await Promise.all([fetchJson(sa, x, ctx.options), fetchJson(sb, y, ctx.options)]);
      if ('problem' in fa || 'problem' in fb) {
        const why =
          'problem' in fa
            ? `the first one ${fa.problem}`
            : `the second one ${(fb as { problem: string }).problem}`;
        ctx.notes.push(`The manifests of ${where} were not compared: ${why}.`);
      } else {
        const inner = ctx.changes.length;
        await compareDocuments(ctx, at(scope, label), fa.value, fb.value, sa, sb, depth - 1);
        formatOnly = ctx.changes.slice(inner).every((c) => c.formatOnly);
      }
    } else
      ctx.notes.push(
        `The manifests of ${where} were not compared: the comparison goes ${plural(ctx.options.maxDepth ?? 2, 'level')} deep.`,
      );
    const consequence = formatOnly && ctx.changes.slice(mark).every((c) => c.formatOnly);
    push(ctx, {
      where,
      kind: 'changed',
      before: x.digest,
      after: y.digest,
      ...(consequence ? { formatOnly: true } : {}),
      text: `${where}: ${describe(x)} → ${describe(y)}${consequence ? ' (following from its media types)' : ''}`,
    });
  }
  for (let j = 0; j < eb.length; j++)
    if (!posA.has(kb[j]!.key)) {
      const where = at(scope, `manifests[${kb[j]!.label}]`);
      push(ctx, { where, kind: 'added', after: eb[j]!.digest, text: `${where} added: ${describe(eb[j]!)}` });
    }
  const commonA = ka.filter((k) => posB.has(k.key)).map((k) => kb[posB.get(k.key)!]!.label);
  const commonB = kb.filter((k) => posA.has(k.key)).map((k) => k.label);
  if (commonA.join('\n') !== commonB.join('\n'))
    push(ctx, {
      where: at(scope, 'manifests'),
      kind: 'moved',
      before: commonA,
      after: commonB,
      text: `${at(scope, 'manifests')}: the entries are in another order (${commonA.join(', ')} → ${commonB.join(', ')}); clients take the first entry that matches their platform`,
    });
}

// ---- reports -------------------------------------------------------------------------------------------------

const sideLine = (name: string, s: DiffSideInfo): string =>
  `${name}: ${s.label} (${s.kind ? KIND_LABELS[s.kind] : 'not a manifest'}, ${s.digest}, ${s.size} bytes)`;

/** The report as lines of text: both sides, the verdict, each change, the notes. */
export function diffLines(r: DiffResult): string[] {
  return [
    sideLine('A', r.a),
    sideLine('B', r.b),
    r.summary,
    ...r.changes.map((c) => `  ${c.text}`),
    ...r.notes.map((n) => `Note: ${n}`),
  ];
}

/**
 * The report as Markdown for a preview: the verdict, a table of both sides, the changes grouped by where they are
 * (the document, each platform of an index), the notes. Every quoted value goes through the Markdown helpers, so
 * nothing a document holds is rendered as a link, an image or HTML.
 */
export function diffMarkdown(r: DiffResult): string {
  const side = (name: string, s: DiffSideInfo): string =>
    `| ${name} | ${mdText(s.label)} | ${s.kind ? mdText(KIND_LABELS[s.kind]) : 'not a manifest'} | ${mdCode(s.digest)} | ${s.size} |`;
  const out = [
    '# Semantic diff',
    '',
    mdText(r.summary),
    '',
    '| | document | kind | digest | bytes |',
    '|---|---|---|---|---|',
    side('A', r.a),
    side('B', r.b),
  ];
  if (r.changes.length) {
    // Grouped by scope: the part before the first ` › ` (a platform of an index), else the document itself.
    const groups = new Map<string, DiffChange[]>();
    for (const c of r.changes) {
      const cut = c.where.indexOf(' › ');
      const scope = cut > 0 && !c.where.startsWith('image config') ? c.where.slice(0, cut) : '';
      groups.set(scope, [...(groups.get(scope) ?? []), c]);
    }
    for (const [scope, changes] of groups) {
      out.push('', `## ${scope ? mdText(scope) : 'The document'}`, '');
      for (const c of changes) {
        const text = scope && c.text.startsWith(`${scope} › `) ? c.text.slice(scope.length + 3) : c.text;
        out.push(`- ${mdText(text)}${c.formatOnly ? ' *(media type only)*' : ''}`);
      }
    }
  }
  if (r.notes.length) out.push('', '## Not compared', '', ...r.notes.map((n) => `- ${mdText(n)}`));
  return `${out.join('\n')}\n`;
}
