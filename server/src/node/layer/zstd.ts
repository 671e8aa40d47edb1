/**
 * Streaming zstd decompression for Node 20 and VS Code's extension host, whose zlib has no zstd: the
 * reference C decoder (zstd 1.5.7) compiled to WebAssembly, as shipped by the npm package `zstddec`
 * (MIT wrapper, BSD-3-Clause zstd; no native build, no download at install; about 85 KB in the bundle).
 *
 * zstddec's own streaming loop neither checks zstd's error codes (a corrupt stream can loop forever) nor
 * takes input that arrives asynchronously, so this module drives the same WebAssembly exports itself:
 * `ZSTD_decompressStream` over one input and one output buffer in the module's memory, every return value
 * checked, output handed to the consumer as a view (no copy) that is valid until the next call. The decoder
 * keeps zstd's default window limit (128 MiB), so a frame asking for more is refused instead of growing
 * memory; multi-frame streams and skippable frames (zstd:chunked) are decoded as zstd does. The frame's
 * content checksum, when present, is verified by zstd.
 *
 * The exports are captured through `ZSTDDecoder#_init`, which the package declares in its typings; the
 * version is pinned in package.json, and the zstd tests in test/layer/analyze.test.ts exercise the capture.
 */
import { ZSTDDecoder } from 'zstddec/stream';

interface ZstdExports {
  memory: { readonly buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  ZSTD_createDCtx(): number;
  ZSTD_freeDCtx(dctx: number): number;
  ZSTD_decompressStream(dctx: number, output: number, input: number): number;
}

let loading: Promise<ZstdExports> | undefined;

/** Instantiates the WebAssembly decoder once per process. */
function loadExports(): Promise<ZstdExports> {
  loading ??= (async () => {
    const decoder = new ZSTDDecoder();
    type Instantiated = Parameters<ZSTDDecoder['_init']>[0];
    let captured: { instance: { exports: unknown } } | undefined;
    const init = decoder._init.bind(decoder);
    decoder._init = (result: Instantiated) => {
      captured = result as { instance: { exports: unknown } };
      init(result);
    };
    await decoder.init();
    if (!captured)
      throw new Error(
        'The zstd WebAssembly decoder was initialised elsewhere; its exports are not available.',
      );
    return captured.instance.exports as unknown as ZstdExports;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** zstd error codes (zstd_errors.h) that a stream can produce, as the end of a sentence. */
const ZSTD_ERRORS: Record<number, string> = {
  10: 'does not start with a zstd frame (unknown frame magic)',
  12: 'uses a zstd format version this decoder does not know',
  14: 'has a frame parameter this decoder does not support',
  16: 'has a frame that needs a window larger than 128 MiB, more than a decoder accepts by default (it was compressed with --long or an ultra level)',
  20: 'is corrupt',
  22: 'fails its content checksum: the decompressed bytes are not those that were compressed',
  24: 'is corrupt (a literals header is wrong)',
  30: 'needs a dictionary, which layers cannot carry',
  32: 'needs a dictionary, which layers cannot carry',
  64: 'needs more memory than the decoder could get',
};

/** A zstd stream that cannot be decoded; `message` is a full sentence. */
export class ZstdError extends Error {
  constructor(
    message: string,
    /** zstd's error code, when zstd reported one. */
    readonly zstdCode?: number,
  ) {
    super(message);
    this.name = 'ZstdError';
  }
}

/** Bytes copied into the decoder per call, and the output buffer per call. */
const IN_SIZE = 1 << 20;
const OUT_SIZE = 1 << 20;
/** size_t results above this are error codes (ZSTD_isError: result > (size_t)-ZSTD_error_maxCode). */
const ERROR_FLOOR = 0x1_0000_0000 - 120;

/** One zstd stream being decoded. Create with `createZstdDecoder`; always `dispose()` it. */
export class ZstdDecoder {
  private readonly dctx: number;
  private readonly inBuf: number;
  private readonly outBuf: number;
  /** ZSTD_inBuffer and ZSTD_outBuffer structs: { ptr, size, pos } as three 32-bit words each. */
  private readonly inStruct: number;
  private readonly outStruct: number;
  /** zstd's last answer: 0 when the last frame is complete. */
  private last = 0;
  private consumed = 0;
  private frames = false;
  private disposed = false;

  /** @internal use `createZstdDecoder` */
  constructor(private readonly x: ZstdExports) {
    this.dctx = x.ZSTD_createDCtx();
    this.inBuf = x.malloc(IN_SIZE);
    this.outBuf = x.malloc(OUT_SIZE);
    this.inStruct = x.malloc(12);
    this.outStruct = x.malloc(12);
    if (!this.dctx || !this.inBuf || !this.outBuf || !this.inStruct || !this.outStruct) {
      this.dispose();
      throw new ZstdError('The zstd decoder could not allocate its buffers.');
    }
  }

  /**
   * Decodes `chunk` (any size), calling `sink` with each piece of output: a view into the decoder's memory,
   * valid only until `sink` returns. Throws `ZstdError` when the stream is corrupt.
   */
  push(chunk: Uint8Array, sink: (out: Uint8Array) => void): void {
    const x = this.x;
    for (let off = 0; off < chunk.length; off += IN_SIZE) {
      const piece = chunk.subarray(off, Math.min(chunk.length, off + IN_SIZE));
      new Uint8Array(x.memory.buffer).set(piece, this.inBuf);
      let words = new Uint32Array(x.memory.buffer);
      const i = this.inStruct >>> 2;
      words[i] = this.inBuf;
      words[i + 1] = piece.length;
      words[i + 2] = 0;
      const o = this.outStruct >>> 2;
      for (;;) {
        words[o] = this.outBuf;
        words[o + 1] = OUT_SIZE;
        words[o + 2] = 0;
        const ret = x.ZSTD_decompressStream(this.dctx, this.outStruct, this.inStruct) >>> 0;
        // The call may have grown the memory (the window is allocated at the first frame): new views.
        words = new Uint32Array(x.memory.buffer);
        if (ret > ERROR_FLOOR) {
          const code = 0x1_0000_0000 - ret;
          const at = this.consumed + off + words[i + 2]!;
          throw new ZstdError(
            `The zstd stream ${ZSTD_ERRORS[code] ?? `cannot be decoded (zstd error ${code})`} (near compressed byte ${at}).`,
            code,
          );
        }
        this.last = ret;
        this.frames = true;
        const produced = words[o + 2]!;
        if (produced > 0) sink(new Uint8Array(x.memory.buffer, this.outBuf, produced));
        // Done with this piece when all of it is read and zstd had room to flush everything it holds.
        if (words[i + 2]! >= piece.length && produced < OUT_SIZE) break;
      }
    }
    this.consumed += chunk.length;
  }

  /** Declares the end of the stream: throws `ZstdError` when it stopped inside a frame. */
  finish(): void {
    if (!this.frames) throw new ZstdError('The zstd stream is empty: it holds no frame.');
    if (this.last !== 0)
      throw new ZstdError(
        `The zstd stream ends inside a frame (after ${this.consumed} compressed bytes): it was cut short.`,
      );
  }

  /** Releases the decoder's memory (the module's memory keeps its size for the next stream). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const x = this.x;
    if (this.dctx) x.ZSTD_freeDCtx(this.dctx);
    for (const p of [this.inBuf, this.outBuf, this.inStruct, this.outStruct]) if (p) x.free(p);
  }
}

/** A decoder for one zstd stream (the WebAssembly module is loaded on first use). */
export async function createZstdDecoder(): Promise<ZstdDecoder> {
  return new ZstdDecoder(await loadExports());
}
