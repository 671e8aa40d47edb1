/**
 * An OCI image layout folder as a content source (core/content/source.ts). Every read goes through the one
 * safe reader (safeDir.ts): a digest is validated (core/digest.ts `blobPath`) before it becomes a path; blobs
 * are regular files inside the layout's `blobs/` (links may lead elsewhere inside `blobs/`, never out of it);
 * the root files (`oci-layout`, `index.json`) are regular files inside the layout; FIFOs, sockets and devices
 * are never opened for reading. A layout may lack blobs that an external store provides, so it is `partial`.
 */
import type { Stats } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { blobPath } from '../../core/digest';
import {
  BlobSourceError,
  type BlobContent,
  type BlobRef,
  type BlobStat,
  type ContentOrigin,
  type ContentSource,
  type ListOptions,
  type OpenOptions,
  type RootFile,
  type RootFileName,
  type RootFileProblem,
  type SourceEntry,
} from '../../core/content/source';
import { verifyLayout, type LayoutReport, type VerifyImageOptions } from '../../core/verify/layout';
import { nodeHasherFactory, readChunks } from '../verify/hash';
import { SafeDir, specialKind } from './safeDir';

const BLOBS = ['blobs'];
const BLOBS_AREA = "the layout's blobs directory";
const LAYOUT_AREA = 'the layout';

/** The layout root files it knows (and the `manifest.json` Docker 25+ writes beside `index.json`). */
const ROOT_FILES: ReadonlySet<RootFileName> = new Set(['oci-layout', 'index.json', 'manifest.json']);

export class LayoutSource implements ContentSource {
  readonly name = 'layout';
  readonly label: string;
  readonly completeness = 'partial' as const;
  readonly openTellsSize = true;

  private constructor(
    private readonly dir: SafeDir,
    private readonly chunkSize: number | undefined,
  ) {
    this.label = `the OCI layout at ${dir.root}`;
  }

  /**
   * A source over the folder `root` (`oci-layout` is not required, so broken layouts can be read). `procFd:
   * false` makes the safe reader take its portable path (for tests).
   */
  static open(root: string, options: { chunkSize?: number; procFd?: boolean } = {}): LayoutSource {
    return new LayoutSource(
      SafeDir.open(root, options.procFd !== undefined ? { procFd: options.procFd } : {}),
      options.chunkSize,
    );
  }

  /** The folder as given. */
  get root(): string {
    return this.dir.root;
  }

  /** Its real path. */
  get realRoot(): string {
    return this.dir.realRoot;
  }

  /** `blobs/<alg>/<encoded>` as components, or a refusal for a digest that cannot name a file. */
  private componentsOf(digest: string): string[] {
    const rel = blobPath(digest);
    if (rel === undefined)
      throw new BlobSourceError(
        'refused',
        `the digest ${JSON.stringify(digest)} cannot name a file in a layout`,
      );
    return rel.split('/');
  }

  /** Where a file below the root is: its path as shown and its `file:` URI. */
  origin(components: readonly string[]): ContentOrigin {
    const where = this.dir.shown(components);
    return { where, uri: pathToFileURL(where).href };
  }

  describe(piece: { digest: string } | { path: string }): ContentOrigin | undefined {
    if ('path' in piece)
      return this.origin(piece.path === '' || piece.path === '.' ? [] : piece.path.split('/'));
    const rel = blobPath(piece.digest);
    return rel === undefined ? undefined : this.origin(rel.split('/'));
  }

  async stat(ref: BlobRef): Promise<BlobStat | undefined> {
    const rel = this.componentsOf(ref.digest);
    const found = this.dir.stat(rel, BLOBS, BLOBS_AREA);
    if (!found) return undefined;
    const special = specialKind(found.stats);
    if (special)
      throw new BlobSourceError(
        'refused',
        `${this.dir.shown(rel)} is ${special}, not a regular file, so it was not read`,
      );
    return { size: found.stats.size, ...this.origin(rel) };
  }

  async open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined> {
    const rel = this.componentsOf(ref.digest);
    const opened = await this.dir.openFile(rel, BLOBS, BLOBS_AREA);
    if (!opened) return undefined;
    return {
      size: opened.stats.size,
      ...this.origin(rel),
      chunks: readChunks(opened.handle, {
        signal: options.signal,
        maxBytes: options.maxBytes,
        size: opened.stats.size,
        ...(this.chunkSize !== undefined ? { chunkSize: this.chunkSize } : {}),
      }),
    };
  }

  async readRoot(
    name: RootFileName,
    options: { signal: AbortSignal },
  ): Promise<RootFile | RootFileProblem | undefined> {
    if (!ROOT_FILES.has(name)) return undefined;
    let opened;
    try {
      opened = await this.dir.openFile([name], [], LAYOUT_AREA);
    } catch (err) {
      if (err instanceof BlobSourceError && err.reason === 'refused') {
        // The message starts with the file's path; what follows is the phrase.
        const shown = this.dir.shown([name]);
        return {
          problem: err.message.startsWith(shown)
            ? `${err.message.slice(shown.length).trim()}${/so it was not read$/.test(err.message) ? '' : ', so it was not read'}`
            : err.message,
        };
      }
      return { problem: `could not be read (${err instanceof Error ? err.message : String(err)})` };
    }
    if (!opened) return undefined;
    return {
      size: opened.stats.size,
      modified: opened.stats.mtimeMs,
      ...this.origin([name]),
      chunks: readChunks(opened.handle, { signal: options.signal, size: opened.stats.size }),
    };
  }

  /**
   * `blobs` (when it is there), then each entry directly under it and the entries of each algorithm folder, in
   * name order. Nothing outside the layout is listed: a `blobs` or `blobs/<alg>` that is a link leaving the
   * layout (or `blobs/`) is reported as refused and not entered.
   */
  async *list(options: ListOptions): AsyncGenerator<SourceEntry, void, undefined> {
    let budget = options.maxEntries;
    const refuse = (p: string, problem: string): SourceEntry => ({ path: p, type: 'refused', problem });
    let blobs;
    try {
      blobs = this.dir.list(BLOBS, [], LAYOUT_AREA);
    } catch (err) {
      yield refuse('blobs', phraseOf(err, this.dir.shown(BLOBS)));
      return;
    }
    if (!blobs) {
      // Not there, or not a directory.
      const st = safeStat(this.dir, BLOBS, [], LAYOUT_AREA);
      if (st && !('error' in st))
        yield refuse('blobs', `is ${specialKind(st.stats) ?? 'a file'}, not a directory`);
      return;
    }
    yield { path: 'blobs', type: 'directory' };
    for (const alg of blobs) {
      if (options.signal.aborted || budget <= 0) return;
      const relAlg = `blobs/${alg.name}`;
      const algComponents = ['blobs', alg.name];
      if (alg.type === 'symlink') {
        const st = safeStat(this.dir, algComponents, BLOBS, BLOBS_AREA);
        if (!st) {
          yield refuse(relAlg, 'is a dangling symbolic link');
          continue;
        }
        if ('error' in st || !st.stats.isDirectory()) {
          yield refuse(
            relAlg,
            "is a symbolic link that does not lead to a directory inside the layout's blobs directory; it was not followed",
          );
          continue;
        }
      } else if (alg.type === 'file') {
        const st = safeStat(this.dir, algComponents, BLOBS, BLOBS_AREA);
        yield { path: relAlg, type: 'file', ...(st && !('error' in st) ? { size: st.stats.size } : {}) };
        continue;
      } else if (alg.type !== 'directory') {
        yield refuse(relAlg, 'is not a regular file or a directory');
        continue;
      }
      yield { path: relAlg, type: 'directory' };
      let entries;
      try {
        entries = this.dir.list(algComponents, BLOBS, BLOBS_AREA) ?? [];
      } catch {
        continue;
      }
      for (const e of entries) {
        if (budget-- <= 0) return;
        // The checks below are synchronous system calls: let the event loop breathe in a long listing.
        if (budget % 256 === 0) await new Promise<void>((r) => setImmediate(r));
        if (options.signal.aborted) return;
        const rel = `${relAlg}/${e.name}`;
        const st = safeStat(this.dir, [...algComponents, e.name], BLOBS, BLOBS_AREA);
        if (!st) {
          if (e.type === 'symlink') yield refuse(rel, 'is a dangling symbolic link');
          continue; // a file removed while it was listed
        }
        if ('error' in st) {
          yield refuse(rel, st.error);
          continue;
        }
        const special = specialKind(st.stats);
        if (special === 'a directory') yield { path: rel, type: 'directory' };
        else if (special) yield refuse(rel, `is ${special}, not a regular file, so it was not read`);
        else yield { path: rel, type: 'file', size: st.stats.size, modified: st.stats.mtimeMs };
      }
    }
  }
}

/** The phrase after a path in a refusal (`is a symbolic link that leads outside the layout`). */
function phraseOf(err: unknown, shown: string): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.startsWith(shown) ? m.slice(shown.length).trim() : m;
}

/** `SafeDir.stat` with refusals as a phrase. */
function safeStat(
  dir: SafeDir,
  rel: readonly string[],
  within: readonly string[],
  area: string,
): { stats: Stats } | { error: string } | undefined {
  try {
    return dir.stat(rel, within, area);
  } catch (err) {
    return { error: phraseOf(err, dir.shown(rel)) };
  }
}

/** Opens the layout at `root` (a folder) as a content source. */
export function openLayoutSource(
  root: string,
  options: { chunkSize?: number; procFd?: boolean } = {},
): LayoutSource {
  return LayoutSource.open(root, options);
}

/** The `file:` URI of a path. */
export const fileUri = (p: string): string => pathToFileURL(p).href;

/**
 * Verifies the OCI image layout folder `root` (core/verify/layout.ts over this source), hashing with node's
 * hashers unless told otherwise. Throws only when `root` is not a folder.
 */
export function verifyLayoutFolder(
  root: string,
  options: VerifyImageOptions & { chunkSize?: number } = {},
): Promise<LayoutReport> {
  const { chunkSize, ...rest } = options;
  return verifyLayout(openLayoutSource(root, chunkSize !== undefined ? { chunkSize } : {}), {
    hasher: nodeHasherFactory,
    ...rest,
  });
}
