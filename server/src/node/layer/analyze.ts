/**
 * Deep layer analysis in ONE streaming pass over a layer's compressed bytes: the compressed digest (what the
 * descriptor's `digest` names), the compression sniffed from the first bytes, the bytes decompressed (gzip by
 * node:zlib, zstd by ./zstd.ts), the digest of the uncompressed tar (what the config's `rootfs.diff_ids[i]`
 * names) and the tar's headers parsed as they stream past for the facts image-spec layer.md states
 * (core/layer/hygiene.ts). Memory does not grow with the layer: every stage works chunk by chunk.
 *
 * Work overlaps on two cores: gzip is inflated on libuv's thread pool while the main thread hashes the
 * compressed chunk it just handed over and the uncompressed output of the previous step (queued to a
 * microtask, so that zlib's next step is dispatched before the hashing starts), and the source reads its next
 * chunk meanwhile. zstd (WebAssembly) decodes on the main thread.
 *
 * A stream that cannot be decompressed, or a tar that does not parse, is a result (`decompressError`,
 * `tarFacts.error`), not an exception: the compressed digest is still computed to the end, because it is
 * what a verifier compares first. Exceptions are for the source failing and for cancellation.
 *
 * For `verify --deep`: open the layer from any content source (`chunks` of `ContentSource.open`, with `maxBytes` at
 * the descriptor's size + 1) and compare `compressedDigest` with the descriptor's `digest`, `compression` with
 * `compressionOfMediaType(descriptor.mediaType)` (core/layer/compression.ts), and `diffId` with the config's
 * `rootfs.diff_ids[i]`; `tarFacts.findings` carry a rule name and a severity to map to rule codes.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import { SNIFF_BYTES, sniffCompression } from '../../core/layer/compression';
import type { AnalyzeLayerOptions, LayerAnalysis, LayerAnalyzer, TarFacts } from '../../core/layer/analysis';
import { LayerHygiene, type LayerHygieneOptions } from '../../core/layer/hygiene';
import { TarError } from '../../core/tar/header';
import { TarParser } from '../../core/tar/parser';
import { cancelled } from '../../core/tar/table';
import type { Hasher } from '../../core/content/source';
import { nodeHasherFactory } from '../verify/hash';
import { createZstdDecoder, type ZstdDecoder } from './zstd';

/** Output size per inflate step on the thread pool (measured: 1 MiB beats zlib's default 16 KiB by ~20%). */
const GZIP_OUT_CHUNK = 1 << 20;
/** zstd input per synchronous step; between steps the event loop runs (cancellation, other requests). */
const ZSTD_STEP = 256 * 1024;

class LimitError extends Error {}

/** A tar problem as one sentence: "The uncompressed layer is not a valid tar (the tar ends inside …)." */
const tarProblem = (err: TarError): string =>
  `The uncompressed layer is not a valid tar (${err.message[0]!.toLowerCase()}${err.message.slice(1).replace(/\.$/, '')}).`;

/** Where uncompressed bytes go: the diff_id hash, the byte count and the tar header parser. */
class Uncompressed {
  size = 0;
  private parser: TarParser | undefined;
  private readonly hygiene: LayerHygiene;
  private tarError: string | undefined;

  constructor(
    private readonly hash: Hasher | undefined,
    hygiene: LayerHygieneOptions | undefined,
    private readonly max: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.hygiene = new LayerHygiene(hygiene);
    this.parser = new TarParser((e) => this.hygiene.add(e));
  }

  readonly write = (bytes: Uint8Array): void => {
    if (this.signal?.aborted) throw cancelled();
    this.size += bytes.length;
    if (this.size > this.max)
      throw new LimitError(
        `The layer decompresses to more than ${this.max} bytes, the limit; decompression stopped there.`,
      );
    this.hash?.update(bytes);
    if (!this.parser) return;
    try {
      this.parser.push(bytes);
    } catch (err) {
      if (!(err instanceof TarError)) throw err;
      this.tarError = tarProblem(err);
      this.parser = undefined;
    }
  };

  /** The diff_id's hex (when this sink hashes). */
  digest(): string {
    return this.hash!.digest();
  }

  facts(stopped: string | undefined): TarFacts {
    let end = { endMarker: false, trailingBytes: 0, trailingNonZero: 0 };
    let error = this.tarError;
    if (this.parser && stopped === undefined) {
      try {
        end = this.parser.end();
      } catch (err) {
        if (!(err instanceof TarError)) throw err;
        error = tarProblem(err);
      }
    }
    if (error === undefined && stopped !== undefined)
      error = 'The tar was not read to its end, because decompression stopped.';
    const facts: TarFacts = {
      ...this.hygiene.result(),
      valid: error === undefined,
      endMarker: end.endMarker,
      trailingBytes: end.trailingBytes,
      trailingNonZero: end.trailingNonZero,
    };
    if (error !== undefined) facts.error = error;
    return facts;
  }
}

/** A decompressor fed chunk by chunk; `failure` is set (and input ignored) once the stream cannot be decoded. */
interface Decoder {
  /** Resolves when the chunk has been consumed (its buffer may then be reused). */
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
  readonly failure: string | undefined;
  dispose(): void;
}

function failureText(err: unknown, format: 'gzip' | 'zstd', produced: number): string {
  if (err instanceof LimitError) return err.message;
  const m = err instanceof Error ? err.message : String(err);
  if (format === 'zstd') return m;
  // zlib's messages are terse ("incorrect header check", "unexpected end of file"): say where.
  return `The gzip stream cannot be decompressed: ${m}${produced > 0 ? ` (after ${produced} bytes of output)` : ''}.`;
}

function gzipDecoder(out: Uncompressed): Decoder {
  const z: Gunzip = createGunzip({ chunkSize: GZIP_OUT_CHUNK });
  let failure: string | undefined;
  let fatal: unknown;
  let queue: Uint8Array[] = [];
  let scheduled = false;
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const fail = (err: unknown): void => {
    if (failure === undefined && fatal === undefined) {
      if (err instanceof Error && err.name === 'AbortError') fatal = err;
      else failure = failureText(err, 'gzip', out.size);
    }
    queue = [];
    z.destroy();
    settle();
  };
  // Hash after zlib has dispatched its next step: each output buffer is zlib's own (never reused).
  const drain = (): void => {
    scheduled = false;
    const q = queue;
    queue = [];
    try {
      for (const b of q) out.write(b);
    } catch (err) {
      if (!(err instanceof LimitError) && !(err instanceof Error && err.name === 'AbortError')) fatal = err;
      fail(err);
    }
  };
  z.on('data', (b: Buffer) => {
    if (failure !== undefined || fatal !== undefined) return;
    queue.push(b);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(drain);
    }
  });
  z.once('end', () => settle());
  // What zlib produced before the error is hashed first, so that the message can say how far it got.
  z.once('error', (err) => {
    if (scheduled) drain();
    fail(err);
  });
  return {
    write: (chunk) =>
      failure !== undefined || fatal !== undefined
        ? Promise.resolve()
        : Promise.race([new Promise<void>((resolve) => z.write(chunk, () => resolve())), finished]),
    end: async () => {
      if (failure === undefined && fatal === undefined) z.end();
      await finished;
      if (failure === undefined && fatal === undefined) drain();
      if (fatal !== undefined) throw fatal;
    },
    get failure() {
      return failure;
    },
    dispose: () => z.destroy(),
  };
}

function zstdDecoder(out: Uncompressed, decoder: ZstdDecoder): Decoder {
  let failure: string | undefined;
  const guard = (step: () => void): void => {
    if (failure !== undefined) return;
    try {
      step();
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') throw err;
      if (!(err instanceof LimitError) && !(err instanceof Error && err.name === 'ZstdError')) throw err;
      failure = failureText(err, 'zstd', out.size);
    }
  };
  return {
    write: async (chunk) => {
      for (let off = 0; off < chunk.length && failure === undefined; off += ZSTD_STEP) {
        guard(() => decoder.push(chunk.subarray(off, off + ZSTD_STEP), out.write));
        if (off + ZSTD_STEP < chunk.length) await new Promise((r) => setImmediate(r));
      }
    },
    end: async () => guard(() => decoder.finish()),
    get failure() {
      return failure;
    },
    dispose: () => decoder.dispose(),
  };
}

/** Concatenates small first chunks (copied: a source may reuse its buffers). */
function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Analyses a layer from its compressed bytes (`chunks`: e.g. a layout's or an archive's blob stream; each
 * chunk is used before the next is requested, so a source may reuse its buffers). Throws only when the
 * source fails or `signal` is aborted (an `AbortError`).
 */
export type { AnalyzeLayerOptions, LayerAnalysis, TarFacts } from '../../core/layer/analysis';

export const analyzeLayer: LayerAnalyzer = async function analyzeLayer(
  chunks: AsyncIterable<Uint8Array>,
  options: AnalyzeLayerOptions = {},
): Promise<LayerAnalysis> {
  const { signal } = options;
  const algorithm = options.algorithm ?? 'sha256';
  const diffIdAlgorithm = options.diffIdAlgorithm ?? 'sha256';
  const compressedHash = await nodeHasherFactory(algorithm);
  const it = chunks[Symbol.asyncIterator]();
  let decoder: Decoder | undefined;
  try {
    // The first bytes decide the compression.
    const firstParts: Uint8Array[] = [];
    let firstLength = 0;
    let done = false;
    let first: Uint8Array | undefined;
    while (firstLength < SNIFF_BYTES) {
      if (signal?.aborted) throw cancelled();
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      if (firstLength === 0 && r.value.length >= SNIFF_BYTES) {
        first = r.value;
        firstLength = first.length;
        break;
      }
      firstParts.push(r.value.slice());
      firstLength += r.value.length;
    }
    first ??= concat(firstParts, firstLength);
    const sniffed = sniffCompression(first);
    const compression = sniffed.compression;

    // With no compression the tar's digest is the blob's: hash once when the algorithms agree.
    const sameHash = compression === 'none' && diffIdAlgorithm === algorithm;
    const decoded =
      compression === 'unknown'
        ? undefined
        : new Uncompressed(
            sameHash ? undefined : await nodeHasherFactory(diffIdAlgorithm),
            options.hygiene,
            options.maxUncompressedBytes ?? Number.MAX_SAFE_INTEGER,
            signal,
          );
    if (decoded && compression === 'gzip') decoder = gzipDecoder(decoded);
    else if (decoded && compression === 'zstd') decoder = zstdDecoder(decoded, await createZstdDecoder());

    let compressedSize = 0;
    let plainFailure: string | undefined;
    const feed = async (chunk: Uint8Array): Promise<void> => {
      compressedSize += chunk.length;
      if (decoder) {
        // Hand the chunk to the decoder first, so that inflating (thread pool) and hashing overlap.
        const consumed = decoder.write(chunk);
        compressedHash.update(chunk);
        await consumed;
      } else {
        compressedHash.update(chunk);
        if (decoded && plainFailure === undefined) {
          try {
            decoded.write(chunk);
          } catch (err) {
            if (!(err instanceof LimitError)) throw err;
            plainFailure = err.message;
          }
        }
      }
    };
    if (first.length > 0) await feed(first);
    while (!done) {
      if (signal?.aborted) throw cancelled();
      const r = await it.next();
      if (r.done) break;
      await feed(r.value);
    }
    if (decoder) await decoder.end();
    if (signal?.aborted) throw cancelled();

    const compressedDigest = `${algorithm}:${compressedHash.digest()}`;
    const result: LayerAnalysis = { compressedDigest, compressedSize, compression };
    if (sniffed.detail !== undefined) result.compressionDetail = sniffed.detail;
    if (!decoded) return result;
    const failure = decoder?.failure ?? plainFailure;
    result.uncompressedSize = decoded.size;
    if (failure === undefined)
      result.diffId = sameHash ? compressedDigest : `${diffIdAlgorithm}:${decoded.digest()}`;
    else result.decompressError = failure;
    result.tarFacts = decoded.facts(failure);
    return result;
  } catch (err) {
    await it.return?.().catch(() => undefined);
    throw err;
  } finally {
    decoder?.dispose();
  }
};
