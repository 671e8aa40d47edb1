/**
 * THE content-source port: how content addressed by digest reaches the core. One interface for every place
 * content can come from: an OCI image layout folder (server/src/node/content/layoutSource.ts), a descriptor's
 * embedded `data` ({@link embeddedDataSource}, below), a registry repository
 * (server/src/node/content/registrySource.ts), and, built on the same interface, image archives read in place
 * (an OCI layout tarball or a `docker save` tarball: a member table over one file, each blob a byte range).
 *
 * What a source answers:
 * - `stat`/`open`: a digest resolved to what is known without reading (its length, where it is) or to a bounded
 *   stream of its bytes ({@link readAll} collects small ones). Both resolve to `undefined` when the source does
 *   not have the blob and throw a {@link BlobSourceError} when it may have it but cannot deliver it (a symbolic
 *   link leaving a layout, a FIFO, a registry that stalls or refuses the credentials).
 * - `readRoot`: the source's own root files, read by name: `oci-layout` and `index.json` for layouts (folder or
 *   tarball); `manifest.json` and `repositories` for `docker save` tarballs. Sources without root files (a
 *   registry, embedded data) leave it out.
 * - `list`: what the source holds, as entries relative to its root (`blobs/sha256/<hex>`, `blobs/stray`), so
 *   that unreferenced and misnamed blobs are found, and referrers that `index.json` does not reach. Sources that
 *   cannot list (a registry without a catalogue, embedded data) leave it out.
 * - `describe`: where a blob is, for messages and links (a path as the user gave it, a `file:` URI, a URL
 *   without query string). Never holds credentials.
 * - `close`: releases files and connections.
 *
 * The walk over an image graph (core/layout/graph.ts) and verification (core/verify/) use only this interface,
 * so a new kind of source needs an adapter and nothing else.
 */
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Buffer } from 'node:buffer';
import type { RegisteredAlgorithm } from '../digest';

/** What a source is asked for: one descriptor's content. */
export interface BlobRef {
  /** The descriptor's digest, already validated against the digest grammar. */
  digest: string;
  /** The descriptor's `size`, when it is a safe non-negative integer. */
  size?: number;
  /** The descriptor's `mediaType`, when it is a string. */
  mediaType?: string;
  /**
   * True when the content is a manifest or an index (by role or media type): a registry serves those
   * from `/v2/<name>/manifests/<digest>`, everything else from `/v2/<name>/blobs/<digest>`.
   */
  manifest: boolean;
  /** The descriptor's embedded `data` (base64), when it is a string. */
  data?: string;
  /** Where the descriptor sits (`config`, `layer`, `manifest`…), when the asker knows. */
  role?: 'config' | 'layer' | 'manifest' | 'subject' | 'blob' | 'self';
}

/** Where a piece of content is. Never holds credentials, tokens or a URL's query string. */
export interface ContentOrigin {
  /** As shown to people: a path under the source's root as given, `data`, or a URL. */
  where: string;
  /** A URI a front end can open or link to (a `file:` URI, an `https:` URL), when there is one. */
  uri?: string;
}

/** What a source knows about a blob before reading it. */
export interface BlobStat extends ContentOrigin {
  /** The content length, when the source knows it without reading (a file's size, `Content-Length`). */
  size?: number;
}

/** An open blob: its announced length (when known) and its bytes. */
export interface BlobContent extends ContentOrigin {
  /** The length the source announces (file size, `Content-Length`); may differ from what it delivers. */
  size?: number;
  /**
   * The bytes in order. A chunk is valid only until the consumer asks for the next one (sources reuse
   * buffers so that reading the next chunk overlaps hashing this one); copy it to keep it. Ending the
   * iteration early (`break`, `return()`) releases the underlying file or connection.
   */
  chunks: AsyncIterable<Uint8Array>;
}

export interface OpenOptions {
  signal: AbortSignal;
  /**
   * Read at most this many bytes. The engine passes the descriptor's size + 1, so a longer blob is
   * detected after one extra byte instead of being read to its end. A source may deliver fewer.
   */
  maxBytes: number;
}

/** The root files a source may hold: a layout's, and a `docker save` tarball's. */
export type RootFileName = 'oci-layout' | 'index.json' | 'manifest.json' | 'repositories';

/** A root file as read: its bytes (at most the `maxBytes` asked for) and where it is. */
export interface RootFile extends ContentOrigin {
  /** The file's whole length. */
  size: number;
  /** When it was last changed (milliseconds since the epoch), when the source knows: for caches. */
  modified?: number;
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Why a root file cannot be used although something is there: a phrase that follows the file's name, e.g.
 * `is a symbolic link that leads outside the layout, so it was not read`.
 */
export interface RootFileProblem {
  problem: string;
}

/** One thing a source holds, found by {@link ContentSource.list}. */
export interface SourceEntry {
  /** Relative to the source's root, with `/`: `blobs/sha256/<hex>`, `blobs/stray-file`, `blobs/SHA256`. */
  path: string;
  /**
   * `file`: content that can be read (a regular file, or a link that stays where the source allows);
   * `directory`: a folder (listed entries below it follow it); `refused`: something that is never read (a
   * link leaving the source, a dangling link, a FIFO, a socket, a device), with `problem` saying why.
   */
  type: 'file' | 'directory' | 'refused';
  /** The length of a `file`. */
  size?: number;
  /** When it was last changed (milliseconds since the epoch), when the source knows: for caches. */
  modified?: number;
  /** For `refused`: a phrase following the entry's path, e.g. `is a FIFO (named pipe), not a regular file`. */
  problem?: string;
}

export interface ListOptions {
  signal: AbortSignal;
  /** Stop after this many entries (the listing is then incomplete). */
  maxEntries: number;
}

/** Why a source could not deliver a blob that may exist. */
export type BlobErrorReason =
  /** The source refuses to read it (a special file, a symlink leaving the layout, an unsafe digest). */
  | 'refused'
  /** Network or file-system failure (connection refused, DNS, EACCES, TLS). */
  | 'io'
  /** No answer in time. */
  | 'timeout'
  /** The registry refused the credentials, or the token flow failed. */
  | 'auth'
  /** The registry answered something unexpected (5xx, a redirect to plain HTTP, a bad token answer). */
  | 'protocol';

/** Thrown by a source; `message` is a full sentence fit for users (never holds credentials). */
export class BlobSourceError extends Error {
  constructor(
    readonly reason: BlobErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'BlobSourceError';
  }
}

/**
 * A place content can be read from, by digest. `stat` and `open` resolve to undefined when the source
 * does not have the blob (404, no such file), and throw a {@link BlobSourceError} when it may have it but
 * cannot deliver it. Every method honours its signal: an aborted signal stops reads promptly.
 */
export interface ContentSource {
  /** `layout`, `archive`, `registry`, `data`, or another short word, for results and summaries. */
  readonly name: string;
  /** A phrase for messages, e.g. `the OCI layout at /img` or `registry 127.0.0.1:5000/app`. */
  readonly label: string;
  /**
   * `partial`: the source may lack blobs its documents name, which an external store provides (an OCI
   * layout, image-layout.md: "The blobs directory MAY be missing referenced blobs"); a blob missing from it
   * is a warning. `complete`: it must hold everything its documents name (a registry); missing is an error.
   * Undefined for sources that are no store of their own (a descriptor's embedded data).
   */
  readonly completeness?: 'partial' | 'complete';
  /**
   * True when `open` learns the content's length without reading any of it (a file: `fstat`), so a reader
   * opens at once instead of asking `stat` first; a registry leaves it out (a HEAD spares a GET).
   */
  readonly openTellsSize?: boolean;
  stat(ref: BlobRef, signal: AbortSignal): Promise<BlobStat | undefined>;
  open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined>;
  /**
   * Where a piece is or would be, without looking (for links and messages): a blob by its digest, or anything
   * by its path relative to the source's root (`index.json`, `blobs/stray`; `''` for the source itself).
   */
  describe?(piece: { digest: string } | { path: string }): ContentOrigin | undefined;
  /** One of the source's root files: undefined when it is not there. */
  readRoot?(
    name: RootFileName,
    options: { signal: AbortSignal },
  ): Promise<RootFile | RootFileProblem | undefined>;
  /** Everything the source holds below its root, as far as `maxEntries`, in a stable order. */
  list?(options: ListOptions): AsyncIterable<SourceEntry>;
  /** Releases what the source holds open (connections, files). */
  close?(): void;
  /**
   * Sentences about parts of the source that are never read (an archive's member named `../x`, a name that
   * appears twice), for reports; each is a full sentence naming the source.
   */
  readonly issues?: readonly string[];
}

/** An incremental hash. `digest()` returns lowercase hex and is called once. */
export interface Hasher {
  update(chunk: Uint8Array): void;
  digest(): string;
}

/** Makes a hasher for a registered algorithm (may be async, e.g. to instantiate WebAssembly). */
export type HasherFactory = (algorithm: RegisteredAlgorithm) => Hasher | Promise<Hasher>;

/**
 * The pure default: SHA-256/512 from node:crypto (hardware-accelerated), BLAKE3 from @noble/hashes
 * (pure JavaScript, slow: the node side injects a WebAssembly one for large blobs).
 */
export const defaultHasherFactory: HasherFactory = (algorithm) => {
  if (algorithm === 'blake3') {
    const h = blake3.create({ dkLen: 32 });
    return { update: (c) => void h.update(c), digest: () => bytesToHex(h.digest()) };
  }
  const h = createHash(algorithm);
  return { update: (c) => void h.update(c), digest: () => h.digest('hex') };
};

/**
 * Reads a whole stream of at most `max` bytes into one buffer sized to what arrives (`sizeHint`, when
 * given, sizes it up front). Returns undefined when the stream is longer than `max` (reading stops there).
 */
export async function readAll(
  chunks: AsyncIterable<Uint8Array>,
  max: number,
  sizeHint?: number,
): Promise<Uint8Array | undefined> {
  let buf = new Uint8Array(Math.min(max, Math.max(0, sizeHint ?? 0)));
  let n = 0;
  for await (const chunk of chunks) {
    if (n + chunk.length > max) return undefined;
    if (n + chunk.length > buf.length) {
      const next = new Uint8Array(Math.min(max, Math.max(n + chunk.length, buf.length * 2)));
      next.set(buf.subarray(0, n));
      buf = next;
    }
    buf.set(chunk, n);
    n += chunk.length;
  }
  return buf.subarray(0, n);
}

/** Decodes base64 that is canonical standard base64, or undefined (decoders disagree on the rest). */
function decodeData(s: string | undefined): Uint8Array | undefined {
  if (s === undefined || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  // Round-trip to refuse non-canonical text, which decoders disagree on.
  return bytes.toString('base64') === s ? bytes : undefined;
}

/**
 * The descriptor's own `data` field as a source. Data that is not canonical standard base64 is treated
 * as absent (the `oci/data-encoding` check reports it while typing). It holds nothing else, so it neither
 * lists nor has root files.
 */
export function embeddedDataSource(): ContentSource {
  return {
    name: 'data',
    label: "the descriptor's embedded data",
    stat: async (ref) => {
      const b = decodeData(ref.data);
      return b ? { size: b.length, where: 'data' } : undefined;
    },
    open: async (ref, { maxBytes }) => {
      const b = decodeData(ref.data);
      if (!b) return undefined;
      const out = b.subarray(0, Math.min(b.length, maxBytes));
      return {
        size: b.length,
        where: 'data',
        chunks: (async function* () {
          yield out;
        })(),
      };
    },
  };
}
