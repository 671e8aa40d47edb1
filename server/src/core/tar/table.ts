/**
 * The member table of an uncompressed tar read in place: one pass over the headers through positional reads
 * (a window of bytes at a time, jumping over member data), never extracting anything. Pure: the bytes come
 * from a `ReadAt` callback, so the same code serves a file, a range of another archive or a test buffer.
 *
 * Names are normalised (`normaliseMemberName`); a member whose name is unsafe (`../x`, `/x`, NUL) is left out
 * of the table and reported as an issue, so no lookup can ever reach it. For a duplicated name the last
 * member wins, as tar extractors do, and the duplicate is reported. Time is linear in the number of members;
 * memory is the table itself (bounded by `maxMembers`) plus one window.
 */
import { BLOCK_SIZE, TarError } from './header';
import { normaliseMemberName } from './names';
import { TarParser, notTar, type TarEnd, type TarEntry } from './parser';

/** A member in the table: an entry (see `TarEntry`) under its normalised name. */
export interface TarMember extends Omit<TarEntry, 'name' | 'linkname' | 'ignoredSize'> {
  /** The normalised name (the table's key). */
  name: string;
  /** The name as the headers recorded it. */
  rawName: string;
  /** The link target of a symlink or hardlink, as recorded. */
  linkname?: string;
}

/** Something about the archive that does not stop it being read, for messages. */
export interface TarIssue {
  kind: 'unsafe-name' | 'duplicate';
  /** Header offset of the member concerned. */
  offset: number;
  /** The raw name of the member concerned. */
  name: string;
  /** A full sentence. */
  message: string;
}

export interface TarTable {
  /** The archive's size in bytes. */
  size: number;
  /** Members by normalised name, in archive order (a duplicated name keeps its first position, last content). */
  members: ReadonlyMap<string, TarMember>;
  issues: readonly TarIssue[];
  /** Issues not kept because `maxIssues` was reached. */
  issuesDropped: number;
  end: TarEnd;
}

/** Reads up to `length` bytes at `position`; fewer only at the end of the data. */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

export interface ReadTarTableOptions {
  /** Refuse archives with more members than this (default 1,000,000). */
  maxMembers?: number;
  /** Keep at most this many issues (default 1,000); the rest are counted. */
  maxIssues?: number;
  /** Bytes read per positional read while walking headers (default 64 KiB). */
  window?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_MEMBERS = 1_000_000;

/** Reads the member table of the `size`-byte tar that `readAt` returns. Throws `TarError` when it is not one. */
export async function readTarTable(
  readAt: ReadAt,
  size: number,
  options: ReadTarTableOptions = {},
): Promise<TarTable> {
  const maxMembers = options.maxMembers ?? DEFAULT_MAX_MEMBERS;
  const maxIssues = options.maxIssues ?? 1000;
  const window = Math.max(BLOCK_SIZE, options.window ?? 64 * 1024);
  if (size === 0) throw new TarError('not-tar', 'This is an empty file, not a tar archive.', 0);
  if (size < BLOCK_SIZE) throw notTar(await readAt(0, size));

  const members = new Map<string, TarMember>();
  const issues: TarIssue[] = [];
  let issuesDropped = 0;
  const issue = (i: TarIssue): void => {
    if (issues.length < maxIssues) issues.push(i);
    else issuesDropped++;
  };
  const parser = new TarParser((e: TarEntry) => {
    if (parser.entries > maxMembers)
      throw new TarError(
        'limit',
        `The archive has more than ${maxMembers.toLocaleString('en-US')} members, more than this reader accepts.`,
        e.headerOffset,
      );
    if (e.dataOffset + e.size > size)
      throw new TarError(
        'truncated',
        `Member ${JSON.stringify(e.name)} (header at offset ${e.headerOffset}) declares ${e.size} bytes of data, but the archive ends ${e.dataOffset + e.size - size} bytes before their end (the file is ${size} bytes).`,
        e.headerOffset,
      );
    const n = normaliseMemberName(e.name);
    if (!n.ok) {
      issue({
        kind: 'unsafe-name',
        offset: e.headerOffset,
        name: e.name,
        message: `${n.message} The member at offset ${e.headerOffset} was left out: it is never read.`,
      });
      return;
    }
    if (n.name === '') return; // the root directory
    const m: TarMember = {
      name: n.name,
      rawName: e.name,
      type: e.type,
      typeflag: e.typeflag,
      mode: e.mode,
      size: e.size,
      headerOffset: e.headerOffset,
      dataOffset: e.dataOffset,
    };
    if (e.type === 'symlink' || e.type === 'hardlink') m.linkname = e.linkname;
    const before = members.get(n.name);
    if (before && !(before.type === 'directory' && m.type === 'directory')) {
      const differ = before.type !== m.type || before.size !== m.size;
      issue({
        kind: 'duplicate',
        offset: e.headerOffset,
        name: e.name,
        message: `The member ${JSON.stringify(n.name)} appears again at offset ${e.headerOffset} (before at offset ${before.headerOffset})${differ ? `, with a different ${before.type !== m.type ? 'type' : 'size'}` : ''}; the last one is used, as tar extractors do.`,
      });
    }
    members.set(n.name, m);
  });

  let pos = 0;
  while (pos < size && !parser.ended) {
    if (options.signal?.aborted) throw cancelled();
    const skip = parser.skippable;
    if (skip > 0) {
      const k = Math.min(skip, size - pos);
      parser.skip(k);
      pos += k;
      continue;
    }
    const want = Math.min(window, size - pos);
    const bytes = await readAt(pos, want);
    if (bytes.length === 0)
      throw new TarError(
        'truncated',
        `The archive ended after ${pos} bytes although it was ${size} bytes when opened; it may have changed while it was read.`,
        pos,
      );
    parser.push(bytes);
    pos += bytes.length;
  }
  const end = parser.end();
  return { size, members, issues, issuesDropped, end };
}

/** The error a cancelled read throws (name `AbortError`, as the verification engine expects). */
export function cancelled(): Error {
  const e = new Error('The read was cancelled.');
  e.name = 'AbortError';
  return e;
}
