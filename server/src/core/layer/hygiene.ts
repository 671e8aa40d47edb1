/**
 * Facts about a layer's tar that image-spec layer.md states plainly, gathered from its headers as they
 * stream past (no data is read). Only these, each with the sentence it rests on:
 *
 * - `duplicate-path` (error): "Layer Changesets … MUST NOT include duplicate entries for file paths"
 *   ("Distributable Format"). Paths are compared in normal form (`./a/b/` is `a/b`).
 * - `whiteout-without-name` (warning): "A `.wh.` file, without a basename to delete, is invalid and
 *   implementations SHOULD return an error" ("Whiteouts").
 * - `whiteout-not-empty-file` (warning): "A whiteout file is an empty file", and "the whiteout file is a regular
 *   file in the archive" ("Whiteouts"); a whiteout that is a directory, a link or has content is not one.
 * - `sparse-file` (warning): "Sparse files SHOULD NOT be used" ("File Attributes").
 * - `whiteout-same-layer` (info): "Files that are present in the same layer as a whiteout file can only be
 *   hidden by whiteout files in subsequent layers": a layer holding both `.wh.x` and `x` keeps its own `x`.
 *
 * Where an opaque whiteout (`.wh..wh..opq`) stands among its siblings is not a finding: layer.md says it
 * applies "regardless of the ordering". Memory grows with the number of entries (one string per path, at
 * most `maxTrackedPaths`), never with the layer's bytes.
 */
import type { TarEntry } from '../tar/parser';
import type { Severity } from '../findings';

export type LayerRule =
  | 'duplicate-path'
  | 'whiteout-without-name'
  | 'whiteout-not-empty-file'
  | 'sparse-file'
  | 'whiteout-same-layer';

export interface LayerFinding {
  rule: LayerRule;
  /** Following the spec's words: MUST NOT → error, SHOULD → warning, a consequence worth knowing → info. */
  severity: Severity;
  /** The path concerned, in normal form. */
  path: string;
  /** Offset of the entry's header in the uncompressed tar. */
  offset: number;
  /** For `duplicate-path`, the earlier entry; for `whiteout-same-layer`, the entry the whiteout names. */
  otherOffset?: number;
  /** A full sentence. */
  message: string;
}

/** What the layer's tar holds, by kind of entry. */
export interface TarCounts {
  entries: number;
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  /** Devices, FIFOs, sparse and other types. */
  other: number;
  whiteouts: number;
  opaqueWhiteouts: number;
}

export interface LayerHygieneOptions {
  /** Stop comparing paths after this many distinct ones (default 1,000,000); `pathsLimited` says so. */
  maxTrackedPaths?: number;
  /** Keep at most this many findings (default 1,000); the rest are counted. */
  maxFindings?: number;
}

export interface HygieneResult {
  counts: TarCounts;
  findings: LayerFinding[];
  findingsDropped: number;
  /** True when the layer had more paths than `maxTrackedPaths`, so later duplicates were not looked for. */
  pathsLimited: boolean;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** `./a//b/` → `a/b`; `..` is kept as it is (it is compared, not resolved). */
export function layerPath(name: string): string {
  const parts: string[] = [];
  for (const seg of name.split('/')) if (seg !== '' && seg !== '.') parts.push(seg);
  return parts.join('/');
}

export class LayerHygiene {
  private readonly seen = new Map<string, number>();
  private readonly whiteouts: { target: string; path: string; offset: number }[] = [];
  private readonly counts: TarCounts = {
    entries: 0,
    files: 0,
    directories: 0,
    symlinks: 0,
    hardlinks: 0,
    other: 0,
    whiteouts: 0,
    opaqueWhiteouts: 0,
  };
  private readonly findings: LayerFinding[] = [];
  private dropped = 0;
  private limited = false;
  private readonly maxPaths: number;
  private readonly maxFindings: number;

  constructor(options: LayerHygieneOptions = {}) {
    this.maxPaths = options.maxTrackedPaths ?? 1_000_000;
    this.maxFindings = options.maxFindings ?? 1000;
  }

  private report(f: LayerFinding): void {
    if (this.findings.length < this.maxFindings) this.findings.push(f);
    else this.dropped++;
  }

  /** Takes the next entry of the layer's tar. */
  add(e: TarEntry): void {
    const c = this.counts;
    c.entries++;
    if (e.type === 'file') c.files++;
    else if (e.type === 'directory') c.directories++;
    else if (e.type === 'symlink') c.symlinks++;
    else if (e.type === 'hardlink') c.hardlinks++;
    else c.other++;

    const path = layerPath(e.name);
    const q = JSON.stringify(path === '' ? e.name : path);
    const before = this.seen.get(path);
    if (before !== undefined) {
      this.report({
        rule: 'duplicate-path',
        severity: 'error',
        path,
        offset: e.headerOffset,
        otherOffset: before,
        message: `The layer has two entries for ${q} (headers at offsets ${before} and ${e.headerOffset} of the uncompressed tar); a layer must not hold duplicate entries for a path (image-spec layer.md).`,
      });
    } else if (this.seen.size < this.maxPaths) this.seen.set(path, e.headerOffset);
    else this.limited = true;

    if (e.type === 'sparse')
      this.report({
        rule: 'sparse-file',
        severity: 'warning',
        path,
        offset: e.headerOffset,
        message: `The entry ${q} is a sparse file; layers should not use sparse files, which tar implementations do not all support (image-spec layer.md).`,
      });

    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    if (!base.startsWith(WHITEOUT)) return;
    const opaque = base === OPAQUE;
    if (opaque) c.opaqueWhiteouts++;
    else c.whiteouts++;
    if (base === WHITEOUT) {
      this.report({
        rule: 'whiteout-without-name',
        severity: 'warning',
        path,
        offset: e.headerOffset,
        message: `The entry ${q} is a whiteout without a name to delete, which is invalid; runtimes should refuse it (image-spec layer.md).`,
      });
      return;
    }
    if (e.type !== 'file' || e.size !== 0) {
      const what = e.type !== 'file' ? `a ${e.type}` : `a file of ${e.size} bytes`;
      this.report({
        rule: 'whiteout-not-empty-file',
        severity: 'warning',
        path,
        offset: e.headerOffset,
        message: `The whiteout ${q} is ${what}; a whiteout is an empty regular file (image-spec layer.md), and runtimes discard what it holds.`,
      });
    }
    if (!opaque && this.whiteouts.length < this.maxPaths) {
      const target = (slash >= 0 ? `${path.slice(0, slash + 1)}` : '') + base.slice(WHITEOUT.length);
      this.whiteouts.push({ target, path, offset: e.headerOffset });
    }
  }

  /** The facts, once every entry has been added. */
  result(): HygieneResult {
    for (const w of this.whiteouts) {
      const other = this.seen.get(w.target);
      if (other === undefined) continue;
      this.report({
        rule: 'whiteout-same-layer',
        severity: 'info',
        path: w.path,
        offset: w.offset,
        otherOffset: other,
        message: `The whiteout ${JSON.stringify(w.path)} names ${JSON.stringify(w.target)}, which this layer also holds; a whiteout hides only what lower layers hold, so this layer's ${JSON.stringify(w.target)} stays (image-spec layer.md).`,
      });
    }
    this.whiteouts.length = 0;
    return {
      counts: { ...this.counts },
      findings: this.findings,
      findingsDropped: this.dropped,
      pathsLimited: this.limited,
    };
  }
}
