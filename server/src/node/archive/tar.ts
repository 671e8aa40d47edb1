/**
 * An uncompressed tar file read in place: its member table (core/tar/table.ts) built from positional reads
 * over the headers only, and any member's byte range streamed as bounded chunks. Nothing is extracted and
 * no member name is ever resolved on disk: lookups go through the table, whose names are normalised and
 * from which unsafe names (`../x`, `/x`, NUL) are left out.
 *
 * The archive path itself must be a regular file: it is opened non-blocking (a FIFO does not hang the open)
 * and checked with fstat on the open descriptor, so a FIFO, socket or device is refused and a path swapped
 * after a check cannot slip through. A compressed tarball (gzip, zstd, xz, bzip2) is refused with a message
 * that says so: reading in place needs random access, which a compressed stream does not give.
 *
 * Symbolic-link and hard-link members have no data of their own and are never read as content: `read`
 * refuses them. `resolveLink` follows a link inside the table only (never on disk), for the formats that
 * use in-archive links (legacy `docker save`); callers choose to use it.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { TarError } from '../../core/tar/header';
import { normaliseMemberName } from '../../core/tar/names';
import {
  cancelled,
  readTarTable,
  type ReadTarTableOptions,
  type TarIssue,
  type TarMember,
  type TarTable,
} from '../../core/tar/table';

export type { TarIssue, TarMember } from '../../core/tar/table';

/** Why an archive or a member could not be read. `message` is a full sentence that names the archive. */
export type ArchiveErrorReason =
  /** The path or a member must not be read (FIFO, device, link member, unsafe name or digest). */
  | 'refused'
  /** Not a (readable) tar: not one at all, compressed, truncated, corrupt, over a limit. */
  | 'format'
  /** The file system failed (missing file, permission, the archive changed under us). */
  | 'io';

export class ArchiveError extends Error {
  constructor(
    readonly reason: ArchiveErrorReason,
    message: string,
    /** The tar-level error code when the reason is 'format'. */
    readonly tarCode?: TarError['code'],
  ) {
    super(message);
    this.name = 'ArchiveError';
  }
}

export interface ReadMemberOptions {
  signal?: AbortSignal;
  /** Deliver at most this many bytes (default: the whole member). */
  maxBytes?: number;
  /** Largest chunk (default 4 MiB); a smaller member gets buffers of its own size. */
  chunkSize?: number;
}

/** Bytes per read when streaming a member: 4 MiB measured best for hashing (see node/verify/hash.ts). */
export const MEMBER_CHUNK_SIZE = 4 * 1024 * 1024;

export type OpenTarOptions = ReadTarTableOptions;

function describe(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function ioText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'there is no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Opens `file` (a path as the user gave it; messages show it) and reads its member table. Throws
 * `ArchiveError`. The returned archive holds the file open until `close()`.
 */
export async function openTarArchive(file: string, options: OpenTarOptions = {}): Promise<TarArchive> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below then refuses it.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new ArchiveError('io', `Cannot open ${file}: ${ioText(err)}.`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile())
      throw new ArchiveError(
        'refused',
        `${file} is ${describe(st)}, not a regular file, so it was not read.`,
      );
    const readAt = async (position: number, length: number): Promise<Uint8Array> => {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buf, 0, length, position);
      return buf.subarray(0, bytesRead);
    };
    let table: TarTable;
    try {
      table = await readTarTable(readAt, st.size, options);
    } catch (err) {
      if (err instanceof TarError) {
        const hint =
          err.code === 'compressed'
            ? ' Decompress it first (for example with gunzip or zstd -d): an archive is read in place, which needs an uncompressed tar.'
            : '';
        throw new ArchiveError('format', `${file}: ${err.message}${hint}`, err.code);
      }
      throw err;
    }
    return new TarArchive(file, handle, table);
  } catch (err) {
    await handle.close().catch(() => undefined);
    if (err instanceof ArchiveError || (err as Error)?.name === 'AbortError') throw err;
    throw new ArchiveError('io', `Cannot read ${file}: ${ioText(err)}.`);
  }
}

/** At most this many links are followed by `resolveLink` (a loop stops there). */
const MAX_LINK_HOPS = 8;

export class TarArchive {
  private closed = false;

  constructor(
    /** The archive's path as given (used in messages). */
    readonly file: string,
    private readonly handle: FileHandle,
    private readonly table: TarTable,
  ) {}

  /** The archive's size in bytes when it was opened. */
  get size(): number {
    return this.table.size;
  }

  /** Members that could not be used (unsafe names) or that repeat a name, as sentences. */
  get issues(): readonly TarIssue[] {
    return this.table.issues;
  }

  /** Members by normalised name, in archive order. */
  get members(): ReadonlyMap<string, TarMember> {
    return this.table.members;
  }

  /** Where a member is, for messages: `image.tar!blobs/sha256/ab12…`. */
  where(name: string): string {
    return `${this.file}!${name}`;
  }

  /** The member named `name` (normalised first); undefined when there is none or the name is unsafe. */
  get(name: string): TarMember | undefined {
    const n = normaliseMemberName(name);
    return n.ok ? this.table.members.get(n.name) : undefined;
  }

  /**
   * Follows a symlink or hardlink member to the regular member it names, inside the table only: a symlink's
   * target is relative to the link's folder, a hardlink's to the archive root (as tar writes them). Throws
   * `ArchiveError('refused')` when the target would leave the archive's root, does not exist, is not a
   * regular file, or more than 8 links are chained. A regular member is returned as it is.
   */
  resolveLink(member: TarMember): TarMember {
    let m = member;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      if (m.type !== 'symlink' && m.type !== 'hardlink') {
        if (m.type !== 'file')
          throw new ArchiveError(
            'refused',
            `${this.where(member.name)} leads to ${m.name}, which is a ${m.type}, not a regular file.`,
          );
        return m;
      }
      const link = m.linkname ?? '';
      const dir = m.type === 'symlink' ? m.name.split('/').slice(0, -1) : [];
      const parts = [...dir];
      let escapes = link.startsWith('/');
      for (const seg of link.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') {
          if (parts.length === 0) escapes = true;
          parts.pop();
        } else parts.push(seg);
      }
      const target = parts.join('/');
      if (escapes || target === '')
        throw new ArchiveError(
          'refused',
          `${this.where(m.name)} is a link to ${JSON.stringify(link)}, which leads outside the archive; it was not followed.`,
        );
      const next = this.get(target);
      if (!next)
        throw new ArchiveError(
          'refused',
          `${this.where(m.name)} is a link to ${JSON.stringify(link)}, and the archive has no member ${target}.`,
        );
      m = next;
    }
    throw new ArchiveError(
      'refused',
      `${this.where(member.name)} is a chain of more than ${MAX_LINK_HOPS} links; it was not followed.`,
    );
  }

  /**
   * Streams a regular member's bytes (at most `maxBytes`) as chunks. Two buffers alternate, each the size
   * of the member or `chunkSize`, whichever is smaller; the next read runs while the consumer handles the
   * current chunk, which is valid only until the next is requested. Refuses link members, directories and
   * special files (`ArchiveError('refused')`). Errors when the file has shrunk since it was opened.
   */
  async *read(
    member: TarMember,
    options: ReadMemberOptions = {},
  ): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.closed) throw new ArchiveError('io', `${this.file} was closed.`);
    if (member.type !== 'file') {
      const what =
        member.type === 'symlink' || member.type === 'hardlink'
          ? `a ${member.type === 'symlink' ? 'symbolic' : 'hard'} link member (to ${JSON.stringify(member.linkname ?? '')}); link members are never read as content`
          : `a ${member.type} member, not a regular file`;
      throw new ArchiveError('refused', `${this.where(member.name)} is ${what}.`);
    }
    const total = Math.min(member.size, options.maxBytes ?? Number.MAX_SAFE_INTEGER);
    if (total <= 0) return;
    const size = Math.min(total, options.chunkSize ?? MEMBER_CHUNK_SIZE);
    const buffers =
      total > size ? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] : [Buffer.allocUnsafe(size)];
    let done = 0;
    let which = 0;
    const readInto = (buf: Buffer): Promise<number> => {
      const want = Math.min(size, total - done);
      if (want <= 0) return Promise.resolve(0);
      return this.handle.read(buf, 0, want, member.dataOffset + done).then((r) => r.bytesRead);
    };
    let pending: Promise<number> | undefined = readInto(buffers[0]!);
    try {
      for (;;) {
        if (options.signal?.aborted) throw cancelled();
        let got: number;
        try {
          got = await pending!;
        } catch (err) {
          throw new ArchiveError('io', `Cannot read ${this.where(member.name)}: ${ioText(err)}.`);
        }
        pending = undefined;
        if (got === 0) {
          if (done < total)
            throw new ArchiveError(
              'io',
              `${this.file} ended inside ${member.name} (${done} of ${total} bytes read); the archive may have changed since it was opened.`,
            );
          return;
        }
        const current = buffers[which]!;
        done += got;
        // Start the next read before handing out this chunk, so that both happen at once. With one buffer
        // (the member fits in it) the next read, which finds the end, waits until the chunk is released.
        if (buffers.length > 1) {
          which ^= 1;
          pending = readInto(buffers[which]!);
          pending.catch(() => undefined);
        }
        yield current.subarray(0, got);
        pending ??= readInto(current);
      }
    } finally {
      if (pending) await pending.catch(() => undefined);
    }
  }

  /** A small member's whole content (`maxBytes` bounds it; a larger member is an error). */
  async readAll(member: TarMember, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (member.size > maxBytes)
      throw new ArchiveError(
        'format',
        `${this.where(member.name)} is ${member.size} bytes; at most ${maxBytes} are read for a file of this kind.`,
      );
    const out = new Uint8Array(member.size);
    let at = 0;
    for await (const chunk of this.read(member, { signal })) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Closes the file. Reads in progress fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}
