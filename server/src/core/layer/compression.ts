/**
 * A layer's compression, from its first bytes and from its media type, so that a gzip blob labelled zstd
 * (or a plain tar labelled gzip) can be told apart. Magic numbers: gzip `1f 8b` (RFC 1952), a zstd frame
 * `28 b5 2f fd` or a zstd skippable frame `5? 2a 4d 18` (RFC 8878), and a tar by `ustar` at offset 257 or,
 * for pre-POSIX tars, a first header whose checksum matches (an empty tar starts with a zero block).
 */
import { BLOCK_SIZE, checksumMatches, compressedFormat, hasTarMagic, isZeroBlock } from '../tar/header';

export type LayerCompression = 'gzip' | 'zstd' | 'none' | 'unknown';

/** Bytes `sniffCompression` wants to decide (fewer are fine at the end of a short blob). */
export const SNIFF_BYTES = BLOCK_SIZE;

export interface Sniffed {
  compression: LayerCompression;
  /** For `unknown`: what the bytes look like, for messages (`xz`, `bzip2`, `empty`, `not a tar`). */
  detail?: string;
}

/** Decides the compression from the first bytes of a blob (at least `SNIFF_BYTES`, or all of a shorter blob). */
export function sniffCompression(first: Uint8Array): Sniffed {
  if (first.length === 0) return { compression: 'unknown', detail: 'empty' };
  const c = compressedFormat(first);
  if (c === 'gzip' || c === 'zstd') return { compression: c };
  if (c) return { compression: 'unknown', detail: c };
  if (first.length >= BLOCK_SIZE && (isZeroBlock(first, 0) || checksumMatches(first, 0)))
    return { compression: 'none' };
  if (hasTarMagic(first)) return { compression: 'none' };
  return { compression: 'unknown', detail: 'not a tar' };
}

/**
 * The compression a layer media type announces: `+gzip`/`.tar.gzip` → gzip, `+zstd`/`.tar.zstd` → zstd, a plain
 * `.tar` layer → none. Undefined for anything else, encrypted layers included (their bytes are ciphertext).
 */
export function compressionOfMediaType(mediaType: string): Exclude<LayerCompression, 'unknown'> | undefined {
  const mt = mediaType.trim().toLowerCase();
  const layer =
    mt.startsWith('application/vnd.oci.image.layer.') ||
    mt.startsWith('application/vnd.docker.image.rootfs.') ||
    mt === 'application/tar' ||
    mt === 'application/tar+gzip' ||
    mt === 'application/x-tar';
  if (!layer || mt.includes('encrypted')) return undefined;
  if (/[+.]gzip$/.test(mt)) return 'gzip';
  if (/[+.]zstd$/.test(mt)) return 'zstd';
  if (/[./-]tar$/.test(mt)) return 'none';
  return undefined;
}
