/**
 * What deep analysis learns about a layer from its bytes, and the shape of the analyser the verification engine
 * is given (core/verify/verify.ts `VerifierOptions.analyzeLayer`). The analyser itself decompresses, so it lives
 * on the Node side (server/src/node/layer/analyze.ts `analyzeLayer`); the core only states what it returns.
 */
import type { RegisteredAlgorithm } from '../digest';
import type { LayerCompression } from './compression';
import type { HygieneResult, LayerHygieneOptions } from './hygiene';

/** What the layer's tar holds and how it ended. */
export interface TarFacts extends HygieneResult {
  /** True when the whole uncompressed stream parsed as a tar (whatever the hygiene findings). */
  valid: boolean;
  /** Why not: the tar's own problem with its offset, or that decompression stopped. */
  error?: string;
  /** It ended with zero blocks (the standard end), rather than simply stopping at a member boundary. */
  endMarker: boolean;
  /** Bytes after the end marker, and how many of them were not zero (tar readers ignore them). */
  trailingBytes: number;
  trailingNonZero: number;
}

export interface LayerAnalysis {
  /** `<alg>:<hex>` of the bytes as stored: compare with the descriptor's digest. */
  compressedDigest: string;
  compressedSize: number;
  /** From the first bytes: compare with what the media type says (`compressionOfMediaType`). */
  compression: LayerCompression;
  /** For `unknown`: what the bytes look like instead (`xz`, `bzip2`, `empty`, `not a tar`). */
  compressionDetail?: string;
  /** `<alg>:<hex>` of the uncompressed tar: compare with the config's `rootfs.diff_ids[i]`. Absent when it could not be decompressed. */
  diffId?: string;
  /** Bytes decompressed (all of them when `diffId` is present). */
  uncompressedSize?: number;
  /** Why decompression failed or stopped, as a full sentence. */
  decompressError?: string;
  /** The tar's facts, when there was a tar to read (partial when decompression stopped). */
  tarFacts?: TarFacts;
}

export interface AnalyzeLayerOptions {
  signal?: AbortSignal;
  /** Algorithm of the compressed digest: the descriptor's (default sha256). */
  algorithm?: RegisteredAlgorithm;
  /** Algorithm of the diff_id (default sha256, which is what image configs use). */
  diffIdAlgorithm?: RegisteredAlgorithm;
  /** Stop decompressing beyond this many bytes (default: no limit); `decompressError` then says so. */
  maxUncompressedBytes?: number;
  hygiene?: LayerHygieneOptions;
}

/**
 * Analyses a layer from its compressed bytes in one pass (each chunk is used before the next is requested).
 * Rejects only when the stream fails or the signal is aborted.
 */
export type LayerAnalyzer = (
  chunks: AsyncIterable<Uint8Array>,
  options?: AnalyzeLayerOptions,
) => Promise<LayerAnalysis>;
