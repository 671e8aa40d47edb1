/**
 * An image archive read in place as a content source (core/content/source.ts): an OCI layout tarball (`skopeo
 * copy … oci-archive:`, `docker buildx --output type=oci`, Docker 25+ `docker save`) or a legacy `docker save`
 * tarball, over the member table of node/archive/image.ts. Nothing is extracted and no member name ever becomes
 * a path: a digest is validated before it becomes a member name, unsafe member names are left out of the table,
 * link members are never read as blobs, and every read is a byte range of the one archive file.
 *
 * - `stat`/`open` find a blob by its digest (`blobs/<alg>/<encoded>`; in a `docker save` archive also a config
 *   `<hex>.json` and the layers `manifest.json` lists).
 * - `readRoot`: `oci-layout`, `index.json` and (Docker 25+) `manifest.json` of an OCI layout archive;
 *   `manifest.json` and `repositories` of a `docker save` archive.
 * - `list`: the members under `blobs/` (with the folders they imply, so that an archive without folder members
 *   lists like a layout), or every member of a `docker save` archive; links and special members are `refused`.
 * - `describe`: `image.tar!blobs/sha256/…` for people, and an `oci-blob://archive/…` URI (protocol.ts) that the
 *   editor opens as a read-only document.
 * - An OCI layout archive may lack blobs (it is a layout: `partial`); a `docker save` archive must hold
 *   everything `docker load` needs (`complete`).
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
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
import { hasTarMagic } from '../../core/tar/header';
import { verifyDockerArchive } from '../../core/verify/dockerArchive';
import { verifyLayout, type ImageReport, type VerifyImageOptions } from '../../core/verify/layout';
import { blobUri } from '../../protocol';
import { nodeHasherFactory } from '../verify/hash';
import { openImageArchive, type ImageArchive, type OpenImageArchiveOptions } from '../archive/image';
import { ArchiveError } from '../archive/tar';

const LAYOUT_ROOTS: ReadonlySet<RootFileName> = new Set(['oci-layout', 'index.json', 'manifest.json']);
const DOCKER_ROOTS: ReadonlySet<RootFileName> = new Set(['manifest.json', 'repositories']);

/** An archive error as the error a content source throws. */
function sourceError(err: unknown): unknown {
  if (err instanceof ArchiveError)
    return new BlobSourceError(err.reason === 'io' ? 'io' : 'refused', err.message);
  return err;
}

const linkWhat = (type: string): string =>
  type === 'symlink'
    ? 'a symbolic link member'
    : type === 'hardlink'
      ? 'a hard link member'
      : `a ${type} member`;

export class ArchiveSource implements ContentSource {
  readonly name = 'archive';
  readonly openTellsSize = true;
  /** The archive's `file:` URI (the locator of its `oci-blob:` URIs). */
  readonly fileUri: string;

  constructor(readonly archive: ImageArchive) {
    this.fileUri = pathToFileURL(archive.file).href;
  }

  get label(): string {
    return this.archive.label;
  }

  /** `oci-layout` (an OCI layout tarball) or `docker-save` (a legacy `docker save` tarball). */
  get kind(): ImageArchive['kind'] {
    return this.archive.kind;
  }

  get completeness(): 'partial' | 'complete' {
    return this.archive.kind === 'oci-layout' ? 'partial' : 'complete';
  }

  /**
   * Sentences about members that are never read: unsafe or repeated names (from the member table), and
   * `manifest.json` entries naming such members. (An unusable `manifest.json` is verification's own finding.)
   */
  get issues(): readonly string[] {
    return this.archive.issues.filter(
      (i) => i.startsWith(`${this.archive.file}: `) || i.includes(', which is not used:'),
    );
  }

  /** The `oci-blob:` URI of a blob (one URI per blob, whoever builds it). */
  blobUri(digest: string): string {
    return blobUri({ source: 'archive', locator: this.fileUri, digest });
  }

  describe(piece: { digest: string } | { path: string }): ContentOrigin | undefined {
    if ('digest' in piece) {
      try {
        const b = this.archive.findBlob(piece.digest);
        return b ? { where: b.where, uri: this.blobUri(piece.digest) } : undefined;
      } catch {
        return undefined;
      }
    }
    if (piece.path === '' || piece.path === '.') return { where: this.archive.file, uri: this.fileUri };
    const root = this.roots().has(piece.path as RootFileName);
    return {
      where: this.archive.where(piece.path),
      ...(root ? { uri: blobUri({ source: 'archive', locator: this.fileUri, root: piece.path }) } : {}),
    };
  }

  private roots(): ReadonlySet<RootFileName> {
    return this.archive.kind === 'oci-layout' ? LAYOUT_ROOTS : DOCKER_ROOTS;
  }

  async stat(ref: BlobRef): Promise<BlobStat | undefined> {
    try {
      const b = this.archive.findBlob(ref.digest);
      return b ? { size: b.size, where: b.where, uri: this.blobUri(ref.digest) } : undefined;
    } catch (err) {
      throw sourceError(err);
    }
  }

  async open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined> {
    let opened;
    try {
      opened = this.archive.openBlob(ref.digest, { signal: options.signal, maxBytes: options.maxBytes });
    } catch (err) {
      throw sourceError(err);
    }
    if (!opened) return undefined;
    const chunks = opened.chunks;
    return {
      size: opened.size,
      where: opened.where,
      uri: this.blobUri(ref.digest),
      chunks: (async function* () {
        try {
          yield* chunks;
        } catch (err) {
          throw sourceError(err);
        }
      })(),
    };
  }

  async readRoot(
    name: RootFileName,
    options: { signal: AbortSignal },
  ): Promise<RootFile | RootFileProblem | undefined> {
    if (!this.roots().has(name)) return undefined;
    const m = this.archive.tar.members.get(name);
    if (!m) return undefined;
    if (m.type !== 'file')
      return { problem: `is ${linkWhat(m.type)} of the archive, not a regular file, so it was not read` };
    return {
      size: m.size,
      where: this.archive.where(name),
      uri: blobUri({ source: 'archive', locator: this.fileUri, root: name }),
      chunks: (async function* (archive) {
        try {
          yield* archive.tar.read(m, { signal: options.signal });
        } catch (err) {
          throw sourceError(err);
        }
      })(this.archive),
    };
  }

  async *list(options: ListOptions): AsyncGenerator<SourceEntry, void, undefined> {
    const layout = this.archive.kind === 'oci-layout';
    const entries: SourceEntry[] = [];
    const folders = new Set<string>();
    for (const m of this.archive.tar.members.values()) {
      if (layout && m.name !== 'blobs' && !m.name.startsWith('blobs/')) continue;
      const parts = m.name.split('/');
      for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
      if (m.type === 'directory') folders.add(m.name);
      else if (m.type === 'file') entries.push({ path: m.name, type: 'file', size: m.size });
      else
        entries.push({
          path: m.name,
          type: 'refused',
          problem: `is ${linkWhat(m.type)} of the archive, not a regular file, so it was not read`,
        });
    }
    for (const f of folders) entries.push({ path: f, type: 'directory' });
    // Folders before what they hold, then name order: the order a layout folder lists in.
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    let budget = options.maxEntries;
    for (const e of entries) {
      if (options.signal.aborted || budget-- <= 0) return;
      yield e;
    }
  }

  close(): void {
    void this.archive.close();
  }
}

/** Opens an image archive as a content source. Throws `ArchiveError` when it is not one (with a clear message). */
export async function openArchiveSource(
  file: string,
  options: OpenImageArchiveOptions = {},
): Promise<ArchiveSource> {
  return new ArchiveSource(await openImageArchive(file, options));
}

/**
 * Verifies an image archive: an OCI layout tarball as a layout (core/verify/layout.ts), a `docker save` tarball
 * by its `manifest.json` (core/verify/dockerArchive.ts). Throws `ArchiveError` only when the file cannot be read as
 * an image archive at all (not a tar, compressed, truncated, a member past its end, no image at its root).
 */
export async function verifyImageArchive(
  file: string,
  options: VerifyImageOptions & OpenImageArchiveOptions = {},
): Promise<ImageReport & { kind: ArchiveSource['kind'] }> {
  const source = await openArchiveSource(file, options.signal ? { signal: options.signal } : {});
  try {
    const verify = { hasher: nodeHasherFactory, ...options };
    const report =
      source.kind === 'oci-layout'
        ? await verifyLayout(source, verify)
        : await verifyDockerArchive(source, verify);
    return { ...report, kind: source.kind };
  } finally {
    source.close();
  }
}

/** Names of files taken for image archives without looking inside (compressed ones get a clear refusal). */
const ARCHIVE_NAME = /\.(tar|tar\.gz|tgz|tar\.zst|tar\.zstd|tar\.xz|oci)$/i;

/** True when a file's name says it is a tar archive (`.tar`, `.tar.gz`, `.tgz`, `.tar.zst`, `.oci`…). */
export const hasArchiveName = (file: string): boolean => ARCHIVE_NAME.test(file);

/**
 * True when `file` should be read as an image archive: its name ends in `.tar` (or a compressed tar's suffix,
 * which opening then refuses with a message), or its first block is a tar header (`ustar` at offset 257). Reads
 * at most 512 bytes of a regular file (non-blocking, so a FIFO is not waited on).
 */
export function looksLikeArchive(file: string): boolean {
  if (hasArchiveName(file)) return true;
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, 512, 0);
    return n === 512 && hasTarMagic(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
