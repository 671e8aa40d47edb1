/**
 * Digests as image-spec/descriptor.md defines them: the `algorithm ":" encoded` grammar, the registered
 * algorithms and their encodings, computing a digest over bytes, and turning a digest into a safe
 * `blobs/<alg>/<encoded>` path. Pure: only `node:crypto` and `@noble/hashes`.
 */
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** The algorithms image-spec registers. */
export type RegisteredAlgorithm = 'sha256' | 'sha512' | 'blake3';

export interface AlgorithmInfo {
  /** The hash function's usual name, for messages. */
  name: string;
  /** The encoded portion is exactly this many lowercase hex characters. */
  hexLength: number;
}

/** The registered algorithms table (image-spec/descriptor.md#registered-algorithms). */
export const DIGEST_ALGORITHMS: Readonly<Record<RegisteredAlgorithm, AlgorithmInfo>> = {
  sha256: { name: 'SHA-256', hexLength: 64 },
  sha512: { name: 'SHA-512', hexLength: 128 },
  blake3: { name: 'BLAKE3', hexLength: 64 },
};

export const REGISTERED_ALGORITHMS = Object.keys(DIGEST_ALGORITHMS) as RegisteredAlgorithm[];

export function isRegisteredAlgorithm(algorithm: string): algorithm is RegisteredAlgorithm {
  return Object.prototype.hasOwnProperty.call(DIGEST_ALGORITHMS, algorithm);
}

/** `algorithm-component (algorithm-separator algorithm-component)*` */
const ALGORITHM = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
/** `[a-zA-Z0-9=_-]+` */
const ENCODED = /^[a-zA-Z0-9=_-]+$/;

/** 1 for every ASCII code that is not a lowercase hex digit, 0 for `0-9a-f`. */
const NOT_LOWER_HEX = new Uint8Array(128).fill(1);
for (const c of '0123456789abcdef') NOT_LOWER_HEX[c.charCodeAt(0)] = 0;

/**
 * True for the overwhelmingly common form, `sha256:` and 64 lowercase hex characters. Branch-free over the
 * hex: random digits and letters defeat branch prediction, which made a per-character test (or a regular
 * expression) about three times slower on a 10,000-entry index.
 */
export function isCanonicalSha256(value: string): boolean {
  if (value.length !== 71 || !value.startsWith('sha256:')) return false;
  let bad = 0;
  for (let i = 7; i < 71; i++) {
    const c = value.charCodeAt(i);
    bad |= NOT_LOWER_HEX[c & 127]! | (c >> 7);
  }
  return bad === 0;
}

const utf8 = new TextEncoder();
/** Scratch bytes for `areCanonicalSha256`, reused between calls (at most `BATCH_LIMIT`), and a word view of them. */
let batchBytes = new Uint8Array(0);
let batchWords = new Int32Array(0);
const BATCH_LIMIT = 1 << 20;
const SHA256_PREFIX = 'sha256:';

/**
 * True when `joined` is canonical sha256 digests (`sha256:` and 64 lowercase hex) written one after another.
 * One UTF-8 copy, then a check of each prefix, which is overwritten with hex digits, then a branch-free pass
 * over the copy four bytes at a time: on an index with many entries, much cheaper than reading each digest
 * with `charCodeAt`. False only says that some digest needs a closer look.
 */
export function areCanonicalSha256(joined: string): boolean {
  const total = joined.length;
  if (total === 0 || total % 71 !== 0 || total > BATCH_LIMIT) return false;
  if (batchBytes.length < total) {
    batchBytes = new Uint8Array((total + 3) & ~3);
    batchWords = new Int32Array(batchBytes.buffer);
  }
  const bytes = batchBytes;
  const { read, written } = utf8.encodeInto(joined, bytes);
  if (read !== total || written !== total) return false; // a character outside ASCII
  let bad = 0;
  for (let k = 0; k < total; k += 71) {
    for (let i = 0; i < 7; i++) {
      bad |= bytes[k + i]! ^ SHA256_PREFIX.charCodeAt(i);
      bytes[k + i] = 0x30; // "0", so that the word pass below reads only hex
    }
  }
  // Every byte is ASCII (below 0x80). With each byte's top bit set first, subtracting a constant from all four
  // lanes at once borrows across no lane, and a lane's top bit then says whether its byte was at least that
  // constant. A lane is lowercase hex when it is in [0x30, 0x3a) or [0x61, 0x67).
  const words = total >> 2;
  const w = batchWords;
  for (let i = 0; i < words; i++) {
    const x = w[i]! | 0x80808080;
    const digit = (x - 0x30303030) & ~(x - 0x3a3a3a3a);
    const letter = (x - 0x61616161) & ~(x - 0x67676767);
    bad |= ~(digit | letter) & 0x80808080;
  }
  for (let i = words << 2; i < total; i++) bad |= NOT_LOWER_HEX[bytes[i]!]!;
  return bad === 0;
}

export interface ParsedDigest {
  algorithm: string;
  encoded: string;
}

/** Splits a digest that matches the grammar; undefined when it does not (registered-algorithm rules aside). */
export function parseDigest(value: string): ParsedDigest | undefined {
  const colon = value.indexOf(':');
  if (colon < 0) return undefined;
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  return ALGORITHM.test(algorithm) && ENCODED.test(encoded) ? { algorithm, encoded } : undefined;
}

/** Why a digest string is not valid. */
export type DigestProblem =
  | 'path'
  | 'empty'
  | 'whitespace'
  | 'bare-hex'
  | 'no-colon'
  | 'empty-algorithm'
  | 'empty-encoded'
  | 'algorithm-case'
  | 'algorithm'
  | 'encoded'
  | 'hex-chars'
  | 'hex-length'
  | 'hex-case';

export type DigestVerdict =
  | { ok: true; algorithm: string; encoded: string; registered: boolean }
  | {
      ok: false;
      problem: DigestProblem;
      /** The explanation, to follow the value in a sentence: `has uppercase hex; …`. No final period. */
      explanation: string;
      /** The corrected digest, when the intended value is certain. */
      replacement?: string;
    };

const q = (s: string): string => JSON.stringify(s);

/** Cheap normalisation for a quick-fix: trim, lowercase a registered digest. Valid result or undefined. */
function normalized(value: string): string | undefined {
  let v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) v = `sha256:${v}`;
  const colon = v.indexOf(':');
  if (colon < 0) return undefined;
  const algorithm = v.slice(0, colon).toLowerCase();
  let encoded = v.slice(colon + 1);
  if (isRegisteredAlgorithm(algorithm)) encoded = encoded.toLowerCase();
  const out = `${algorithm}:${encoded}`;
  const verdict = validateDigest(out);
  return verdict.ok ? out : undefined;
}

/** The first character of `s` outside `allowed`, for messages. */
function firstOutside(s: string, allowed: RegExp): string | undefined {
  for (const ch of s) if (!allowed.test(ch)) return ch;
  return undefined;
}

/**
 * Validates a digest string against the grammar and, for registered algorithms, their encodings.
 * Problems are reported in order of usefulness: a path-like value first, then the overall shape, then the parts.
 */
export function validateDigest(value: string): DigestVerdict {
  if (isCanonicalSha256(value))
    return { ok: true, algorithm: 'sha256', encoded: value.slice(7), registered: true };
  const bad = (problem: DigestProblem, explanation: string, replacement?: string): DigestVerdict =>
    replacement === undefined
      ? { ok: false, problem, explanation }
      : { ok: false, problem, explanation, replacement };

  const pathChar =
    ['/', '\\', '\u0000'].find((c) => value.includes(c)) ?? (value.includes('..') ? '..' : undefined);
  if (pathChar !== undefined) {
    const shown = pathChar === '\u0000' ? 'a NUL character' : q(pathChar);
    return bad(
      'path',
      `contains ${shown}, which would let it escape the blobs/<algorithm>/ directory when the digest is used as a file path (a path-traversal attempt); a digest is "<algorithm>:<encoded>" using only lowercase letters, digits and "+._-" in the algorithm and letters, digits and "=_-" in the encoded part`,
    );
  }
  if (value === '')
    return bad(
      'empty',
      'is empty; a digest is "<algorithm>:<encoded>", e.g. "sha256:" followed by 64 lowercase hex characters',
    );
  if (value.trim() !== value) {
    return bad(
      'whitespace',
      'has leading or trailing whitespace, which is not part of any digest',
      normalized(value),
    );
  }
  const colon = value.indexOf(':');
  if (colon < 0) {
    if (/^[0-9a-fA-F]{64}$/.test(value)) {
      const fixed = `sha256:${value.toLowerCase()}`;
      return bad(
        'bare-hex',
        `has no algorithm prefix; a 64-hex-character SHA-256 digest is written ${q(fixed)}`,
        fixed,
      );
    }
    if (/^[0-9a-fA-F]{128}$/.test(value)) {
      const fixed = `sha512:${value.toLowerCase()}`;
      return bad(
        'bare-hex',
        `has no algorithm prefix; a 128-hex-character SHA-512 digest is written ${q(fixed)}`,
        fixed,
      );
    }
    return bad(
      'no-colon',
      'has no ":"; a digest is "<algorithm>:<encoded>", e.g. "sha256:" followed by 64 lowercase hex characters',
    );
  }
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  if (algorithm === '')
    return bad(
      'empty-algorithm',
      'has no algorithm before ":"; use e.g. "sha256:<64 lowercase hex characters>"',
    );
  if (encoded === '')
    return bad('empty-encoded', `has nothing after ${q(`${algorithm}:`)}; the encoded hash is missing`);
  if (!ALGORITHM.test(algorithm)) {
    const lower = algorithm.toLowerCase();
    if (lower !== algorithm && ALGORITHM.test(lower)) {
      return bad(
        'algorithm-case',
        `has the algorithm ${q(algorithm)} in uppercase; algorithms are lowercase, e.g. "${lower}"`,
        normalized(value),
      );
    }
    const ch = firstOutside(algorithm, /[a-z0-9+._-]/);
    return bad(
      'algorithm',
      ch !== undefined
        ? `has ${q(ch)} in the algorithm ${q(algorithm)}; algorithms use only lowercase letters, digits and the separators "+", ".", "_", "-"`
        : `has the algorithm ${q(algorithm)}, which starts, ends or doubles a separator; separators ("+._-") go only between lowercase letters and digits`,
    );
  }
  if (!ENCODED.test(encoded)) {
    const ch = firstOutside(encoded, /[a-zA-Z0-9=_-]/)!;
    const shown = ch === ':' ? '":" (a digest has exactly one)' : q(ch);
    return bad(
      'encoded',
      `has ${shown} in the encoded part; it may contain only letters, digits, "=", "_" and "-"`,
    );
  }
  if (!isRegisteredAlgorithm(algorithm)) return { ok: true, algorithm, encoded, registered: false };

  const { hexLength } = DIGEST_ALGORITHMS[algorithm];
  const rule = `${algorithm} digests are ${hexLength} lowercase hex characters`;
  if (!/^[0-9a-fA-F]+$/.test(encoded)) {
    const ch = firstOutside(encoded, /[0-9a-fA-F]/)!;
    return bad('hex-chars', `has ${q(ch)}, which is not a hex digit; ${rule}`);
  }
  if (encoded.length !== hexLength) {
    let hint = '';
    const other = REGISTERED_ALGORITHMS.find(
      (a) => a !== algorithm && DIGEST_ALGORITHMS[a].hexLength === encoded.length,
    );
    if (other && other !== 'blake3')
      hint = ` (that is the length of ${other}; is the algorithm prefix wrong?)`;
    else if (encoded.length === 40)
      hint = ' (that is the length of SHA-1, which is not a registered algorithm)';
    return bad(
      'hex-length',
      `has ${encoded.length} hex characters after ${q(`${algorithm}:`)}; ${rule}${hint}`,
    );
  }
  if (encoded !== encoded.toLowerCase()) {
    const fixed = `${algorithm}:${encoded.toLowerCase()}`;
    return bad('hex-case', `has uppercase hex; ${rule}: ${q(fixed)}`, fixed);
  }
  return { ok: true, algorithm, encoded, registered: true };
}

/** Computes `<alg>:<lowercase hex>` over `bytes` (BLAKE3 with its 256-bit output, as the spec requires). */
export function computeDigest(algorithm: RegisteredAlgorithm, bytes: Uint8Array): string {
  switch (algorithm) {
    case 'sha256':
    case 'sha512':
      return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    case 'blake3':
      return `blake3:${bytesToHex(blake3(bytes, { dkLen: 32 }))}`;
  }
}

/** Device names Windows reserves in every directory, with or without an extension. */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?$/i;
/** Longest file name most file systems accept. */
const MAX_NAME = 255;

/**
 * True when `digest` can name a file under `blobs/<alg>/<encoded>` without leaving that directory or
 * hitting a special name: it matches the grammar (so it has no "/", "\", "..", NUL or ":" in either part),
 * neither part is a Windows device name, and neither is longer than a file name can be.
 */
export function isSafeDigestPath(digest: string): boolean {
  const parsed = parseDigest(digest);
  if (!parsed) return false;
  const { algorithm, encoded } = parsed;
  if (algorithm.length > MAX_NAME || encoded.length > MAX_NAME) return false;
  return !WINDOWS_RESERVED.test(algorithm) && !WINDOWS_RESERVED.test(encoded);
}

/** The layout path of a blob, `blobs/<alg>/<encoded>`, or undefined when the digest is not safe to use as one. */
export function blobPath(digest: string): string | undefined {
  if (!isSafeDigestPath(digest)) return undefined;
  const colon = digest.indexOf(':');
  return `blobs/${digest.slice(0, colon)}/${digest.slice(colon + 1)}`;
}
