/**
 * One pass over a tar's headers, fed in chunks of any size: the streaming layer analysis pushes every
 * decompressed chunk, the member-table reader pushes windows read in place and jumps over member data
 * (`skippable`/`skip`). Member data is never kept; only a partial header block (512 bytes) and pax or GNU
 * long-name data (bounded by `maxExtensionBytes`) are copied. Memory is constant whatever the archive's size.
 *
 * Structure rules follow Go's archive/tar (the reader Docker, containerd and the registries use): a
 * header-only member (directory, link, device, FIFO) has no data whatever its size field says, one or two
 * zero blocks end the archive, a zero block followed by a header is an error, pax global headers are
 * checked but not applied.
 */
import {
  BLOCK_SIZE,
  TarError,
  compressedFormat,
  entryType,
  gnuLongName,
  isHeaderOnly,
  isZeroBlock,
  paddedSize,
  parseHeader,
  parsePaxRecords,
  paxSize,
  type TarEntryType,
} from './header';

/** One member as its headers describe it. Names are as recorded (see `normaliseMemberName`). */
export interface TarEntry {
  /** The name: pax `path`, else a GNU long name, else the header's (prefix and) name. Not normalised. */
  name: string;
  /** The link target of a symlink or hardlink (pax `linkpath`, GNU long link, or the header's). */
  linkname: string;
  type: TarEntryType;
  /** The raw type flag character (`'0'`, `'5'`, `'x'`…), for types this reader calls `other`. */
  typeflag: string;
  /** Permission and mode bits from the header. */
  mode: number;
  /** Bytes of data after the header (0 for header-only types, whatever their size field says). */
  size: number;
  /** Offset of the member's first header block (its pax or GNU long-name header, when it has one). */
  headerOffset: number;
  /** Offset of its data. */
  dataOffset: number;
  /** A header-only member (directory, link, device, FIFO) whose size field was not 0; that size was ignored. */
  ignoredSize?: number;
}

export interface TarParserOptions {
  /** Largest pax extended header or GNU long name accepted, in bytes (default 1 MiB, as Go's reader). */
  maxExtensionBytes?: number;
}

/** How the archive ended, once `end()` has accepted it. */
export interface TarEnd {
  /** Total bytes seen (the tar's size). */
  size: number;
  /** Members reported (extension headers not counted). */
  entries: number;
  /** True when it ended with a zero block (the standard end); false when input simply stopped at a member boundary. */
  endMarker: boolean;
  /** Bytes after the end marker (record padding; or other data, which tar readers ignore). */
  trailingBytes: number;
  /** How many of those were not zero. */
  trailingNonZero: number;
}

type State = 'header' | 'extension' | 'sparse' | 'skip' | 'zero' | 'end';

const DEFAULT_MAX_EXTENSION = 1 << 20;

export class TarParser {
  /** Bytes consumed so far: the offset of the next byte pushed. */
  offset = 0;
  /** Members reported so far. */
  entries = 0;
  private state: State = 'header';
  /** A header block that arrived in pieces. */
  private readonly block = new Uint8Array(BLOCK_SIZE);
  private blockFill = 0;
  /** Extension data being collected, and how far. */
  private ext: Uint8Array | undefined;
  private extFill = 0;
  private extKind: 'pax' | 'global' | 'longname' | 'longlink' = 'pax';
  private extOffset = 0;
  /** Bytes left to skip (member data and padding), and the member they belong to (for messages). */
  private skipLeft = 0;
  private skipData = 0;
  private skipEntry: TarEntry | undefined;
  /** Overrides gathered from extension headers for the next member. */
  private pending: {
    first?: number;
    path?: string;
    linkpath?: string;
    size?: number;
    sparse?: boolean;
    sparseName?: string;
  } = {};
  /** The member whose GNU sparse extension blocks are being skipped. */
  private sparseEntry: TarEntry | undefined;
  private zeroAt = 0;
  private trailing = 0;
  private trailingNonZero = 0;
  private readonly maxExt: number;

  constructor(
    /** Called once per member, in order. May throw to stop the pass (the error propagates from `push`). */
    private readonly onEntry: (entry: TarEntry) => void,
    options: TarParserOptions = {},
  ) {
    this.maxExt = options.maxExtensionBytes ?? DEFAULT_MAX_EXTENSION;
  }

  /** True once the end-of-archive marker has been seen; later bytes are only counted. */
  get ended(): boolean {
    return this.state === 'end';
  }

  /**
   * Bytes that the parser would pass over without looking at them (the rest of a member's data and its
   * padding). A reader that can seek may `skip` them instead of pushing them.
   */
  get skippable(): number {
    return this.state === 'skip' ? this.skipLeft : 0;
  }

  /** Passes over `n` bytes (at most `skippable`) without reading them. */
  skip(n: number): void {
    if (n > this.skippable) throw new RangeError('TarParser.skip: more than skippable');
    this.skipLeft -= n;
    this.offset += n;
    if (this.skipLeft === 0) this.state = 'header';
  }

  /** Consumes all of `chunk`. Throws `TarError` at the first structural problem. */
  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'skip': {
          const k = Math.min(this.skipLeft, n - i);
          i += k;
          this.offset += k;
          this.skipLeft -= k;
          if (this.skipLeft === 0) this.state = 'header';
          break;
        }
        case 'end': {
          for (let j = i; j < n; j++) if (chunk[j] !== 0) this.trailingNonZero++;
          this.trailing += n - i;
          this.offset += n - i;
          i = n;
          break;
        }
        case 'extension': {
          const ext = this.ext!;
          const k = Math.min(ext.length - this.extFill, n - i);
          ext.set(chunk.subarray(i, i + k), this.extFill);
          this.extFill += k;
          i += k;
          this.offset += k;
          if (this.extFill === ext.length) this.finishExtension();
          break;
        }
        default: {
          // 'header', 'zero' and 'sparse' all want one whole block.
          let b: Uint8Array;
          let at: number;
          if (this.blockFill === 0 && n - i >= BLOCK_SIZE) {
            b = chunk;
            at = i;
            i += BLOCK_SIZE;
          } else {
            const k = Math.min(BLOCK_SIZE - this.blockFill, n - i);
            this.block.set(chunk.subarray(i, i + k), this.blockFill);
            this.blockFill += k;
            i += k;
            if (this.blockFill < BLOCK_SIZE) {
              // `offset` counts whole blocks only while one is incomplete; `end()` reports the partial one.
              break;
            }
            b = this.block;
            at = 0;
            this.blockFill = 0;
          }
          const blockOffset = this.offset;
          this.offset += BLOCK_SIZE;
          this.onBlock(b, at, blockOffset);
        }
      }
    }
  }

  private onBlock(b: Uint8Array, at: number, offset: number): void {
    if (this.state === 'sparse') {
      // GNU sparse extension block: 21 map entries, then the "more follow" flag at byte 504.
      if (b[at + 504] === 0) this.startData(this.sparseEntry!);
      return;
    }
    if (isZeroBlock(b, at)) {
      if (this.state === 'zero') {
        this.state = 'end';
        return;
      }
      if (this.pending.first !== undefined)
        throw new TarError(
          'corrupt',
          `The extended header at offset ${this.pending.first} is followed by an end-of-archive block instead of the member it describes.`,
          this.pending.first,
        );
      this.state = 'zero';
      this.zeroAt = offset;
      return;
    }
    if (this.state === 'zero')
      throw new TarError(
        'corrupt',
        `The zero block at offset ${this.zeroAt} (an end-of-archive marker) is followed by another header at offset ${offset}; a tar ends with two zero blocks.`,
        offset,
      );
    let h;
    try {
      h = parseHeader(b, at, offset);
    } catch (err) {
      if (offset === 0 && err instanceof TarError) throw notTar(b.subarray(at, at + BLOCK_SIZE));
      throw err;
    }
    switch (h.typeflag) {
      case 'x':
      case 'X': // Solaris' name for a pax header
        return this.startExtension('pax', h.size, offset);
      case 'g':
        return this.startExtension('global', h.size, offset);
      case 'L':
        return this.startExtension('longname', h.size, offset);
      case 'K':
        return this.startExtension('longlink', h.size, offset);
    }
    const p = this.pending;
    this.pending = {};
    let type = entryType(h.typeflag);
    if (p.sparse && type === 'file') type = 'sparse';
    let size = p.size ?? h.size;
    let ignoredSize: number | undefined;
    if (isHeaderOnly(type) && size > 0) {
      ignoredSize = size;
      size = 0;
    }
    const entry: TarEntry = {
      name: p.sparseName ?? p.path ?? h.name,
      linkname: p.linkpath ?? h.linkname,
      type,
      typeflag: h.typeflag,
      mode: h.mode,
      size,
      headerOffset: p.first ?? offset,
      dataOffset: offset + BLOCK_SIZE,
    };
    if (ignoredSize !== undefined) entry.ignoredSize = ignoredSize;
    if (h.sparseExtended) {
      this.sparseEntry = entry;
      this.state = 'sparse';
      return;
    }
    this.startData(entry);
  }

  /** Reports the member (its data offset now final) and skips its data. */
  private startData(entry: TarEntry): void {
    entry.dataOffset = this.offset;
    this.sparseEntry = undefined;
    this.entries++;
    this.onEntry(entry);
    this.skipEntry = entry;
    this.skipData = entry.size;
    this.skipLeft = paddedSize(entry.size);
    this.state = this.skipLeft > 0 ? 'skip' : 'header';
  }

  private startExtension(
    kind: 'pax' | 'global' | 'longname' | 'longlink',
    size: number,
    offset: number,
  ): void {
    const what = kind === 'longname' || kind === 'longlink' ? 'GNU long-name header' : 'pax extended header';
    if (size > this.maxExt)
      throw new TarError(
        'limit',
        `The ${what} at offset ${offset} holds ${size} bytes; at most ${this.maxExt} are accepted.`,
        offset,
      );
    if (this.pending.first === undefined && kind !== 'global') this.pending.first = offset;
    this.extKind = kind;
    this.extOffset = offset;
    this.ext = new Uint8Array(size);
    this.extFill = 0;
    this.state = 'extension';
    if (size === 0) this.finishExtension();
  }

  private finishExtension(): void {
    const data = this.ext!;
    const offset = this.extOffset;
    this.ext = undefined;
    const p = this.pending;
    switch (this.extKind) {
      case 'longname':
        p.path = gnuLongName(data);
        break;
      case 'longlink':
        p.linkpath = gnuLongName(data);
        break;
      case 'global':
        parsePaxRecords(data, offset); // must parse; not applied (as Go's archive/tar)
        break;
      case 'pax': {
        const records = parsePaxRecords(data, offset);
        for (const [key, value] of records) {
          if (key === 'path') p.path = value;
          else if (key === 'linkpath') p.linkpath = value;
          else if (key === 'size') p.size = paxSize(value, offset);
          else if (key.startsWith('GNU.sparse.')) {
            p.sparse = true;
            if (key === 'GNU.sparse.name') p.sparseName = value;
          }
        }
      }
    }
    // Skip the padding after the extension data.
    this.skipEntry = undefined;
    this.skipData = 0;
    this.skipLeft = paddedSize(data.length) - data.length;
    this.state = this.skipLeft > 0 ? 'skip' : 'header';
  }

  /**
   * Declares the end of input. Returns how the archive ended; throws `TarError` ('truncated') when the
   * input stopped inside a header, an extended header or a member's data or padding.
   */
  end(): TarEnd {
    const result = (endMarker: boolean): TarEnd => ({
      size: this.offset + this.blockFill,
      entries: this.entries,
      endMarker,
      trailingBytes: this.trailing,
      trailingNonZero: this.trailingNonZero,
    });
    switch (this.state) {
      case 'end':
      case 'zero':
        return result(true);
      case 'header':
        if (this.blockFill === 0 && this.pending.first === undefined) return result(false);
        if (this.blockFill === 0)
          throw new TarError(
            'truncated',
            `The tar ends after the extended header at offset ${this.pending.first}, before the member it describes.`,
            this.pending.first!,
          );
        if (this.offset === 0) throw notTar(this.block.subarray(0, this.blockFill));
        throw new TarError(
          'truncated',
          `The tar ends inside the header at offset ${this.offset}: ${this.blockFill} of its ${BLOCK_SIZE} bytes are there.`,
          this.offset,
        );
      case 'sparse':
        throw new TarError(
          'truncated',
          `The tar ends inside the sparse map of member ${JSON.stringify(this.sparseEntry!.name)} (header at offset ${this.sparseEntry!.headerOffset}).`,
          this.sparseEntry!.headerOffset,
        );
      case 'extension':
        throw new TarError(
          'truncated',
          `The tar ends inside the extended header at offset ${this.extOffset}: ${this.extFill} of its ${this.ext!.length} bytes are there.`,
          this.extOffset,
        );
      case 'skip': {
        const e = this.skipEntry;
        const padding = paddedSize(this.skipData) - this.skipData;
        const missingData = this.skipLeft - padding;
        if (!e)
          throw new TarError(
            'truncated',
            `The tar ends in the padding after the extended header at offset ${this.extOffset}.`,
            this.extOffset,
          );
        if (missingData > 0)
          throw new TarError(
            'truncated',
            `The tar ends inside member ${JSON.stringify(e.name)} (header at offset ${e.headerOffset}): it declares ${e.size} bytes of data, and ${missingData} of them are missing.`,
            e.headerOffset,
          );
        throw new TarError(
          'truncated',
          `The tar ends in the padding after member ${JSON.stringify(e.name)} (header at offset ${e.headerOffset}): ${this.skipLeft} of ${padding} padding bytes are missing.`,
          e.headerOffset,
        );
      }
    }
  }
}

/** The error for bytes that do not start with a tar header, naming a compression format when it is one. */
export function notTar(first: Uint8Array): TarError {
  const compressed = compressedFormat(first);
  if (compressed)
    return new TarError('compressed', `This is a ${compressed}-compressed file, not a tar archive.`, 0);
  return new TarError(
    'not-tar',
    'This is not a tar archive: its first 512 bytes are not a valid tar header.',
    0,
  );
}
