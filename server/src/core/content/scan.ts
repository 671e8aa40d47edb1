/**
 * A streaming scan of a manifest or an index that is too large to hold: fed the bytes in the same pass that
 * hashes them, it keeps only the top-level facts that tell the kind (`mediaType`, `artifactType`,
 * `schemaVersion`) and each descriptor (`config`, `subject`, the entries of `layers`, `manifests`, `blobs`),
 * each a few hundred bytes. So a 100 MiB index or a manifest with a million layers is walked in bounded memory;
 * it is not linted (its content is reported as not checked). Pure and iterative: no recursion, nothing whose
 * size depends on the input beyond the descriptors kept (at most `maxDescriptors`).
 *
 * It tracks structure only (strings, escapes, brackets); the pieces it keeps are parsed with `JSON.parse`.
 * Syntax errors elsewhere are not found (that is the lint's job, which does not run on such documents).
 */

/** Top-level members whose value is one descriptor, and those whose value is a list of descriptors. */
const ONE = new Set(['config', 'subject']);
const LIST = new Set(['layers', 'manifests', 'blobs']);
/** Top-level members whose (scalar) value is kept. */
const SCALARS = new Set(['mediaType', 'artifactType', 'schemaVersion', 'imageLayoutVersion']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export interface ScanOptions {
  /** A descriptor longer than this is not kept (counted in `dropped`). Default 1 MiB. */
  maxDescriptorBytes?: number;
  /** At most this many descriptors are kept (the rest are counted in `dropped`). */
  maxDescriptors: number;
}

export interface ScanResult {
  /** A phrase when the bytes are not a JSON object (binary, UTF-16, an array, cut off). */
  problem?: string;
  /**
   * The document reduced to what decides its kind and its descriptors: the kept scalars, `config` and
   * `subject`, and `layers`/`manifests`/`blobs` as sparse arrays (an entry's index is its index in the
   * document; entries that were not objects or not kept are holes).
   */
  skeleton: Record<string, unknown>;
  /** Descriptors not kept: beyond `maxDescriptors`, longer than `maxDescriptorBytes`, or not valid JSON. */
  dropped: number;
  /** Bytes seen. */
  bytes: number;
}

/** Scans a JSON document chunk by chunk (see the module comment). */
export class DescriptorScanner {
  private readonly maxPiece: number;
  private readonly maxDescriptors: number;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private ended = false;
  private problem: string | undefined;
  /** At depth 1: true while the next string is a key. */
  private expectKey = false;
  /** The key of the member being read at depth 1 (bytes collected while it is a string). */
  private key = '';
  private keyParts: number[] | undefined;
  /** The member's value kind once it started at depth 1: what to do with it. */
  private member: 'one' | 'list' | 'scalar' | 'skip' | undefined;
  /** Inside a LIST member (its array is open at depth 2): the index of the current entry. */
  private entry = 0;
  /** True once the list has an entry (so that its length counts entries that are not descriptors). */
  private entries = false;
  /** The piece being captured (a descriptor or a scalar): its chunks, and the depth it closes at. */
  private piece: Uint8Array[] | undefined;
  private pieceBytes = 0;
  private pieceTooLong = false;
  private pieceDepth = 0;
  private kept = 0;
  private dropped = 0;
  private bytes = 0;
  private readonly skeleton: Record<string, unknown> = {};
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(options: ScanOptions) {
    this.maxPiece = options.maxDescriptorBytes ?? 1024 * 1024;
    this.maxDescriptors = options.maxDescriptors;
  }

  write(chunk: Uint8Array): void {
    if (this.problem !== undefined) return;
    let i = 0;
    const n = chunk.length;
    if (!this.started) {
      // A UTF-8 byte-order mark is tolerated here (the lint reports it on documents it reads).
      while (i < n && isSpace(chunk[i]!)) i++;
      if (
        this.bytes === 0 &&
        n - i >= 3 &&
        chunk[i] === 0xef &&
        chunk[i + 1] === 0xbb &&
        chunk[i + 2] === 0xbf
      )
        i += 3;
      while (i < n && isSpace(chunk[i]!)) i++;
      if (i >= n) {
        this.bytes += n;
        return;
      }
      const first = chunk[i]!;
      if (first !== 0x7b) {
        this.problem =
          first === 0xff || first === 0xfe || first === 0
            ? 'is UTF-16 or binary, not UTF-8 JSON'
            : first === 0x5b
              ? 'is a JSON array, not an object'
              : 'does not start like a JSON object';
        return;
      }
      this.started = true;
    }
    let pieceStart = this.piece ? i : -1;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        // Jump to the next quote or backslash: strings are most of the bytes.
        let q = chunk.indexOf(QUOTE, i);
        const b = chunk.indexOf(BACKSLASH, i);
        if (b >= 0 && (q < 0 || b < q)) q = b;
        if (q < 0) {
          if (this.keyParts) this.keyBytes(chunk, i, n);
          i = n - 1;
          continue;
        }
        if (this.keyParts) this.keyBytes(chunk, i, q);
        i = q;
        if (chunk[i] === BACKSLASH) {
          this.escaped = true;
          continue;
        }
        this.inString = false;
        if (this.keyParts) this.endKey();
        else if (this.piece && this.member === 'scalar' && this.depth === 1) {
          this.pushPiece(chunk, pieceStart, i + 1);
          pieceStart = -1;
          this.endScalar();
        }
        continue;
      }
      if (this.ended) {
        if (!isSpace(c)) this.problem = 'has more after its closing brace';
        if (this.problem) return;
        continue;
      }
      if (isSpace(c)) continue;
      switch (c) {
        case QUOTE:
          if (this.depth === 2 && this.member === 'list') this.entries = true;
          this.inString = true;
          if (this.depth === 1 && this.expectKey) {
            this.keyParts = [];
            this.key = '';
          } else if (this.depth === 1 && this.member === 'scalar' && !this.piece) {
            this.startPiece(1);
            pieceStart = i;
          } else if (this.depth === 1 && this.member && this.member !== 'scalar') {
            this.member = 'skip'; // a string where a descriptor or a list belongs
          }
          break;
        case 0x7b: // {
        case 0x5b: {
          // [
          if (this.depth === 2 && this.member === 'list') this.entries = true;
          this.depth++;
          if (this.depth === 1) {
            this.expectKey = true;
            break;
          }
          if (this.depth === 2) {
            if (this.member === 'one' && c === 0x7b) {
              this.startPiece(1);
              pieceStart = i;
            } else if (this.member === 'list' && c === 0x5b) {
              this.entry = 0;
              this.entries = false;
              if (!Array.isArray(this.skeleton[this.key])) this.skeleton[this.key] = [];
            } else {
              this.member = 'skip';
            }
          } else if (this.depth === 3 && this.member === 'list' && c === 0x7b && !this.piece) {
            this.startPiece(2);
            pieceStart = i;
          }
          break;
        }
        case 0x7d: // }
        case 0x5d: {
          // ]
          if (this.depth === 0) {
            this.problem = 'has a closing bracket with nothing open';
            return;
          }
          this.depth--;
          if (this.depth === 1 && this.member === 'list' && this.entries) {
            // The list closes: its length counts every entry, descriptors or not.
            const list = this.skeleton[this.key] as unknown[];
            if (list.length < this.entry + 1) list.length = this.entry + 1;
          }
          if (this.piece && this.depth === this.pieceDepth) {
            this.pushPiece(chunk, pieceStart, i + 1);
            pieceStart = -1;
            this.endPiece();
          } else if (this.piece && this.member === 'scalar' && this.depth === 0) {
            this.pushPiece(chunk, pieceStart, i);
            pieceStart = -1;
            this.endScalar();
          }
          if (this.depth === 0) this.ended = true;
          break;
        }
        case 0x3a: // :
          if (this.depth === 1) this.expectKey = false;
          break;
        case 0x2c: // ,
          if (this.depth === 1) {
            if (this.piece && this.member === 'scalar') {
              this.pushPiece(chunk, pieceStart, i);
              pieceStart = -1;
              this.endScalar();
            }
            this.expectKey = true;
            this.member = undefined;
          } else if (this.depth === 2 && this.member === 'list') {
            this.entry++;
          }
          break;
        default:
          // Outside strings JSON has only numbers and the literals true, false and null.
          if (!LITERAL[c]) {
            this.problem =
              c === 0 ? 'holds NUL bytes, so it is UTF-16 or binary, not UTF-8 JSON' : 'is not JSON';
            return;
          }
          if (this.depth === 2 && this.member === 'list') this.entries = true;
          // A number or a literal: at depth 1 it is a scalar member's value.
          if (this.depth === 1 && this.member === 'scalar' && !this.piece) {
            this.startPiece(1);
            pieceStart = i;
          } else if (this.depth === 1 && this.member && this.member !== 'scalar') {
            this.member = 'skip';
          }
          break;
      }
    }
    if (this.piece && pieceStart >= 0) this.pushPiece(chunk, pieceStart, n);
    this.bytes += n;
  }

  /** Finishes the scan. */
  end(): ScanResult {
    if (this.problem === undefined) {
      if (!this.started) this.problem = this.bytes === 0 ? 'is empty' : 'holds only white space';
      else if (!this.ended) this.problem = 'ends before its JSON is complete (it is cut off)';
    }
    if (this.piece) this.dropPiece();
    return {
      ...(this.problem !== undefined ? { problem: this.problem } : {}),
      skeleton: this.skeleton,
      dropped: this.dropped,
      bytes: this.bytes,
    };
  }

  private keyBytes(chunk: Uint8Array, from: number, to: number): void {
    // Keys that matter are short; a longer one is some other key.
    if (this.keyParts!.length + (to - from) > 32) {
      this.keyParts!.length = 33;
      return;
    }
    for (let k = from; k < to; k++) this.keyParts!.push(chunk[k]!);
  }

  private endKey(): void {
    const parts = this.keyParts!;
    this.keyParts = undefined;
    this.key = parts.length > 32 ? '' : String.fromCharCode.apply(null, parts);
    this.member = ONE.has(this.key)
      ? 'one'
      : LIST.has(this.key)
        ? 'list'
        : SCALARS.has(this.key)
          ? 'scalar'
          : 'skip';
  }

  private startPiece(depth: number): void {
    this.piece = [];
    this.pieceBytes = 0;
    this.pieceTooLong = false;
    this.pieceDepth = depth;
  }

  private pushPiece(chunk: Uint8Array, from: number, to: number): void {
    if (from < 0 || to <= from || this.pieceTooLong) return;
    this.pieceBytes += to - from;
    if (this.pieceBytes > this.maxPiece) {
      this.pieceTooLong = true;
      this.piece = [];
      return;
    }
    // A copy (Buffer's slice() would be a view): the reader reuses the chunk's memory for the next read.
    const copy = new Uint8Array(to - from);
    copy.set(chunk.subarray(from, to));
    this.piece!.push(copy);
  }

  private pieceValue(): unknown {
    const parts = this.piece!;
    this.piece = undefined;
    if (this.pieceTooLong) return undefined;
    const buf = new Uint8Array(this.pieceBytes);
    let at = 0;
    for (const p of parts) {
      buf.set(p, at);
      at += p.length;
    }
    try {
      return JSON.parse(this.decoder.decode(buf)) as unknown;
    } catch {
      return undefined;
    }
  }

  private endPiece(): void {
    const isEntry = this.pieceDepth === 2;
    if (this.kept >= this.maxDescriptors) {
      this.piece = undefined;
      this.dropped++;
      return;
    }
    const value = this.pieceValue();
    if (typeof value !== 'object' || value === null) {
      this.dropped++;
      return;
    }
    this.kept++;
    if (isEntry) {
      let list = this.skeleton[this.key];
      if (!Array.isArray(list)) list = this.skeleton[this.key] = [];
      (list as unknown[])[this.entry] = value;
    } else {
      this.skeleton[this.key] = value;
    }
  }

  private dropPiece(): void {
    this.piece = undefined;
    this.dropped++;
  }

  private endScalar(): void {
    const value = this.pieceValue();
    if (value !== undefined && (typeof value !== 'object' || value === null)) this.skeleton[this.key] = value;
    this.member = 'skip';
  }
}

/** The bytes that may stand outside strings besides structure: digits, signs, `.eE` and the literals' letters. */
const LITERAL: readonly boolean[] = (() => {
  const t: boolean[] = new Array<boolean>(256).fill(false);
  for (const ch of '0123456789-+.eEtrufalsn') t[ch.charCodeAt(0)] = true;
  return t;
})();

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
