/**
 * OCI image layouts on disk for the navigation features (server/src/host/layoutAccess.ts): the layout a
 * document belongs to (THE root rule, node/content/layoutRoot.ts), the image graph (THE walk,
 * core/layout/graph.ts) over the layout as a content source (node/content/layoutSource.ts, which reads
 * everything through THE safe reader), what a blob is for hovers, blob URIs for links, the layout's JSON
 * documents (with the kind the graph gives them) for references and workspace diagnostics, and the layouts
 * under the workspace folders. Everything is cached per layout and revalidated by modification time, at most
 * once a second.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BlobFacts } from '../core';
import { MT } from '../core/catalog/core';
import { readAll, BlobSourceError, type RootFileName } from '../core/content/source';
import { blobPath, validateDigest } from '../core/digest';
import type { DocumentKind } from '../core/kinds';
import { buildDockerArchiveGraph, buildLayoutGraph } from '../core/layout/graph';
import { humanSize } from '../core/layout/format';
import { blobUri, parseBlobUri, type LayoutGraph } from '../protocol';
import type { RegistryAccess } from '../host/registryAccess';
import type { LayoutAccess, LayoutFileLimits, LayoutJsonFile, LayoutJsonFiles } from '../host/layoutAccess';
import { createLayoutRoots, isLayoutRoot, LAYOUT_FILE } from './content/layoutRoot';
import { LayoutSource, openLayoutSource } from './content/layoutSource';
import {
  hasArchiveName,
  looksLikeArchive,
  openArchiveSource,
  type ArchiveSource,
} from './content/archiveSource';
import type { ContentSource } from '../core/content/source';

/** An answer about the disk is trusted for this long before it is checked again. */
const FRESH_MS = 1000;
/** `index.json` and `oci-layout` larger than this are not read (the graph marks them unreadable). */
const MAX_ROOT_FILE_BYTES = 16 * 1024 * 1024;
/** At most this many layouts are kept in the cache. */
const MAX_LAYOUTS = 64;
/** Texts of JSON files kept per layout, in bytes. */
const TEXT_CACHE_BYTES = 32 * 1024 * 1024;
/** The first bytes read to tell a JSON blob from a binary one. */
const SNIFF_BYTES = 512;

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

/** True when the bytes start (after white space and a byte-order mark) like a JSON object or array. */
export function looksLikeJson(head: Uint8Array): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
    i++;
  if (i >= head.length || (head[i] !== 0x7b && head[i] !== 0x5b)) return false;
  return !head.includes(0);
}

/** A file the graph depends on, with what it looked like when it was read. */
interface Stamp {
  path: string;
  mtimeMs: number;
  size: number;
}

async function stampOf(p: string): Promise<Stamp> {
  try {
    const st = await stat(p);
    return { path: p, mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    return { path: p, mtimeMs: -1, size: -1 };
  }
}

/** The kind a config descriptor's media type names. */
function configKind(mediaType: string | undefined): DocumentKind | undefined {
  if (mediaType === MT.config) return 'image-config';
  if (mediaType === MT.dockerConfig) return 'docker-config';
  return undefined;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** One layout's caches. */
class Layout {
  private graphCache?: {
    graph: LayoutGraph;
    kinds: Map<string, DocumentKind>;
    stamps: Stamp[];
    checkedAt: number;
  };
  private building?: Promise<{ graph: LayoutGraph; kinds: Map<string, DocumentKind> }>;
  private readonly texts = new Map<string, { version: string; text: string | null }>();
  private textBytes = 0;
  private readonly signal = new AbortController().signal;

  private constructor(
    /** The root as found (not resolved), for URIs: a layout folder, or an image archive file. */
    readonly root: string,
    private source: LayoutSource | ArchiveSource,
    private readonly now: () => number,
  ) {}

  static async open(root: string, now: () => number): Promise<Layout> {
    if (looksLikeArchive(root) && !(await isDirectory(root)))
      return new Layout(root, await openArchiveSource(root), now);
    return new Layout(root, openLayoutSource(root), now);
  }

  /** The content source the layout (or archive) is read through. */
  get contentSource(): ContentSource {
    return this.source;
  }

  /** True for an image archive (a tarball read in place). */
  private get archive(): ArchiveSource | undefined {
    return this.source instanceof LayoutSource ? undefined : this.source;
  }

  close(): void {
    this.archive?.close();
  }

  get rootUri(): string {
    return toUri(this.root);
  }

  // ---- blobs -----------------------------------------------------------------------------------------

  /** What the layout holds for a digest (for hovers): through the safe reader, so a link leaving it is not. */
  async blobFacts(digest: string): Promise<BlobFacts | undefined> {
    const rel = blobPath(digest);
    if (!rel || !validateDigest(digest).ok) return undefined;
    try {
      const st = await this.source.stat({ digest, manifest: false });
      return st
        ? { path: rel, exists: true, ...(st.size !== undefined ? { size: st.size } : {}) }
        : { path: rel, exists: false };
    } catch (err) {
      const shown = path.join(this.root, ...rel.split('/'));
      const message = err instanceof Error ? err.message : String(err);
      return {
        path: rel,
        exists: false,
        problem: message.startsWith(shown)
          ? `${message.slice(shown.length).trim()}, so it is not read`
          : err instanceof BlobSourceError && err.reason === 'refused'
            ? 'is not read: a symbolic link on its way leads outside the layout, or it is not a regular file'
            : 'could not be read',
      };
    }
  }

  async blobUris(digests: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const digest of new Set(digests)) {
      if (!validateDigest(digest).ok || !blobPath(digest)) continue;
      try {
        const st = await this.source.stat({ digest, manifest: false });
        if (st?.uri) out.set(digest, st.uri);
      } catch {
        // refused: not a regular file inside blobs/
      }
    }
    return out;
  }

  /** A root file's text, or why not (`missing`, or a phrase). */
  private async readRootFile(name: RootFileName): Promise<{ text?: string; problem?: string }> {
    const file = await this.source.readRoot(name, { signal: this.signal });
    if (file === undefined) return { problem: 'missing' };
    if ('problem' in file) return { problem: file.problem };
    if (file.size > MAX_ROOT_FILE_BYTES) {
      await file.chunks[Symbol.asyncIterator]().return?.();
      return {
        problem: `is ${humanSize(file.size)}, above the ${humanSize(MAX_ROOT_FILE_BYTES)} read limit`,
      };
    }
    try {
      const bytes = await readAll(file.chunks, MAX_ROOT_FILE_BYTES, file.size);
      if (!bytes)
        return { problem: `grew above the ${humanSize(MAX_ROOT_FILE_BYTES)} read limit while it was read` };
      return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8') };
    } catch (err) {
      return { problem: `could not be read (${err instanceof Error ? err.message : String(err)})` };
    }
  }

  // ---- the graph -------------------------------------------------------------------------------------

  async graph(): Promise<LayoutGraph> {
    return (await this.walked()).graph;
  }

  /** The graph and the kind of each document and config it names (cached; rebuilt when a file it read changed). */
  private async walked(): Promise<{ graph: LayoutGraph; kinds: Map<string, DocumentKind> }> {
    const cached = this.graphCache;
    if (cached && (await this.fresh(cached))) return cached;
    this.building ??= this.build().finally(() => (this.building = undefined));
    return this.building;
  }

  /** True when no file the graph was built from has changed (checked at most once a second). */
  private async fresh(cached: { stamps: Stamp[]; checkedAt: number }): Promise<boolean> {
    const t = this.now();
    if (t - cached.checkedAt < FRESH_MS) return true;
    for (const s of cached.stamps) {
      const now = await stampOf(s.path);
      if (now.mtimeMs !== s.mtimeMs || now.size !== s.size) return false;
    }
    cached.checkedAt = t;
    return true;
  }

  private async build(): Promise<{ graph: LayoutGraph; kinds: Map<string, DocumentKind> }> {
    const archive = this.archive;
    if (archive) return this.buildArchive(archive);
    const source = this.source as LayoutSource;
    const real = source.realRoot;
    // What the graph depends on, stamped before reading: a change while it is read shows on the next check.
    const stamps: Stamp[] = [
      await stampOf(path.join(real, LAYOUT_FILE)),
      await stampOf(path.join(real, 'index.json')),
      await stampOf(path.join(real, 'blobs')),
    ];
    try {
      for (const e of await readdir(path.join(real, 'blobs'), { withFileTypes: true }))
        if (e.isDirectory()) stamps.push(await stampOf(path.join(real, 'blobs', e.name)));
    } catch {
      // no blobs/: the stamp above says so
    }
    const graph = await buildLayoutGraph(await this.readIndexInput(), source, { root: this.rootUri });
    graph.index.uri = toUri(path.join(this.root, 'index.json'));
    const kinds = new Map<string, DocumentKind>();
    for (const node of Object.values(graph.blobs)) {
      if ((node.status === 'ok' || node.status === 'invalid') && node.path) {
        node.uri = source.describe({ digest: node.digest })?.uri;
        if (node.uri === undefined) delete node.uri;
        if (node.kind) stamps.push(await stampOf(path.join(real, ...node.path.split('/'))));
      }
      if (node.kind) kinds.set(node.digest, node.kind as DocumentKind);
      for (const edge of node.children ?? []) {
        const k = edge.role === 'config' && edge.target ? configKind(edge.mediaType) : undefined;
        if (k && !kinds.has(edge.target!)) kinds.set(edge.target!, k);
      }
    }
    const result = { graph, kinds };
    this.graphCache = { ...result, stamps, checkedAt: this.now() };
    return result;
  }

  /**
   * The graph of an image archive: an OCI layout tarball walked like a folder, a `docker save` tarball from its
   * manifest.json. Its blobs open as `oci-blob:` documents. Rebuilt, with the archive
   * opened again, when the file changes.
   */
  private async buildArchive(
    previous: ArchiveSource,
  ): Promise<{ graph: LayoutGraph; kinds: Map<string, DocumentKind> }> {
    let archive = previous;
    const stamp = await stampOf(this.root);
    if (this.graphCache) {
      // The file changed (that is why the graph is rebuilt): read its member table again.
      const next = await openArchiveSource(this.root);
      archive.close();
      this.source = archive = next;
    }
    const graph =
      archive.kind === 'docker-save'
        ? await buildDockerArchiveGraph(await this.readRootFile('manifest.json'), archive, {
            root: toUri(this.root),
          })
        : await buildLayoutGraph(await this.readIndexInput(), archive, { root: toUri(this.root) });
    graph.archive = archive.kind;
    const index = archive.describe({ path: archive.kind === 'docker-save' ? 'manifest.json' : 'index.json' });
    if (index?.uri) graph.index.uri = index.uri;
    const kinds = new Map<string, DocumentKind>();
    for (const node of Object.values(graph.blobs)) {
      if (node.kind) kinds.set(node.digest, node.kind as DocumentKind);
      for (const edge of node.children ?? []) {
        const k = edge.role === 'config' && edge.target ? configKind(edge.mediaType) : undefined;
        if (k && !kinds.has(edge.target!)) kinds.set(edge.target!, k);
      }
    }
    for (const node of Object.values(graph.blobs))
      if (node.status === 'ok' || node.status === 'invalid') node.uri = archive.blobUri(node.digest);
    const result = { graph, kinds };
    this.graphCache = { ...result, stamps: [stamp], checkedAt: this.now() };
    return result;
  }

  /** `oci-layout`'s version and `index.json`'s text, as the walk takes them. */
  private async readIndexInput(): Promise<{ text?: string; problem?: string; layoutVersion?: string }> {
    const header = await this.readRootFile(LAYOUT_FILE);
    let layoutVersion: string | undefined;
    if (header.text !== undefined) {
      try {
        const v = (JSON.parse(header.text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
        if (typeof v === 'string') layoutVersion = v;
      } catch {
        // The layout check reports a broken oci-layout file; the graph only shows the version when it has one.
      }
    }
    const index = await this.readRootFile('index.json');
    return { ...index, ...(layoutVersion !== undefined ? { layoutVersion } : {}) };
  }

  // ---- JSON files ------------------------------------------------------------------------------------

  async jsonFiles(limits: LayoutFileLimits): Promise<LayoutJsonFiles> {
    // Workspace diagnostics are for layout folders; an archive's documents are linted when opened.
    if (this.archive) return { files: [], blobCount: 0 };
    const source = this.source as LayoutSource;
    const files: LayoutJsonFile[] = [];
    let total = 0;
    let incomplete: string | undefined;
    for (const name of [LAYOUT_FILE, 'index.json'] as const) {
      const file = await this.source.readRoot(name, { signal: this.signal });
      if (!file || 'problem' in file) continue;
      const version = `${file.modified ?? 0}:${file.size}`;
      const key = path.join(source.realRoot, name);
      const hit = this.texts.get(key);
      let text: string | null;
      if (hit && hit.version === version) {
        text = hit.text;
        await file.chunks[Symbol.asyncIterator]().return?.();
      } else {
        const bytes =
          file.size <= MAX_ROOT_FILE_BYTES
            ? await readAll(file.chunks, MAX_ROOT_FILE_BYTES, file.size)
            : undefined;
        if (!bytes) await file.chunks[Symbol.asyncIterator]().return?.();
        text = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8') : null;
        this.remember(key, version, text);
      }
      if (text === null) continue;
      total += file.size;
      files.push({ uri: toUri(path.join(this.root, name)), relative: name, text, version });
    }
    const candidates: { relative: string; digest: string; size: number; version: string }[] = [];
    let blobCount = 0;
    for await (const e of this.source.list({ signal: this.signal, maxEntries: limits.maxBlobs + 1 })) {
      const parts = e.path.split('/');
      if (parts.length !== 3) continue;
      blobCount++;
      if (e.type !== 'file') continue;
      const digest = `${parts[1]}:${parts[2]}`;
      if (!validateDigest(digest).ok || !blobPath(digest)) continue;
      candidates.push({
        relative: e.path,
        digest,
        size: e.size ?? 0,
        version: `${e.modified ?? 0}:${e.size ?? 0}`,
      });
    }
    if (blobCount > limits.maxBlobs) {
      return {
        files,
        blobCount,
        incomplete: `The layout holds more than ${limits.maxBlobs} blobs, the most that are looked at; its blobs were not read.`,
      };
    }
    const { kinds } = await this.walked();
    for (const c of candidates) {
      if (c.size > limits.maxFileBytes) continue;
      if (total + c.size > limits.maxTotalBytes) {
        incomplete = `The layout's JSON blobs exceed ${humanSize(limits.maxTotalBytes)} in all; the rest were not read.`;
        break;
      }
      let text: string | null;
      try {
        text = await this.blobText(c, limits.maxFileBytes);
      } catch {
        continue; // refused: not a regular file inside blobs/
      }
      if (text === null) continue;
      total += c.size;
      const kind = kinds.get(c.digest);
      files.push({
        uri: toUri(path.join(this.root, ...c.relative.split('/'))),
        relative: c.relative,
        text,
        version: c.version,
        ...(kind ? { kind } : {}),
      });
    }
    return incomplete ? { files, blobCount, incomplete } : { files, blobCount };
  }

  /** A blob's text, or null when it is not JSON (sniffed first); cached by modification time and size. */
  private async blobText(
    c: { relative: string; digest: string; size: number; version: string },
    max: number,
  ): Promise<string | null> {
    const key = path.join((this.source as LayoutSource).realRoot, ...c.relative.split('/'));
    const hit = this.texts.get(key);
    if (hit && hit.version === c.version) return hit.text;
    const read = async (limit: number): Promise<Uint8Array | undefined> => {
      const content = await this.source.open(
        { digest: c.digest, manifest: false },
        { signal: this.signal, maxBytes: limit },
      );
      return content ? readAll(content.chunks, limit, Math.min(limit, c.size)) : undefined;
    };
    let text: string | null = null;
    const head = await read(Math.min(SNIFF_BYTES, c.size));
    if (head && looksLikeJson(head)) {
      const bytes = await read(max);
      if (bytes) text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    }
    this.remember(key, c.version, text);
    return text;
  }

  private remember(key: string, version: string, text: string | null): void {
    const hit = this.texts.get(key);
    if (hit?.text) this.textBytes -= hit.text.length;
    if (text === null || this.textBytes + text.length <= TEXT_CACHE_BYTES) {
      this.texts.set(key, { version, text });
      if (text) this.textBytes += text.length;
    } else {
      this.texts.delete(key);
    }
  }
}

/**
 * The root of a document read from a registry: its repository (`host[:port]/name`) as the query of an `oci-blob:`
 * URI without a piece. Not a URI that opens; the features pass it back to {@link LayoutAccess} as any root.
 */
const REGISTRY_ROOT = 'oci-blob://registry/?';
const registryRoot = (locator: string): string => REGISTRY_ROOT + encodeURIComponent(locator);
const registryOfRoot = (root: string): string | undefined => {
  if (!root.startsWith(REGISTRY_ROOT)) return undefined;
  try {
    return decodeURIComponent(root.slice(REGISTRY_ROOT.length));
  } catch {
    return undefined;
  }
};

/**
 * Creates the node implementation of {@link LayoutAccess}. With `registries`, a document read from a registry
 * (`oci-blob://registry/…`) belongs to its repository: its content source is the registry's, and its digests link
 * to the registry's documents of the same repository (fetched when opened). A repository has no graph and no
 * files to search.
 */
export function createLayoutAccess(now: () => number = Date.now, registries?: RegistryAccess): LayoutAccess {
  const layouts = new Map<string, Promise<Layout>>();
  const roots = createLayoutRoots(now);

  const layoutAt = (rootUri: string): Promise<Layout> => {
    const root = toPath(rootUri);
    if (!root) return Promise.reject(new Error(`${rootUri} is not a file URI.`));
    const key = path.resolve(root);
    let l = layouts.get(key);
    if (!l) {
      if (layouts.size >= MAX_LAYOUTS) {
        const oldest = layouts.keys().next().value!;
        void layouts.get(oldest)?.then(
          (x) => x.close(),
          () => undefined,
        );
        layouts.delete(oldest);
      }
      l = Layout.open(key, now);
      l.catch(() => layouts.delete(key));
      layouts.set(key, l);
    }
    return l;
  };

  return {
    async rootOf(uri) {
      // A document read from a content source (oci-blob:) belongs to that source.
      const blob = parseBlobUri(uri);
      if (blob?.source === 'registry') return registries ? registryRoot(blob.locator) : undefined;
      if (blob) return toPath(blob.locator) ? blob.locator : undefined;
      const p = toPath(uri);
      if (!p) return undefined;
      // An image archive is its own root (the OCI Layouts view opens one by its file).
      if (hasArchiveName(p) && !(await isDirectory(p))) return toUri(p);
      const root = roots.rootOf(p);
      return root ? toUri(root) : undefined;
    },
    besideLayoutFile(uri) {
      const blob = parseBlobUri(uri);
      if (blob) return blob.root === 'index.json';
      const p = toPath(uri);
      return p ? roots.isRoot(path.dirname(p)) : false;
    },
    async source(rootUri) {
      const registry = registryOfRoot(rootUri);
      if (registry !== undefined && registries) return registries.source(registry);
      return (await layoutAt(rootUri)).contentSource;
    },
    async graph(rootUri) {
      if (registryOfRoot(rootUri) !== undefined)
        throw new Error('A registry repository has no layout graph; browse it in the Registries view.');
      return (await layoutAt(rootUri)).graph();
    },
    async blobFacts(rootUri, digest) {
      if (registryOfRoot(rootUri) !== undefined) return undefined;
      return (await layoutAt(rootUri)).blobFacts(digest);
    },
    async blobUris(rootUri, digests) {
      const registry = registryOfRoot(rootUri);
      if (registry === undefined) return (await layoutAt(rootUri)).blobUris(digests);
      // Not asked of the registry: the link opens (and fetches) the document when followed.
      const out = new Map<string, string>();
      for (const digest of digests)
        if (validateDigest(digest).ok)
          out.set(digest, blobUri({ source: 'registry', locator: registry, digest }));
      return out;
    },
    async jsonFiles(rootUri, limits) {
      if (registryOfRoot(rootUri) !== undefined) return { files: [], blobCount: 0 };
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
      for (
        let head = 0;
        head < queue.length && dirs < FIND_LIMITS.maxDirs && found.length < FIND_LIMITS.maxLayouts;
        head++
      ) {
        const { dir, depth } = queue[head]!;
        if (seen.has(dir)) continue;
        seen.add(dir);
        dirs++;
        let entries: Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        const isLayout = entries.some((e) => e.name === LAYOUT_FILE) && isLayoutRoot(dir);
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
