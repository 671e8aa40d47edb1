/**
 * Reads one target and runs the core on it: bytes → UTF-8 text (or one `oci/encoding` finding at the
 * first bad byte) → `analyze`. File-system access stays here and in walk.ts; the core sees only text.
 */
import * as fs from 'node:fs';
import {
  analyze,
  resolveSeverity,
  type DocumentKind,
  type Finding,
  type SeverityOverrides,
} from '../core/index';
import { openRegular, readAll, readAt, type Opened } from './readFile';
import type { Target } from './walk';

/** One checked file: its text (for positions) and its findings in UTF-16 offsets. */
export interface FileReport {
  path: string;
  /** A URI for it when it is not a file (a manifest in a registry), for SARIF and links. */
  uri?: string;
  /** The kind it was read as; null when the bytes are not UTF-8 and the kind could not be told. */
  kind: DocumentKind | null;
  text: string;
  findings: Finding[];
}

export interface LintOptions {
  kind?: DocumentKind;
  severities: SeverityOverrides;
  maxFindings?: number;
}

/** What became of one target. */
export type Outcome =
  | { report: FileReport }
  /** Not a manifest (or skipped by sniffing); `note` is set when the user should hear about it. */
  | { skipped: true; note?: string }
  | { error: string };

/** Blobs above this size are not read (layers); manifests and configs are far smaller. */
export const MAX_BLOB_SIZE = 16 * 1024 * 1024;
/** `*.json` files found in directories above this size are not read. */
export const MAX_FOUND_JSON_SIZE = 64 * 1024 * 1024;
/** A file named on the command line above this size is refused. */
export const MAX_NAMED_SIZE = 256 * 1024 * 1024;
const SNIFF_BYTES = 4096;

/** True when the first non-whitespace byte (after an optional UTF-8 byte-order mark) is `{`. */
export function looksLikeJsonObject(head: Uint8Array): boolean {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  for (; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b;
  }
  return false;
}

/** Reads the target's bytes, or says why not: too large, not JSON-looking, not a regular file, unreadable. */
function readTarget(t: Target): { bytes: Uint8Array } | { skipped: true; note?: string } | { error: string } {
  let opened: Opened;
  try {
    opened = openRegular(t.path);
  } catch (err) {
    return { error: cannotRead(t, err) };
  }
  if ('special' in opened) {
    // Checked when it was found, so it changed since: a named file is an error, a found one is passed over.
    const what = `it is ${opened.special}, not a regular file.`;
    return t.explicit
      ? { error: `${t.path}: not read, ${what}` }
      : { skipped: true, note: `${t.path}: skipped, ${what}` };
  }
  const { fd, size } = opened;
  try {
    let max: number;
    if (t.explicit) {
      max = MAX_NAMED_SIZE;
      if (size > max) return { error: tooLargeForNamed(t, size) };
    } else if (t.blob) {
      // Layers are gigabytes: decide by size and the first bytes, never read the whole file.
      max = MAX_BLOB_SIZE;
      if (size > max || size === 0) return { skipped: true };
      if (!looksLikeJsonObject(readAt(fd, Math.min(SNIFF_BYTES, size)))) return { skipped: true };
    } else {
      max = MAX_FOUND_JSON_SIZE;
      if (size > max) return { skipped: true, note: tooLargeFound(t, size) };
    }
    const bytes = readAll(fd, size, max);
    if (bytes) return { bytes };
    // It grew past the limit since the fstat.
    if (t.explicit) return { error: tooLargeForNamed(t, max + 1) };
    return t.blob ? { skipped: true } : { skipped: true, note: tooLargeFound(t, max + 1) };
  } catch (err) {
    return { error: cannotRead(t, err) };
  } finally {
    fs.closeSync(fd);
  }
}

const cannotRead = (t: Target, err: unknown): string =>
  `${t.path}: cannot read: ${(err as NodeJS.ErrnoException)?.code ?? String(err)}.`;
const tooLargeForNamed = (t: Target, size: number): string =>
  `${t.path}: ${mib(size)} is too large for a manifest (limit ${mib(MAX_NAMED_SIZE)}); not checked.`;
const tooLargeFound = (t: Target, size: number): string =>
  `${t.path}: skipped, ${mib(size)} is larger than ${mib(MAX_FOUND_JSON_SIZE)}; name the file to check it.`;

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/** Reads and checks one target. */
export function lintTarget(t: Target, options: LintOptions): Outcome {
  const read = readTarget(t);
  if (!('bytes' in read)) return read;
  const report = lintBytes(read.bytes, t, options);
  if (report) return { report };
  return t.explicit
    ? { skipped: true, note: `${t.path}: not recognised as a manifest; use --kind to choose how to read it.` }
    : { skipped: true };
}

/** Checks bytes as the file `t`; undefined when they are not recognised as a document we serve. */
export function lintBytes(
  bytes: Uint8Array,
  t: Pick<Target, 'path' | 'explicit' | 'besideOciLayout'>,
  options: LintOptions,
): FileReport | undefined {
  const origin = { fileName: t.path, besideOciLayout: t.besideOciLayout };
  let text: string | undefined;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that the core reports it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    const analysis = analyze(text, {
      ...origin,
      kind: options.kind,
      severities: options.severities,
      maxFindings: options.maxFindings,
    });
    if (!analysis.detection) return undefined;
    return { path: t.path, kind: analysis.detection.kind, text, findings: analysis.findings };
  }

  // Not UTF-8: one finding at the first bad byte, no other checks. The text shown is the lossy decoding
  // (what an editor displays, with U+FFFD), whose prefix up to the bad byte is the exact text.
  const lossy = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const kind = options.kind ?? analyze(lossy, origin).detection?.kind ?? null;
  if (!kind && !t.explicit) return undefined;
  const findings: Finding[] = [];
  const bad = firstInvalidUtf8(bytes);
  const severity = resolveSeverity('oci/encoding', options.severities);
  if (bad >= 0 && severity !== 'off') {
    const offset = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, bad)).length;
    const byte = bytes[bad]!;
    const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    findings.push({
      code: 'oci/encoding',
      severity,
      message: `Byte ${hex} at byte offset ${bad} is not valid UTF-8 (${whyInvalid(bytes, bad)}); manifests must be UTF-8 encoded JSON, so no other check ran on this file. Save it as UTF-8.`,
      offset,
      length: 1,
      data: { byteOffset: bad, byte: hex },
    });
  }
  return { path: t.path, kind, text: lossy, findings };
}

/** Length of the well-formed sequence starting at `i`, or 0 when it is ill-formed (Unicode table 3-7). */
function sequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean =>
    i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const ok1 = b0 === 0xe0 ? cont(1, 0xa0) : b0 === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const ok1 = b0 === 0xf0 ? cont(1, 0x90) : b0 === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** The byte offset where the first ill-formed UTF-8 sequence starts, or -1 when all bytes are UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    // Fast path over ASCII.
    if (bytes[i]! < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

function whyInvalid(bytes: Uint8Array, i: number): string {
  const b = bytes[i]!;
  const latin1 = '; the file may be Latin-1 or Windows-1252';
  if (b >= 0x80 && b <= 0xbf) return `a continuation byte with no lead byte${latin1}`;
  if (b === 0xc0 || b === 0xc1 || b >= 0xf5) return `a byte that never occurs in UTF-8${latin1}`;
  const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
  let k = 1;
  while (i + k < bytes.length && k < need && bytes[i + k]! >= 0x80 && bytes[i + k]! <= 0xbf) k++;
  if (i + k === bytes.length && k < need) return 'a multi-byte sequence cut off by the end of the file';
  return `the start of a malformed multi-byte sequence${latin1}`;
}
