/**
 * Where blob content comes from, and how it is hashed: the two things the verification engine needs
 * from outside. Implementations that touch the file system or the network live in server/src/node/verify/.
 */
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Buffer } from 'node:buffer';
import type { RegisteredAlgorithm } from '../digest';

/** What the engine asks a source for: one descriptor's content. */
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
}

/** What a source knows about a blob before reading it. */
export interface BlobStat {
  /** The content length, when the source knows it without reading (a file's size, `Content-Length`). */
  size?: number;
  /** Where the content is, for messages: a layout-relative path or a URL. Never holds credentials. */
  where: string;
}

/** An open blob: its announced length (when known) and its bytes. */
export interface BlobContent {
  /** The length the source announces (file size, `Content-Length`); may differ from what it delivers. */
  size?: number;
  where: string;
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
 * A place blobs can be read from. `stat` and `open` resolve to undefined when the source does not
 * have the blob (404, no such file), and throw a `BlobSourceError` when it may have it but cannot
 * deliver it. Both must honour the signal: an aborted signal stops reads promptly.
 */
export interface BlobSource {
  /** `data`, `layout`, `registry`, or another short word, for results and summaries. */
  readonly name: string;
  /** A phrase for messages, e.g. `the OCI layout at /img` or `registry 127.0.0.1:5000/app`. */
  readonly label: string;
  stat(ref: BlobRef, signal: AbortSignal): Promise<BlobStat | undefined>;
  open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined>;
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
 * The descriptor's own `data` field as a source. Data that is not canonical standard base64 is treated
 * as absent (the `oci/data-encoding` check reports it while typing).
 */
export function embeddedDataSource(): BlobSource {
  const decode = (ref: BlobRef): Uint8Array | undefined => {
    const s = ref.data;
    if (s === undefined || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
    const bytes = Buffer.from(s, 'base64');
    // Round-trip to refuse non-canonical text, which decoders disagree on.
    return bytes.toString('base64') === s ? bytes : undefined;
  };
  return {
    name: 'data',
    label: "the descriptor's embedded data",
    stat: async (ref) => {
      const b = decode(ref);
      return b ? { size: b.length, where: 'data' } : undefined;
    },
    open: async (ref, { maxBytes }) => {
      const b = decode(ref);
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
