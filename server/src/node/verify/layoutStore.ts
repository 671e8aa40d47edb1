/**
 * An OCI image layout on disk as a blob source. Safety first: a digest is validated (core/digest.ts)
 * before it becomes a path; the resolved real path must lie inside the layout's `blobs/` directory (so
 * `sha256:../../etc/passwd`, absolute paths and symbolic links leaving the layout are refused); the
 * entry must be a regular file, checked with `stat` before opening and again with `fstat` on the open
 * descriptor (opened non-blocking, without following a final link), so FIFOs, sockets and devices are
 * never read and a path swapped between the checks is caught.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { blobPath } from '../../core/digest';
import {
  BlobSourceError,
  type BlobContent,
  type BlobRef,
  type BlobSource,
  type BlobStat,
  type OpenOptions,
} from '../../core/verify/source';
import { readChunks } from './hash';

const LAYOUT_FILE = 'oci-layout';

/** Describes a file type for messages, or undefined for a regular file. */
export function specialKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function ioMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'ELOOP') return 'too many symbolic links';
  if (e?.code === 'EISDIR') return 'it is a directory';
  return e?.code ?? (err instanceof Error ? err.message : String(err));
}

const isMissing = (err: unknown): boolean => {
  const c = (err as NodeJS.ErrnoException)?.code;
  return c === 'ENOENT' || c === 'ENOTDIR';
};

/** True when `child` is `parent` or below it (both absolute, normalised). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Where a blob lives, once it has passed every check. */
export interface ResolvedBlob {
  /** The path as shown to users (under the layout root as given). */
  shown: string;
  /** The real path that is opened. */
  real: string;
  stats: Stats;
}

export class LayoutBlobSource implements BlobSource {
  readonly name = 'layout';
  readonly label: string;

  private constructor(
    /** The layout root as given (for messages). */
    readonly root: string,
    /** The real path of the root. */
    readonly realRoot: string,
    private readonly chunkSize: number | undefined,
  ) {
    this.label = `the OCI layout at ${root}`;
  }

  /** A source rooted at `root` (a folder; `oci-layout` is not required, so broken layouts can be read). */
  static async create(root: string, options: { chunkSize?: number } = {}): Promise<LayoutBlobSource> {
    const realRoot = await realpath(root);
    return new LayoutBlobSource(root, realRoot, options.chunkSize);
  }

  /**
   * Finds `blobs/<alg>/<encoded>` for a digest: undefined when there is no such file, a
   * `BlobSourceError('refused')` when the digest or the entry is unsafe to read.
   */
  async resolve(digest: string): Promise<ResolvedBlob | undefined> {
    const rel = blobPath(digest);
    if (rel === undefined)
      throw new BlobSourceError(
        'refused',
        `the digest ${JSON.stringify(digest)} cannot name a file in a layout`,
      );
    const blobsDir = path.join(this.realRoot, 'blobs');
    const candidate = path.join(this.realRoot, ...rel.split('/'));
    // blobPath already refuses separators and "..": this is defence in depth.
    if (!isInside(candidate, blobsDir) || candidate === blobsDir)
      throw new BlobSourceError(
        'refused',
        `the digest ${JSON.stringify(digest)} would leave the blobs directory`,
      );
    const shown = path.join(this.root, ...rel.split('/'));
    try {
      await lstat(candidate);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new BlobSourceError('io', `cannot read ${shown}: ${ioMessage(err)}`);
    }
    let real: string;
    let realBlobs: string;
    try {
      real = await realpath(candidate);
      realBlobs = await realpath(blobsDir);
    } catch (err) {
      if (isMissing(err)) return undefined; // a dangling link: nothing there
      throw new BlobSourceError('io', `cannot read ${shown}: ${ioMessage(err)}`);
    }
    if (!isInside(realBlobs, this.realRoot))
      throw new BlobSourceError(
        'refused',
        `${path.join(this.root, 'blobs')} is a symbolic link that leads outside the layout`,
      );
    if (!isInside(real, realBlobs) || real === realBlobs)
      throw new BlobSourceError(
        'refused',
        `${shown} is a symbolic link that leads outside the layout's blobs directory`,
      );
    let stats: Stats;
    try {
      stats = await stat(real);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new BlobSourceError('io', `cannot read ${shown}: ${ioMessage(err)}`);
    }
    const special = specialKind(stats);
    if (special)
      throw new BlobSourceError('refused', `${shown} is ${special}, not a regular file, so it was not read`);
    return { shown, real, stats };
  }

  async stat(ref: BlobRef): Promise<BlobStat | undefined> {
    const b = await this.resolve(ref.digest);
    return b && { size: b.stats.size, where: b.shown };
  }

  async open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined> {
    const b = await this.resolve(ref.digest);
    if (!b) return undefined;
    const handle = await openRegular(b);
    return {
      size: b.stats.size,
      where: b.shown,
      chunks: readChunks(handle, {
        signal: options.signal,
        maxBytes: options.maxBytes,
        chunkSize: this.chunkSize,
      }),
    };
  }
}

/**
 * Opens a resolved blob read-only, non-blocking (a FIFO swapped in would not block the open) and
 * without following a final symbolic link, then checks the descriptor is the same regular file.
 */
export async function openRegular(b: ResolvedBlob): Promise<import('node:fs/promises').FileHandle> {
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
  let handle;
  try {
    handle = await open(b.real, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === 'ELOOP')
      throw new BlobSourceError(
        'refused',
        `${b.shown} changed into a symbolic link while it was being opened`,
      );
    throw new BlobSourceError('io', `cannot open ${b.shown}: ${ioMessage(err)}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.ino !== b.stats.ino || st.dev !== b.stats.dev)
      throw new BlobSourceError(
        'refused',
        `${b.shown} changed while it was being opened, so it was not read`,
      );
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err instanceof BlobSourceError
      ? err
      : new BlobSourceError('io', `cannot read ${b.shown}: ${ioMessage(err)}`);
  }
  return handle;
}

/** The nearest folder at or above `start` (a file or folder) holding an `oci-layout` file, if any. */
export async function findLayoutRoot(start: string): Promise<string | undefined> {
  let dir = path.resolve(start);
  try {
    if (!(await stat(dir)).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  for (;;) {
    try {
      if ((await stat(path.join(dir, LAYOUT_FILE))).isFile()) return dir;
    } catch {
      // not here
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
