/**
 * OCI image layouts on disk for the navigation features: finding the layout a document belongs to (the
 * nearest folder above it with an `oci-layout` file, a bounded walk), the image graph (core/layout/graph.ts)
 * over the layout's blobs, blob URIs for links, the layout's JSON documents for references and workspace
 * diagnostics, and the layouts under the workspace folders.
 *
 * Safety is the verification engine's (verify/layoutStore.ts): a digest is validated before it becomes a
 * path, only regular files inside `<layout>/blobs/` are read (symbolic links leaving it, FIFOs, devices are
 * refused), `index.json` and `oci-layout` must be regular files inside the layout. Everything is cached per
 * layout and revalidated by modification time, at most once a second.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { blobPath, validateDigest } from '../core/digest';
import { buildLayoutGraph, type LayoutReader } from '../core/layout/graph';
import { humanSize } from '../core/layout/format';
import type { LayoutGraph } from '../protocol';
import type { LayoutAccess, LayoutFileLimits, LayoutJsonFile, LayoutJsonFiles } from '../lsp/layoutAccess';
import {
  isInside,
  LayoutBlobSource,
  openRegular,
  specialKind,
  type ResolvedBlob,
} from './verify/layoutStore';

/** The file that marks a layout's root. */
const LAYOUT_FILE = 'oci-layout';
/** How many folders above a document are searched for `oci-layout`. */
export const MAX_WALK_UP = 32;
/** An answer about the disk is trusted for this long before it is checked again. */
const FRESH_MS = 1000;
/** `index.json` and `oci-layout` larger than this are not read (the graph marks them unreadable). */
const MAX_ROOT_FILE_BYTES = 16 * 1024 * 1024;
/** At most this many layouts are kept in the cache. */
const MAX_LAYOUTS = 64;
/** Texts of JSON files kept per layout, in bytes. */
const TEXT_CACHE_BYTES = 32 * 1024 * 1024;

/** The bounded walk that finds layouts in the workspace. */
export const FIND_LIMITS = { maxDepth: 8, maxDirs: 5000, maxLayouts: 50 };
/** Folders never searched for layouts. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

const toPath = (uri: string): string | undefined => {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
};

const toUri = (p: string): string => pathToFileURL(p).href;

/** Turns an error message into a sentence: capitalised, ending with a period. */
function sentence(message: string): string {
  const m = message.trim();
  const s = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

const errorMessage = (err: unknown): string => sentence(err instanceof Error ? err.message : String(err));

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

/** Reads an open regular file of known size (at most `max` bytes) as UTF-8 text. */
async function readWhole(b: ResolvedBlob, max: number): Promise<string> {
  if (b.stats.size > max)
    throw new Error(`${b.shown} is ${humanSize(b.stats.size)}, above the ${humanSize(max)} read limit`);
  const handle = await openRegular(b);
  try {
    const buf = Buffer.alloc(Math.min(b.stats.size, max) + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > max)
      throw new Error(`${b.shown} grew above the ${humanSize(max)} read limit while it was read`);
    return buf.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The first bytes of a file, to tell JSON from binary blobs without reading them. */
async function sniff(b: ResolvedBlob, bytes = 512): Promise<Buffer> {
  const handle = await openRegular(b);
  try {
    const buf = Buffer.alloc(Math.min(bytes, b.stats.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** True when the bytes start (after white space and a byte-order mark) like a JSON object or array. */
export function looksLikeJson(head: Uint8Array): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
    i++;
  if (i >= head.length || (head[i] !== 0x7b && head[i] !== 0x5b)) return false;
  return !head.includes(0);
}

/** One `blobs/<alg>/` folder as listed: entry name → regular file (`file`) or anything else (`other`). */
interface Listing {
  mtimeMs: number;
  checkedAt: number;
  entries: Map<string, 'file' | 'other'>;
}

/** A file the graph depends on, with what it looked like when it was read. */
interface Stamp {
  path: string;
  mtimeMs: number;
  size: number;
}

/** One layout's caches. */
class Layout {
  private readonly listings = new Map<string, Listing>();
  private algorithms?: { mtimeMs: number; checkedAt: number; names: string[] };
  private graphCache?: { graph: LayoutGraph; stamps: Stamp[]; checkedAt: number };
  private building?: Promise<LayoutGraph>;
  private readonly texts = new Map<string, { version: string; text: string | null }>();
  private textBytes = 0;

  private constructor(
    /** The root as found (not resolved), for URIs. */
    readonly root: string,
    readonly realRoot: string,
    private readonly source: LayoutBlobSource,
    private readonly now: () => number,
  ) {}

  static async open(root: string, now: () => number): Promise<Layout> {
    const source = await LayoutBlobSource.create(root);
    return new Layout(root, source.realRoot, source, now);
  }

  get rootUri(): string {
    return toUri(this.root);
  }

  // ---- blobs -----------------------------------------------------------------------------------------

  /** The algorithm folders under `blobs/` (real folders inside the layout only). */
  private async algorithmNames(): Promise<string[]> {
    const t = this.now();
    if (this.algorithms && t - this.algorithms.checkedAt < FRESH_MS) return this.algorithms.names;
    const blobsDir = path.join(this.realRoot, 'blobs');
    const st = await statOrUndefined(blobsDir);
    if (this.algorithms && st && st.mtimeMs === this.algorithms.mtimeMs) {
      this.algorithms.checkedAt = t;
      return this.algorithms.names;
    }
    let names: string[] = [];
    if (st?.isDirectory() && (await this.isInsideRoot(blobsDir))) {
      try {
        names = (await readdir(blobsDir, { withFileTypes: true }))
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
      } catch {
        names = [];
      }
    }
    this.algorithms = { mtimeMs: st?.mtimeMs ?? -1, checkedAt: t, names };
    return names;
  }

  private async isInsideRoot(p: string, parent = this.realRoot): Promise<boolean> {
    try {
      return isInside(await realpath(p), parent);
    } catch {
      return false;
    }
  }

  /** The entries of `blobs/<alg>/`, cached by the folder's modification time. */
  private async listing(algorithm: string): Promise<Listing | undefined> {
    const t = this.now();
    const known = this.listings.get(algorithm);
    if (known && t - known.checkedAt < FRESH_MS) return known;
    const dir = path.join(this.realRoot, 'blobs', algorithm);
    const st = await statOrUndefined(dir);
    if (!st?.isDirectory()) {
      this.listings.delete(algorithm);
      return undefined;
    }
    if (known && st.mtimeMs === known.mtimeMs) {
      known.checkedAt = t;
      return known;
    }
    // A `blobs/<alg>` that is a link leading out of `blobs/` (or `blobs/` out of the layout) lists nothing.
    let realBlobs: string;
    try {
      realBlobs = await realpath(path.join(this.realRoot, 'blobs'));
    } catch {
      return undefined;
    }
    if (!isInside(realBlobs, this.realRoot) || !(await this.isInsideRoot(dir, realBlobs))) return undefined;
    let dirents: Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    const entries = new Map<string, 'file' | 'other'>();
    for (const e of dirents) entries.set(e.name, e.isFile() ? 'file' : 'other');
    const listing: Listing = { mtimeMs: st.mtimeMs, checkedAt: t, entries };
    this.listings.set(algorithm, listing);
    return listing;
  }

  /**
   * True when the blob is a regular file inside `blobs/`. A plain directory entry is trusted from the
   * listing; anything else (a symbolic link) goes through the verification engine's full resolution.
   */
  async exists(digest: string): Promise<boolean> {
    const rel = blobPath(digest);
    if (!rel) return false;
    const [, algorithm, encoded] = rel.split('/') as [string, string, string];
    const listing = await this.listing(algorithm);
    const entry = listing?.entries.get(encoded);
    if (entry === undefined) return false;
    if (entry === 'file') return true;
    try {
      return (await this.source.resolve(digest)) !== undefined;
    } catch {
      return false;
    }
  }

  /**
   * A listed blob ready to open. An entry the listing saw as a regular file (its folder already checked to be
   * inside `blobs/`) needs one `stat`; `openRegular` then refuses it if it was swapped for anything else.
   * Other entries (symbolic links) go through the verification engine's full resolution.
   */
  private async resolveListed(
    algorithm: string,
    encoded: string,
    digest: string,
  ): Promise<ResolvedBlob | undefined> {
    if (this.listings.get(algorithm)?.entries.get(encoded) !== 'file') return this.source.resolve(digest);
    const real = path.join(this.realRoot, 'blobs', algorithm, encoded);
    const stats = await statOrUndefined(real);
    if (!stats?.isFile()) return this.source.resolve(digest);
    return { shown: path.join(this.root, 'blobs', algorithm, encoded), real, stats };
  }

  async blobUris(digests: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const digest of new Set(digests)) {
      if (!validateDigest(digest).ok) continue;
      const rel = blobPath(digest);
      if (rel && (await this.exists(digest))) out.set(digest, toUri(path.join(this.root, ...rel.split('/'))));
    }
    return out;
  }

  /** The blob's text (at most `max` bytes), undefined when absent; throws a sentence when it cannot be read. */
  private async readBlob(digest: string, max: number, stamps: Stamp[]): Promise<string | undefined> {
    let b: ResolvedBlob | undefined;
    try {
      b = await this.source.resolve(digest);
    } catch (err) {
      throw new Error(errorMessage(err), { cause: err });
    }
    if (!b) return undefined;
    stamps.push({ path: b.real, mtimeMs: b.stats.mtimeMs, size: b.stats.size });
    try {
      return await readWhole(b, max);
    } catch (err) {
      throw new Error(errorMessage(err), { cause: err });
    }
  }

  /** `index.json` or `oci-layout`: a regular file inside the layout, or why not. */
  private async resolveRootFile(name: string): Promise<ResolvedBlob | 'missing' | { problem: string }> {
    const candidate = path.join(this.realRoot, name);
    const shown = path.join(this.root, name);
    try {
      await lstat(candidate);
    } catch {
      return 'missing';
    }
    let real: string;
    let stats: Stats;
    try {
      real = await realpath(candidate);
      stats = await stat(real);
    } catch {
      return 'missing';
    }
    if (!isInside(real, this.realRoot))
      return { problem: `is a symbolic link that leads outside the layout, so it was not read` };
    const special = specialKind(stats);
    if (special) return { problem: `is ${special}, not a regular file, so it was not read` };
    return { shown, real, stats };
  }

  private async readRootFile(name: string, stamps?: Stamp[]): Promise<{ text?: string; problem?: string }> {
    const r = await this.resolveRootFile(name);
    if (r === 'missing') {
      stamps?.push({ path: path.join(this.realRoot, name), mtimeMs: -1, size: -1 });
      return { problem: 'missing' };
    }
    if ('problem' in r) return { problem: r.problem };
    stamps?.push({ path: r.real, mtimeMs: r.stats.mtimeMs, size: r.stats.size });
    try {
      return { text: await readWhole(r, MAX_ROOT_FILE_BYTES) };
    } catch (err) {
      const m = err instanceof Error ? err.message : String(err);
      return { problem: m.startsWith(r.shown) ? m.slice(r.shown.length).trim() : `could not be read (${m})` };
    }
  }

  // ---- the graph -------------------------------------------------------------------------------------

  async graph(): Promise<LayoutGraph> {
    const cached = this.graphCache;
    if (cached && (await this.fresh(cached))) return cached.graph;
    this.building ??= this.build().finally(() => (this.building = undefined));
    return this.building;
  }

  /** True when no file the graph was built from has changed (checked at most once a second). */
  private async fresh(cached: { stamps: Stamp[]; checkedAt: number }): Promise<boolean> {
    const t = this.now();
    if (t - cached.checkedAt < FRESH_MS) return true;
    for (const s of cached.stamps) {
      const st = await statOrUndefined(s.path);
      const mtimeMs = st ? st.mtimeMs : -1;
      const size = st ? st.size : -1;
      if (mtimeMs !== s.mtimeMs || size !== s.size) return false;
    }
    cached.checkedAt = t;
    return true;
  }

  private async build(): Promise<LayoutGraph> {
    const stamps: Stamp[] = [];
    const header = await this.readRootFile(LAYOUT_FILE, stamps);
    let layoutVersion: string | undefined;
    if (header.text !== undefined) {
      try {
        const v = (JSON.parse(header.text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
        if (typeof v === 'string') layoutVersion = v;
      } catch {
        // The layout check reports a broken oci-layout file; the graph only shows the version when it has one.
      }
    }
    const index = await this.readRootFile('index.json', stamps);
    // Presence answers depend on the blob folders' listings: a blob added or removed changes their mtime.
    for (const algorithm of await this.algorithmNames()) {
      const st = await statOrUndefined(path.join(this.realRoot, 'blobs', algorithm));
      if (st)
        stamps.push({
          path: path.join(this.realRoot, 'blobs', algorithm),
          mtimeMs: st.mtimeMs,
          size: st.size,
        });
    }
    const blobsDir = path.join(this.realRoot, 'blobs');
    const bst = await statOrUndefined(blobsDir);
    stamps.push({ path: blobsDir, mtimeMs: bst?.mtimeMs ?? -1, size: bst?.size ?? -1 });

    const reader: LayoutReader = {
      readJson: (digest, max) => this.readBlob(digest, max, stamps),
      exists: (digest) => this.exists(digest),
    };
    const graph = await buildLayoutGraph(
      { ...index, ...(layoutVersion !== undefined ? { layoutVersion } : {}) },
      reader,
      {
        root: this.rootUri,
      },
    );
    graph.index.uri = toUri(path.join(this.root, 'index.json'));
    for (const node of Object.values(graph.blobs)) {
      if ((node.status === 'ok' || node.status === 'invalid') && node.path)
        node.uri = toUri(path.join(this.root, ...node.path.split('/')));
    }
    this.graphCache = { graph, stamps, checkedAt: this.now() };
    return graph;
  }

  // ---- JSON files ------------------------------------------------------------------------------------

  async jsonFiles(limits: LayoutFileLimits): Promise<LayoutJsonFiles> {
    const files: LayoutJsonFile[] = [];
    let total = 0;
    let incomplete: string | undefined;
    for (const name of [LAYOUT_FILE, 'index.json']) {
      const r = await this.resolveRootFile(name);
      if (r === 'missing' || 'problem' in r) continue;
      const text = await this.cachedText(r, MAX_ROOT_FILE_BYTES, false);
      if (text === null) continue;
      total += r.stats.size;
      files.push({
        uri: toUri(path.join(this.root, name)),
        relative: name,
        text,
        version: `${r.stats.mtimeMs}:${r.stats.size}`,
      });
    }
    const candidates: { algorithm: string; encoded: string }[] = [];
    for (const algorithm of await this.algorithmNames()) {
      const listing = await this.listing(algorithm);
      for (const encoded of listing?.entries.keys() ?? []) candidates.push({ algorithm, encoded });
    }
    const blobCount = candidates.length;
    if (blobCount > limits.maxBlobs) {
      return {
        files,
        blobCount,
        incomplete: `The layout holds ${blobCount} blobs, more than the ${limits.maxBlobs} looked at; its blobs were not read.`,
      };
    }
    for (const { algorithm, encoded } of candidates) {
      const digest = `${algorithm}:${encoded}`;
      if (!validateDigest(digest).ok || !blobPath(digest)) continue;
      let b: ResolvedBlob | undefined;
      try {
        b = await this.resolveListed(algorithm, encoded, digest);
      } catch {
        continue; // refused: not a regular file inside blobs/
      }
      if (!b || b.stats.size > limits.maxFileBytes) continue;
      if (total + b.stats.size > limits.maxTotalBytes) {
        incomplete = `The layout's JSON blobs exceed ${humanSize(limits.maxTotalBytes)} in all; the rest were not read.`;
        break;
      }
      let text: string | null;
      try {
        text = await this.cachedText(b, limits.maxFileBytes, true);
      } catch {
        continue;
      }
      if (text === null) continue;
      total += b.stats.size;
      files.push({
        uri: toUri(path.join(this.root, 'blobs', algorithm, encoded)),
        relative: `blobs/${algorithm}/${encoded}`,
        text,
        version: `${b.stats.mtimeMs}:${b.stats.size}`,
      });
    }
    return incomplete ? { files, blobCount, incomplete } : { files, blobCount };
  }

  /** The file's text, or null when it is not JSON (sniffed when `sniffFirst`); cached by mtime and size. */
  private async cachedText(b: ResolvedBlob, max: number, sniffFirst: boolean): Promise<string | null> {
    const version = `${b.stats.mtimeMs}:${b.stats.size}`;
    const hit = this.texts.get(b.real);
    if (hit && hit.version === version) return hit.text;
    let text: string | null = null;
    if (!sniffFirst || looksLikeJson(await sniff(b))) text = await readWhole(b, max);
    if (hit?.text) this.textBytes -= hit.text.length;
    if (text === null || this.textBytes + text.length <= TEXT_CACHE_BYTES) {
      this.texts.set(b.real, { version, text });
      if (text) this.textBytes += text.length;
    } else {
      this.texts.delete(b.real);
    }
    return text;
  }
}

/** Creates the node implementation of {@link LayoutAccess}. */
export function createLayoutAccess(now: () => number = Date.now): LayoutAccess {
  const layouts = new Map<string, Promise<Layout>>();
  const roots = new Map<string, { at: number; root: string | undefined }>();

  /** The nearest folder at or above `start` with an `oci-layout` regular file, at most MAX_WALK_UP levels up. */
  const findRoot = async (start: string): Promise<string | undefined> => {
    let dir = path.resolve(start);
    const st = await statOrUndefined(dir);
    if (!st?.isDirectory()) dir = path.dirname(dir);
    const t = now();
    const hit = roots.get(dir);
    if (hit && t - hit.at < FRESH_MS * 2) return hit.root;
    let found: string | undefined;
    let cur = dir;
    for (let i = 0; i <= MAX_WALK_UP; i++) {
      const marker = await statOrUndefined(path.join(cur, LAYOUT_FILE));
      if (marker?.isFile()) {
        found = cur;
        break;
      }
      const parent = path.dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
    if (roots.size >= 1000) roots.clear();
    roots.set(dir, { at: t, root: found });
    return found;
  };

  const layoutAt = (rootUri: string): Promise<Layout> => {
    const root = toPath(rootUri);
    if (!root) return Promise.reject(new Error(`${rootUri} is not a file URI.`));
    const key = path.resolve(root);
    let l = layouts.get(key);
    if (!l) {
      if (layouts.size >= MAX_LAYOUTS) layouts.delete(layouts.keys().next().value!);
      l = Layout.open(key, now);
      l.catch(() => layouts.delete(key));
      layouts.set(key, l);
    }
    return l;
  };

  return {
    async rootOf(uri) {
      const p = toPath(uri);
      if (!p) return undefined;
      const root = await findRoot(p);
      return root ? toUri(root) : undefined;
    },
    async graph(rootUri) {
      return (await layoutAt(rootUri)).graph();
    },
    async blobUris(rootUri, digests) {
      return (await layoutAt(rootUri)).blobUris(digests);
    },
    async jsonFiles(rootUri, limits) {
      return (await layoutAt(rootUri)).jsonFiles(limits);
    },
    async findLayouts(folderUris) {
      const found: string[] = [];
      const queue: { dir: string; depth: number }[] = [];
      for (const uri of folderUris) {
        const p = toPath(uri);
        if (p) queue.push({ dir: path.resolve(p), depth: 0 });
      }
      const seen = new Set<string>();
      let dirs = 0;
      while (queue.length > 0 && dirs < FIND_LIMITS.maxDirs && found.length < FIND_LIMITS.maxLayouts) {
        const { dir, depth } = queue.shift()!;
        if (seen.has(dir)) continue;
        seen.add(dir);
        dirs++;
        let entries: Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        const isLayout = entries.some((e) => e.name === LAYOUT_FILE && e.isFile());
        if (isLayout) found.push(toUri(dir));
        if (depth >= FIND_LIMITS.maxDepth) continue;
        for (const e of entries) {
          // Symbolic links are not followed (they may loop or leave the workspace); a layout's blobs hold no layouts.
          if (!e.isDirectory() || SKIPPED_DIRS.has(e.name) || (isLayout && e.name === 'blobs')) continue;
          queue.push({ dir: path.join(dir, e.name), depth: depth + 1 });
        }
      }
      return found;
    },
  };
}
