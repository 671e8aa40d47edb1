/**
 * Tar headers as POSIX ustar, GNU tar and pax write them: one 512-byte header block per member, numeric
 * fields in octal or (GNU, for large values) base-256, long names in GNU `L`/`K` members or pax `path`,
 * `linkpath` and `size` records. Pure: bytes in, values out; `TarError` carries the byte offset of the
 * problem. The readers that use it are `TarParser` (one streaming pass) and `readTarTable` (a member table
 * read in place).
 */

/** Every tar header and every member's data (padded) occupies whole blocks of this size. */
export const BLOCK_SIZE = 512;

/** Rounds a data size up to whole blocks. */
export const paddedSize = (size: number): number => Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

/** What kind of file system object a member is. */
export type TarEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  /** A GNU sparse file (type `S`, or a pax `GNU.sparse.*` member). */
  | 'sparse'
  /** A type this reader does not interpret (vendor types, GNU volume labels…); its data is skipped. */
  | 'other';

/** Why a tar could not be read. */
export type TarErrorCode =
  /** The bytes are not a tar archive at all (no valid first header). */
  | 'not-tar'
  /** The bytes are a compressed file (gzip, zstd, xz, bzip2), not a tar. */
  | 'compressed'
  /** The archive ends inside a header or inside a member's data. */
  | 'truncated'
  /** A header is malformed (bad checksum, bad number, a pax record that does not parse). */
  | 'corrupt'
  /** A limit was exceeded (members, extended header size). */
  | 'limit';

/** A problem with a tar's structure. `message` is a full sentence; `offset` is where, in bytes. */
export class TarError extends Error {
  constructor(
    readonly code: TarErrorCode,
    message: string,
    /** Byte offset in the (uncompressed) tar of the header or member at fault. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TarError';
  }
}

/** One header block, decoded (before pax or GNU long-name overrides are applied). */
export interface RawHeader {
  /** The name field, joined with the ustar `prefix` field when the header is POSIX ustar. */
  name: string;
  linkname: string;
  mode: number;
  size: number;
  /** The type flag character; an old-style NUL is reported as `'0'`. */
  typeflag: string;
  /** A GNU sparse header whose sparse map continues in extension blocks after it. */
  sparseExtended: boolean;
}

const utf8 = new TextDecoder('utf-8');

/** A NUL-terminated string field; ASCII without a decoder call (most names). */
function field(b: Uint8Array, start: number, length: number): string {
  let end = start;
  const limit = start + length;
  let ascii = true;
  while (end < limit && b[end] !== 0) {
    if (b[end]! >= 0x80) ascii = false;
    end++;
  }
  if (!ascii) return utf8.decode(b.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * A numeric field: octal digits (leading spaces or NULs allowed, ended by a space or NUL), or GNU base-256
 * (top bit of the first byte set; the rest is a big-endian two's-complement number).
 */
function numeric(b: Uint8Array, start: number, length: number, what: string, offset: number): number {
  const first = b[start]!;
  if (first & 0x80) {
    if (first & 0x40)
      throw new TarError('corrupt', `The tar header at offset ${offset} has a negative ${what}.`, offset);
    let v = first & 0x3f;
    for (let i = start + 1; i < start + length; i++) {
      v = v * 256 + b[i]!;
      if (v > Number.MAX_SAFE_INTEGER)
        throw new TarError(
          'corrupt',
          `The tar header at offset ${offset} has a ${what} beyond 2^53 bytes, which no real archive holds.`,
          offset,
        );
    }
    return v;
  }
  let i = start;
  const end = start + length;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) {
      throw new TarError(
        'corrupt',
        `The tar header at offset ${offset} has ${JSON.stringify(String.fromCharCode(c))} in its ${what} field, which holds octal digits.`,
        offset,
      );
    }
    v = v * 8 + (c - 0x30);
    digits++;
  }
  // Anything after the terminator must be padding.
  for (; i < end; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0)
      throw new TarError(
        'corrupt',
        `The tar header at offset ${offset} has a ${what} field with characters after its end.`,
        offset,
      );
  }
  return digits === 0 ? 0 : v;
}

/** True when the 512 bytes at `at` are all zero (an end-of-archive block). */
export function isZeroBlock(b: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK_SIZE; i++) if (b[i] !== 0) return false;
  return true;
}

/** True when the header's checksum field matches its bytes (unsigned sum, or the signed sum old tars wrote). */
export function checksumMatches(b: Uint8Array, at: number): boolean {
  let stored: number;
  try {
    stored = numeric(b, at + 148, 8, 'checksum', 0);
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[at + i]!;
    unsigned += c;
    signed += c >= 0x80 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

/**
 * True when the header block at `b[at..]` carries `ustar` at its offset 257 (POSIX `ustar\0` and GNU `ustar  \0`
 * alike): how a file, or a blob's first bytes, is told to be a tar without reading further. False for a block cut
 * short before the magic.
 */
export function hasTarMagic(b: Uint8Array, at = 0): boolean {
  const m = at + 257;
  return b[m] === 0x75 && b[m + 1] === 0x73 && b[m + 2] === 0x74 && b[m + 3] === 0x61 && b[m + 4] === 0x72;
}

/** The magic at offset 257: POSIX ustar (`ustar\0`), GNU (`ustar  \0`), or neither (V7). */
export function headerFormat(b: Uint8Array, at: number): 'ustar' | 'gnu' | 'v7' {
  const m = at + 257;
  if (hasTarMagic(b, at)) {
    if (b[m + 5] === 0) return 'ustar';
    if (b[m + 5] === 0x20 && b[m + 6] === 0x20 && b[m + 7] === 0) return 'gnu';
  }
  return 'v7';
}

/**
 * Decodes the header block at `b[at..at+512)`, found at byte `offset` of the archive. Throws `TarError`
 * ('corrupt') when the checksum does not match or a numeric field is malformed. Call `isZeroBlock` first.
 */
export function parseHeader(b: Uint8Array, at: number, offset: number): RawHeader {
  if (!checksumMatches(b, at))
    throw new TarError(
      'corrupt',
      `The block at offset ${offset} is not a valid tar header (its checksum does not match its bytes).`,
      offset,
    );
  const format = headerFormat(b, at);
  let name = field(b, at, 100);
  if (format === 'ustar') {
    const prefix = field(b, at + 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  let typeflag = b[at + 156] === 0 ? '0' : String.fromCharCode(b[at + 156]!);
  // Pre-POSIX archives marked directories with a trailing slash and a NUL type (as Go's archive/tar reads them).
  if (b[at + 156] === 0 && name.endsWith('/')) typeflag = '5';
  return {
    name,
    linkname: field(b, at + 157, 100),
    mode: numeric(b, at + 100, 8, 'mode', offset),
    size: numeric(b, at + 124, 12, 'size', offset),
    typeflag,
    sparseExtended: typeflag === 'S' && format === 'gnu' && b[at + 482] !== 0,
  };
}

/** The entry type of a type flag. */
export function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '7': // contiguous file: a regular file everywhere but a few old systems
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char-device';
    case '4':
      return 'block-device';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    case 'S':
      return 'sparse';
    default:
      return 'other';
  }
}

/** Types whose size field says nothing about data that follows (Go's archive/tar reads them so too). */
export function isHeaderOnly(type: TarEntryType): boolean {
  return type !== 'file' && type !== 'sparse' && type !== 'other';
}

/**
 * Parses pax extended header records (`"<length> <key>=<value>\n"`, the length counting the whole record).
 * Throws `TarError` ('corrupt') on a record that does not parse.
 */
export function parsePaxRecords(data: Uint8Array, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const bad = (why: string): TarError =>
    new TarError('corrupt', `The pax extended header at offset ${offset} is malformed: ${why}.`, offset);
  while (i < data.length) {
    if (data[i] === 0) break; // NUL padding after the last record
    let len = 0;
    let j = i;
    while (j < data.length && data[j]! >= 0x30 && data[j]! <= 0x39) {
      len = len * 10 + (data[j]! - 0x30);
      j++;
      if (len > data.length) throw bad(`a record at byte ${i} claims more bytes than the header holds`);
    }
    if (j === i || data[j] !== 0x20) throw bad(`the record at byte ${i} does not start with "<length> "`);
    if (len <= j - i + 1 || i + len > data.length)
      throw bad(`the record at byte ${i} has a length of ${len}, which does not fit`);
    if (data[i + len - 1] !== 0x0a) throw bad(`the record at byte ${i} does not end with a newline`);
    const record = utf8.decode(data.subarray(j + 1, i + len - 1));
    const eq = record.indexOf('=');
    if (eq <= 0) throw bad(`the record at byte ${i} has no "key=value"`);
    out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/** A pax `size` value: decimal digits only. */
export function paxSize(value: string, offset: number): number {
  if (!/^[0-9]{1,16}$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER)
    throw new TarError(
      'corrupt',
      `The pax extended header at offset ${offset} has size=${JSON.stringify(value.slice(0, 40))}, which is not a byte count.`,
      offset,
    );
  return Number(value);
}

/** A GNU long name or long link: the member's data up to its first NUL. */
export function gnuLongName(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return utf8.decode(nul < 0 ? data : data.subarray(0, nul));
}

/** Compression formats recognised by their first bytes, for "this is not a tar" messages. */
export function compressedFormat(b: Uint8Array): 'gzip' | 'zstd' | 'xz' | 'bzip2' | undefined {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  // A zstd skippable frame (magic 0x184D2A50..5F, little-endian) can open a zstd stream.
  if (b.length >= 4 && (b[0]! & 0xf0) === 0x50 && b[1] === 0x2a && b[2] === 0x4d && b[3] === 0x18)
    return 'zstd';
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a)
    return 'xz';
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  return undefined;
}
