/**
 * The verification engine: for each descriptor, find its content in the sources (in priority order),
 * check the length, then the digest, and turn the outcome into a result and, when something is wrong,
 * a finding on the descriptor's `digest` value. Pure: sources and hashers are injected.
 *
 * Each blob is read once per verifier (outcomes are shared by every descriptor naming the same digest and
 * size), with at most `size + 1` bytes read; a descriptor whose `size` is not a non-negative integer is not
 * read at all. A blob named as a manifest or an index is interpreted in the same read that hashes it
 * (core/content/document.ts): held in a buffer sized to it when small, scanned as it streams when too large
 * to hold. Scheduling is a FIFO queue with a fixed number of readers: linear in the number of blobs.
 */
import type { VerifyCounts, VerifyResultStatus } from '../../protocol';
import { resolveSeverity, type SeverityOverrides } from '../codes';
import {
  documentFromBytes,
  documentFromScan,
  type ContentDocument,
  type DocumentExpectation,
} from '../content/document';
import { DescriptorScanner } from '../content/scan';
import type { LayerAnalysis, LayerAnalyzer } from '../layer/analysis';
import {
  compressionOfMediaType,
  SNIFF_BYTES,
  sniffCompression,
  type LayerCompression,
} from '../layer/compression';
import { detectKind, type DocumentOrigin } from '../detect';
import { isRegisteredAlgorithm, validateDigest, type RegisteredAlgorithm } from '../digest';
import { formatPath, SEVERITIES, type Finding, type Path, type Severity, type Span } from '../findings';
import { resolve } from '../index';
import { parseJson } from '../json/document';
import type { DocumentKind } from '../kinds';
import { MT } from '../catalog/core';
import {
  descriptorsOf,
  isIndexKind,
  isManifestKind,
  type DescriptorRef,
  type DescriptorRole,
} from '../model';
import {
  BlobSourceError,
  defaultHasherFactory,
  type BlobContent,
  type BlobErrorReason,
  type BlobRef,
  type ContentSource,
  type Hasher,
  type HasherFactory,
} from '../content/source';

/** What became of one descriptor (the type the protocol carries to the client). */
export type VerifyStatus = VerifyResultStatus;

/** The outcome for one blob (shared by every descriptor naming the same content). */
export interface BlobOutcome {
  status: VerifyStatus;
  /** The `name` of the source that had the content. */
  source?: string;
  /** Where the content was found (file path or URL), for messages. */
  where?: string;
  /** A URI for the content (a `file:` URI, a URL), when the source gives one. */
  uri?: string;
  /** The real length; with `sizeIsLowerBound`, reading stopped there and the content is longer. */
  actualSize?: number;
  sizeIsLowerBound?: boolean;
  /** The digest of the content, when it was read to its end. */
  actualDigest?: string;
  /** The labels of the sources consulted, in order (for `missing`). */
  searched: string[];
  /**
   * For `missing`: true when the blob may well live elsewhere: a store that may lack blobs (an OCI layout)
   * was searched and no store that must hold them (a registry) was.
   */
  mayBeElsewhere?: boolean;
  /** For `missing`: true when a store that must hold every blob its manifests name (a registry) was searched. */
  mustHave?: boolean;
  /** Why the blob is `unreadable`. */
  error?: { reason: BlobErrorReason; message: string };
  /** Why the descriptor was `skipped`, `invalid` or `unchecked`: a phrase. */
  reason?: string;
  /** The content read as a document, for blobs named as manifests or indexes (kept when asked to). */
  document?: ContentDocument;
  /** The kind the content was read as (kept even when the document is not). */
  kind?: DocumentKind;
  /** For a blob not read as a manifest: the compression its first bytes show (read while it was hashed). */
  compression?: LayerCompression;
  /** For `unknown` compression: what the bytes look like instead (`xz`, `empty`, `not a tar`). */
  compressionDetail?: string;
  /** For a layer read with deep verification: what decompressing it in the same pass found. */
  layer?: Omit<LayerAnalysis, 'compressedDigest' | 'compressedSize'>;
}

/** One descriptor's result, in document order. */
export interface DescriptorResult extends BlobOutcome {
  path: Path;
  role: DescriptorRole;
  /** The descriptor's digest and size as written (when they have the right types). */
  digest?: string;
  size?: number;
  mediaType?: string;
  /** True when the descriptor names a manifest or an index (by its role or media type). */
  manifest: boolean;
  /** The span of the descriptor's `digest` value (its key or the descriptor when there is none). */
  span: Span;
  /** The finding for this descriptor, when the outcome is a problem (and its code is not turned off). */
  finding?: Finding;
}

export interface VerifySummary extends VerifyCounts {
  /** e.g. `12 verified, 1 mismatch, 2 not found` (zero counts after the first three are left out). */
  text: string;
}

export interface VerifyReport {
  results: DescriptorResult[];
  /** The results' findings, sorted by offset. */
  findings: Finding[];
  summary: VerifySummary;
  /** True when the signal was aborted before everything was decided. */
  cancelled: boolean;
}

export interface VerifyProgress {
  /** Distinct blobs decided so far / queued so far (across all `verify` calls of a verifier). */
  done: number;
  total: number;
  /** Bytes hashed so far / the sum of the queued descriptors' sizes. */
  bytes: number;
  totalBytes: number;
  /** The digest just decided or being read. */
  digest?: string;
}

export interface VerifierOptions {
  /** Where content comes from, in priority order. The first source that has a blob decides its outcome. */
  sources: readonly ContentSource[];
  /** Defaults to node:crypto for SHA-2 and @noble/hashes for BLAKE3. */
  hasher?: HasherFactory;
  /** Blobs read at the same time (default 4). */
  concurrency?: number;
  /** Aborting stops all reads; the verify calls then resolve with `cancelled` results. */
  signal?: AbortSignal;
  /** Called after each chunk and each decided blob. Keep it cheap (throttle UI updates yourself). */
  onProgress?: (progress: VerifyProgress) => void;
  /** Per-code severity overrides, as in `analyze`; `off` drops the finding (the result stays). */
  severities?: Readonly<Record<string, Severity | 'off'>>;
  /**
   * When a blob's length differs from `size`, read it to its end anyway (up to `maxReadBytes`) so that
   * the finding carries its real digest for a quick-fix. Default false: stop at the first wrong byte.
   */
  digestOnSizeMismatch?: boolean;
  /** Never read more than this many bytes of one blob (default 2^53 - 1). */
  maxReadBytes?: number;
  /**
   * Every blob must be present: a missing blob is an error even where a layout may lack it (image-layout.md
   * allows a layout to miss blobs that an external store provides). Default false.
   */
  requireComplete?: boolean;
  /** Keep each document read (its text and parse) in the outcome, for a walk that goes on into it. */
  keepDocuments?: boolean;
  /**
   * Only look up blobs that are not manifests or indexes (`stat`: a registry `HEAD`) instead of reading them:
   * one found with the descriptor's size is `present`, with another size a `size-mismatch`. Manifests and
   * indexes are still read, hashed and parsed (a walk needs them). Default false: every blob is hashed.
   */
  presenceOnly?: boolean;
  /** A manifest or index larger than this is scanned as it streams instead of held (default 16 MiB). */
  maxDocumentBytes?: number;
  /** At most this many bytes of documents are held at once, or in all when they are kept (default 256 MiB). */
  maxHeldBytes?: number;
  /** A streamed document keeps at most this many descriptors (default 1,000,000). */
  maxScannedDescriptors?: number;
  /**
   * Deep verification: each layer (a descriptor in `layers` with a layer media type) is decompressed in the same
   * pass that hashes it (node/layer/analyze.ts), so that its DiffID and tar facts are known after one read.
   */
  analyzeLayer?: LayerAnalyzer;
}

/** Verifies descriptors with shared sources, concurrency bound, cache and progress. */
export interface Verifier {
  /**
   * Verifies `refs` (from `descriptorsOf`), placing findings with `locate(path)` (the span of a value
   * in the document: e.g. `(p) => resolve(json, {path: p})`). Never rejects; cancellation and source
   * failures become results.
   */
  verify(refs: readonly DescriptorRef[], locate: (path: Path) => Span): Promise<VerifyReport>;
  /** The outcome for one descriptor's blob (read at most once per verifier). Never rejects. */
  outcome(ref: DescriptorRef): Promise<BlobOutcome>;
  /** The outcome decided for a digest, when one was (the first decided, for a digest named with two sizes). */
  known(digest: string): BlobOutcome | undefined;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_DOCUMENT = 16 * 1024 * 1024;
const DEFAULT_MAX_HELD = 256 * 1024 * 1024;
const DEFAULT_MAX_SCANNED = 1_000_000;

/** The media types served from a registry's `/manifests/` endpoint. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MT.manifest,
  MT.index,
  MT.dockerManifest,
  MT.dockerList,
  MT.artifactManifest,
  MT.dockerSchema1,
  MT.dockerSchema1Signed,
];

/** True when a descriptor names a manifest or an index (by its role or its media type). */
export function namesManifest(ref: DescriptorRef): boolean {
  const mt = ref.value.mediaType;
  if (typeof mt === 'string' && MANIFEST_MEDIA_TYPES.includes(mt)) return true;
  return ref.role === 'manifest' || ref.role === 'subject';
}

/** A descriptor's `size` when it is one a blob can have: a safe non-negative integer. */
export function validSize(size: unknown): number | undefined {
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

/**
 * A counting semaphore with a FIFO queue (a head index, not `shift()`: a queue of 200,000 waiting tasks
 * stays linear).
 */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  let waiting: (() => void)[] = [];
  let head = 0;
  const next = (): void => {
    if (head < waiting.length) {
      const wake = waiting[head]!;
      waiting[head++] = undefined as unknown as () => void;
      if (head > 1024 && head * 2 > waiting.length) {
        waiting = waiting.slice(head);
        head = 0;
      }
      wake();
    }
  };
  return async (task) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      next();
    }
  };
}

const q = (s: string): string => JSON.stringify(s);

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The severity of `code`: the user's override when there is one, else `fallback` (a missing blob that a
 * registry must have is an error), else the rule table's (core/codes.ts `resolveSeverity`, the one place).
 */
export function severityOf(
  code: string,
  overrides: SeverityOverrides | undefined,
  fallback?: Severity,
): Severity | 'off' {
  const o = overrides?.[code];
  const overridden = o === 'off' || (o !== undefined && SEVERITIES.includes(o));
  return fallback !== undefined && !overridden ? fallback : resolveSeverity(code, overrides);
}

/** Creates a verifier. Several `verify` calls may run at once; they share the bound and the cache. */
export function createVerifier(options: VerifierOptions): Verifier {
  const sources = options.sources;
  const hasher = options.hasher ?? defaultHasherFactory;
  const run = limiter(Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY)));
  const signal = options.signal ?? new AbortController().signal;
  const maxRead = options.maxReadBytes ?? Number.MAX_SAFE_INTEGER;
  const maxDocument = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT;
  const maxHeld = options.maxHeldBytes ?? DEFAULT_MAX_HELD;
  const maxScanned = options.maxScannedDescriptors ?? DEFAULT_MAX_SCANNED;
  let held = 0;
  const cache = new Map<string, Promise<BlobOutcome>>();
  /** Decided outcomes by digest, for the checks that compare documents after the walk. */
  const settled = new Map<string, BlobOutcome>();
  const progress: VerifyProgress = { done: 0, total: 0, bytes: 0, totalBytes: 0 };
  const report = (digest?: string): void => {
    if (options.onProgress) options.onProgress({ ...progress, digest });
  };

  const cancelled = (searched: string[]): BlobOutcome => ({ status: 'cancelled', searched });

  /** How the document named by `ref` is read along with its hash: held (a buffer of `size`) or scanned. */
  function captureFor(ref: BlobRef): { buffer?: Uint8Array; scanner?: DescriptorScanner } | undefined {
    if (ref.size === undefined) return undefined;
    // A config is kept for the checks that compare it with its manifest; one too large is not read as one.
    if (ref.role === 'config' && !ref.manifest) {
      if (!options.keepDocuments || ref.size > maxDocument || held + ref.size > maxHeld) return undefined;
      held += ref.size;
      return { buffer: new Uint8Array(ref.size) };
    }
    if (!ref.manifest) return undefined;
    if (ref.size <= maxDocument && held + ref.size <= maxHeld) {
      held += ref.size;
      return { buffer: new Uint8Array(ref.size) };
    }
    return { scanner: new DescriptorScanner({ maxDescriptors: maxScanned }) };
  }

  /** The verified content of a manifest-named blob, read as a document: `invalid` or `unchecked` when it must be. */
  function asDocument(
    ref: BlobRef,
    capture: { buffer?: Uint8Array; scanner?: DescriptorScanner },
    outcome: BlobOutcome,
  ): BlobOutcome {
    if (ref.role === 'config' && !ref.manifest) {
      // Kept as it is: whether a config is a config is the lint's business, not a verification result.
      const doc = documentFromBytes(capture.buffer!, 'any', ref.mediaType);
      return { ...outcome, ...(doc.kind ? { kind: doc.kind } : {}), document: doc };
    }
    const expect: DocumentExpectation = 'manifest';
    const doc = capture.buffer
      ? documentFromBytes(capture.buffer, expect, ref.mediaType)
      : documentFromScan(capture.scanner!.end(), expect, ref.mediaType);
    if (capture.buffer && !options.keepDocuments) held -= capture.buffer.length;
    const out: BlobOutcome = { ...outcome };
    if (doc.kind) out.kind = doc.kind;
    if (options.keepDocuments) out.document = doc;
    if (doc.problem) {
      out.status = 'invalid';
      out.reason = doc.problem;
    } else if (doc.streamed) {
      out.status = 'unchecked';
      out.reason = `is ${mib(doc.streamed.bytes)}, above the ${mib(maxDocument)} a manifest or an index is checked in full; its size, digest and descriptors were checked, its content was not${doc.streamed.dropped ? ` (and ${doc.streamed.dropped} of its descriptors were too large or too many to follow)` : ''}`;
    }
    return out;
  }

  async function readAndHash(
    ref: BlobRef,
    algorithm: RegisteredAlgorithm,
    content: BlobContent,
    searched: string[],
    source: ContentSource,
  ): Promise<BlobOutcome> {
    const expected = ref.size;
    const base: BlobOutcome = {
      status: 'verified',
      source: source.name,
      where: content.where,
      searched,
      ...(content.uri ? { uri: content.uri } : {}),
    };
    const iterator = content.chunks[Symbol.asyncIterator]();
    const close = async (): Promise<void> => {
      try {
        await iterator.return?.();
      } catch {
        // Closing is best effort.
      }
    };
    const keepReading = options.digestOnSizeMismatch === true;
    if (!keepReading && content.size !== undefined && content.size !== expected) {
      await close();
      return { ...base, status: 'size-mismatch', actualSize: content.size };
    }
    const capture = captureFor(ref);
    const release = (): void => {
      if (capture?.buffer) held -= capture.buffer.length;
    };
    // A blob's first bytes show its compression (for whichever descriptor names it as a layer); with deep
    // verification a layer is decompressed as it streams.
    const layer = ref.role === 'layer';
    const sniff = !ref.manifest;
    const deep =
      layer && ref.mediaType !== undefined && compressionOfMediaType(ref.mediaType) !== undefined
        ? options.analyzeLayer
        : undefined;
    let head: Uint8Array | undefined = sniff ? new Uint8Array(0) : undefined;
    let n = 0;
    let over = false;
    let limitHit = false;
    // The bytes as they are read, bounded: one byte past the size is enough to know, and nothing past the limit.
    async function* bounded(): AsyncGenerator<Uint8Array, void, undefined> {
      try {
        for (;;) {
          if (signal.aborted) return;
          const next = await iterator.next();
          if (next.done) return;
          const chunk = next.value;
          if (!keepReading && n + chunk.length > expected!) {
            n += chunk.length;
            over = true;
            return;
          }
          if (n + chunk.length > maxRead) {
            limitHit = true;
            return;
          }
          if (head && head.length < SNIFF_BYTES) head = append(head, chunk, SNIFF_BYTES);
          if (capture?.buffer && n + chunk.length <= capture.buffer.length) capture.buffer.set(chunk, n);
          else capture?.scanner?.write(chunk);
          n += chunk.length;
          progress.bytes += chunk.length;
          report(ref.digest);
          yield chunk;
        }
      } finally {
        await close();
      }
    }
    let h: Hasher | undefined;
    let analysis: LayerAnalysis | undefined;
    try {
      if (deep) analysis = await deep(bounded(), { signal, algorithm });
      else {
        h = await hasher(algorithm);
        for await (const chunk of bounded()) h.update(chunk);
      }
    } catch (err) {
      await close();
      release();
      if (signal.aborted) return cancelled(searched);
      return unreadable(err, base);
    }
    if (signal.aborted) {
      release();
      return cancelled(searched);
    }
    if (limitHit) {
      release();
      return {
        ...base,
        status: 'unreadable',
        error: { reason: 'refused', message: `it is longer than the ${maxRead}-byte read limit` },
      };
    }
    if (over) {
      release();
      const announced = content.size !== undefined && content.size > expected! ? content.size : undefined;
      return announced !== undefined
        ? { ...base, status: 'size-mismatch', actualSize: announced }
        : { ...base, status: 'size-mismatch', actualSize: n, sizeIsLowerBound: true };
    }
    const actualDigest = analysis ? analysis.compressedDigest : `${algorithm}:${h!.digest()}`;
    if (expected !== undefined && n !== expected) {
      release();
      return { ...base, status: 'size-mismatch', actualSize: n, actualDigest };
    }
    if (actualDigest !== ref.digest) {
      release();
      return { ...base, status: 'digest-mismatch', actualSize: n, actualDigest };
    }
    const verified: BlobOutcome = { ...base, actualSize: n, actualDigest };
    if (analysis) {
      const { compressedDigest: _d, compressedSize: _s, ...facts } = analysis;
      verified.compression = analysis.compression;
      if (analysis.compressionDetail !== undefined) verified.compressionDetail = analysis.compressionDetail;
      verified.layer = facts;
    } else if (head) {
      const sniffed = sniffCompression(head);
      verified.compression = sniffed.compression;
      if (sniffed.detail !== undefined) verified.compressionDetail = sniffed.detail;
    }
    return capture ? asDocument(ref, capture, verified) : verified;
  }

  function unreadable(err: unknown, base: Omit<BlobOutcome, 'status'>): BlobOutcome {
    const error =
      err instanceof BlobSourceError
        ? { reason: err.reason, message: err.message }
        : { reason: 'io' as const, message: err instanceof Error ? err.message : String(err) };
    return { ...base, status: 'unreadable', error };
  }

  async function check(ref: BlobRef, algorithm: RegisteredAlgorithm): Promise<BlobOutcome> {
    const searched: string[] = [];
    let partial = false;
    let complete = false;
    for (const source of sources) {
      if (signal.aborted) return cancelled(searched);
      searched.push(source.label);
      if (source.completeness === 'partial') partial = true;
      if (source.completeness === 'complete') complete = true;
      try {
        const keepReading = options.digestOnSizeMismatch === true;
        const lookOnly = options.presenceOnly === true && !ref.manifest;
        if (!source.openTellsSize || lookOnly) {
          const stat = await source.stat(ref, signal);
          if (!stat) continue;
          const at = {
            source: source.name,
            where: stat.where,
            ...(stat.uri ? { uri: stat.uri } : {}),
            searched,
          };
          if (!keepReading && stat.size !== undefined && stat.size !== ref.size)
            return { status: 'size-mismatch', ...at, actualSize: stat.size };
          if (lookOnly)
            return stat.size === undefined
              ? { status: 'present', ...at, reason: 'the source did not say how long it is' }
              : { status: 'present', ...at, actualSize: stat.size };
        }
        const limit = keepReading ? maxRead : ref.size! + 1;
        const content = await source.open(ref, { signal, maxBytes: limit });
        if (!content) continue; // gone between stat and open
        return await readAndHash(ref, algorithm, content, searched, source);
      } catch (err) {
        if (signal.aborted) return cancelled(searched);
        return unreadable(err, { source: source.name, where: source.label, searched });
      }
    }
    return {
      status: 'missing',
      searched,
      ...(partial && !complete ? { mayBeElsewhere: true } : {}),
      ...(complete ? { mustHave: true } : {}),
    };
  }

  const decided = (outcome: BlobOutcome): Promise<BlobOutcome> => Promise.resolve(outcome);

  function outcomeFor(ref: DescriptorRef): { outcome: Promise<BlobOutcome>; digest?: string; size?: number } {
    const d = ref.value.digest;
    const s = ref.value.size;
    const size = validSize(s);
    if (typeof d !== 'string')
      return { outcome: decided({ status: 'skipped', searched: [], reason: 'it has no digest' }), size };
    const verdict = validateDigest(d);
    if (!verdict.ok)
      return {
        outcome: decided({ status: 'skipped', searched: [], reason: `its digest ${verdict.explanation}` }),
        digest: d,
        size,
      };
    if (!isRegisteredAlgorithm(verdict.algorithm))
      return {
        outcome: decided({
          status: 'skipped',
          searched: [],
          reason: `its digest uses the algorithm ${q(verdict.algorithm)}, which oci-manifest cannot compute`,
        }),
        digest: d,
        size,
      };
    if (size === undefined)
      // Reading content of unknown length has no bound: a descriptor must say how long its content is.
      return {
        outcome: decided({
          status: 'skipped',
          searched: [],
          reason:
            s === undefined
              ? 'it has no size, so its content was not read'
              : `its size ${typeof s === 'string' ? q(s) : String(s)} is not a non-negative integer, so its content was not read`,
        }),
        digest: d,
      };
    const algorithm = verdict.algorithm;
    const data = typeof ref.value.data === 'string' ? ref.value.data : undefined;
    const mediaType = typeof ref.value.mediaType === 'string' ? ref.value.mediaType : undefined;
    const blob: BlobRef = { digest: d, manifest: namesManifest(ref), size, mediaType, data, role: ref.role };
    // One read per blob, whatever its role: what is learnt along (a config kept, a layer decompressed) follows the
    // role of the first descriptor read (a blob that is both a config and a layer is not a real image's).
    const key = `${d}\u0000${size}\u0000${blob.manifest}\u0000${data ?? ''}`;
    let outcome = cache.get(key);
    if (!outcome) {
      progress.total++;
      progress.totalBytes += size;
      outcome = run(async () => {
        const o = signal.aborted ? cancelled([]) : await check(blob, algorithm);
        if (!settled.has(d)) settled.set(d, o);
        progress.done++;
        report(d);
        return o;
      });
      cache.set(key, outcome);
    }
    return { outcome, digest: d, size };
  }

  function findingFor(r: DescriptorResult): Finding | undefined {
    const at = formatPath(r.path);
    const digest = r.digest ?? '';
    const facts: Record<string, unknown> = {
      source: r.source,
      where: r.where,
      expectedDigest: r.digest,
      expectedSize: r.size,
      actualSize: r.actualSize,
      actualDigest: r.actualDigest,
    };
    let code: string;
    let message: string;
    let fallback: Severity | undefined;
    switch (r.status) {
      case 'size-mismatch': {
        code = 'oci/blob-size-mismatch';
        const hashed = r.actualDigest ? ` Its digest is ${q(r.actualDigest)}.` : '';
        message = r.sizeIsLowerBound
          ? `The content of ${at} (${q(digest)}) from ${r.where} is longer than the descriptor's size of ${r.size} bytes; reading stopped after ${r.actualSize} bytes.`
          : `The content of ${at} (${q(digest)}) from ${r.where} is ${r.actualSize} bytes long, but the descriptor's size is ${r.size}.${hashed}`;
        if (r.sizeIsLowerBound) facts.sizeIsLowerBound = true;
        break;
      }
      case 'digest-mismatch':
        code = 'oci/blob-digest-mismatch';
        message = `The content of ${at} from ${r.where} has the expected ${r.actualSize} bytes but hashes to ${q(r.actualDigest ?? '')}, not to the descriptor's digest ${q(digest)}; the content was changed or the descriptor names other content.`;
        break;
      case 'missing':
        facts.searched = r.searched;
        if (r.role === 'subject') {
          code = 'oci/subject-elsewhere';
          message = `The subject of this referrer (${q(digest)}) is not in ${listOf(r.searched) || 'any source given'}. A referrer's subject is an image kept elsewhere (usually in the registry the referrer was pushed to), so it need not be here.`;
          if (options.requireComplete) fallback = 'error';
          break;
        }
        code = 'oci/blob-missing';
        message = r.searched.length
          ? `No content for ${at} (${q(digest)}) was found in ${listOf(r.searched)}.`
          : `No content for ${at} (${q(digest)}) could be looked for: the document is not inside an OCI image layout, the descriptor has no embedded data, and no registry was given.`;
        // A registry must have what its manifests name; so must a layout when completeness is required.
        if (options.requireComplete || r.mustHave) fallback = 'error';
        else if (r.mayBeElsewhere)
          message += ' An OCI layout may lack blobs that an external store (a registry) provides.';
        break;
      case 'unreadable':
        code = 'oci/blob-unreadable';
        message = `The content of ${at} (${q(digest)}) could not be read from ${r.where}: ${r.error?.message ?? 'unknown error'}`;
        if (!/[.!?]$/.test(message)) message += '.';
        facts.reason = r.error?.reason;
        break;
      case 'invalid':
        code = 'oci/blob-not-manifest';
        message = `The content of ${at} (${q(digest)}) from ${r.where} is named as a manifest or an index, but it ${r.reason}.`;
        facts.reason = r.reason;
        break;
      case 'unchecked':
        code = 'oci/blob-not-checked';
        message = `The content of ${at} (${q(digest)}) from ${r.where} ${r.reason}.`;
        facts.reason = r.reason;
        break;
      default:
        return undefined;
    }
    const severity = severityOf(code, options.severities, fallback);
    if (severity === 'off') return undefined;
    for (const k of Object.keys(facts)) if (facts[k] === undefined) delete facts[k];
    return { code, severity, message, offset: r.span.offset, length: r.span.length, data: facts };
  }

  return {
    outcome: (ref) => outcomeFor(ref).outcome,
    known: (digest) => settled.get(digest),
    async verify(refs, locate) {
      // Start every read first (the limiter bounds them), then collect in document order.
      const pending = refs.map(outcomeFor);
      const results: DescriptorResult[] = [];
      for (let i = 0; i < refs.length; i++) {
        const ref = refs[i]!;
        const p = pending[i]!;
        const r = resultOf(await p.outcome, ref, locate([...ref.path, 'digest']));
        if (p.digest !== undefined) r.digest = p.digest;
        if (p.size !== undefined) r.size = p.size;
        const f = findingFor(r);
        if (f) r.finding = f;
        results.push(r);
      }
      const findings: Finding[] = [];
      for (const r of results) if (r.finding) findings.push(r.finding);
      findings.sort((a, b) => a.offset - b.offset);
      const summary = summarize(results);
      return { results, findings, summary, cancelled: summary.cancelled > 0 };
    },
  };
}

/**
 * A descriptor's result from its blob's outcome (shared by every descriptor naming the blob: `searched` is
 * shared too, read-only). Built field by field, without the outcome's document, in one shape.
 */
function resultOf(o: BlobOutcome, ref: DescriptorRef, span: Span): DescriptorResult {
  const r: DescriptorResult = {
    status: o.status,
    searched: o.searched,
    path: ref.path,
    role: ref.role,
    manifest: namesManifest(ref),
    span,
  };
  if (o.source !== undefined) r.source = o.source;
  if (o.where !== undefined) r.where = o.where;
  if (o.uri !== undefined) r.uri = o.uri;
  if (o.actualSize !== undefined) r.actualSize = o.actualSize;
  if (o.sizeIsLowerBound) r.sizeIsLowerBound = true;
  if (o.actualDigest !== undefined) r.actualDigest = o.actualDigest;
  if (o.mayBeElsewhere) r.mayBeElsewhere = true;
  if (o.mustHave) r.mustHave = true;
  if (o.error !== undefined) r.error = o.error;
  if (o.reason !== undefined) r.reason = o.reason;
  if (o.kind !== undefined) r.kind = o.kind;
  if (typeof ref.value.mediaType === 'string') r.mediaType = ref.value.mediaType;
  return r;
}

/** `head` with the start of `chunk` appended, up to `max` bytes in all (a copy: sources reuse their buffers). */
function append(head: Uint8Array, chunk: Uint8Array, max: number): Uint8Array {
  const take = Math.min(chunk.length, max - head.length);
  const out = new Uint8Array(head.length + take);
  out.set(head);
  out.set(chunk.subarray(0, take), head.length);
  return out;
}

const mib = (n: number): string => `${(n / 1048576).toFixed(n % 1048576 === 0 ? 0 : 1)} MiB`;

/**
 * True when a result leaves the content in doubt for a front end deciding its exit status: a mismatch, content
 * that is not what it is named as or was not checked, refused content, or a missing blob that no rule excuses
 * (a layout may lack blobs and a referrer's subject may live elsewhere, unless completeness is required).
 */
export function isContentProblem(r: DescriptorResult, requireComplete = false): boolean {
  switch (r.status) {
    case 'size-mismatch':
    case 'digest-mismatch':
    case 'invalid':
    case 'unchecked':
      return true;
    case 'unreadable':
      return r.error?.reason === 'refused';
    case 'missing':
      return requireComplete || (r.role !== 'subject' && !r.mayBeElsewhere);
    default:
      return false;
  }
}

/** The counter each status adds to. */
const COUNTER: Readonly<Record<VerifyResultStatus, Exclude<keyof VerifyCounts, 'total'>>> = {
  verified: 'verified',
  present: 'present',
  'size-mismatch': 'sizeMismatch',
  'digest-mismatch': 'digestMismatch',
  missing: 'missing',
  unreadable: 'unreadable',
  invalid: 'invalid',
  unchecked: 'unchecked',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

/** All counts at zero. */
export const noCounts = (): VerifyCounts => ({
  total: 0,
  verified: 0,
  present: 0,
  sizeMismatch: 0,
  digestMismatch: 0,
  missing: 0,
  unreadable: 0,
  invalid: 0,
  unchecked: 0,
  skipped: 0,
  cancelled: 0,
});

/** Counts results by status and says it in words: `12 verified, 1 mismatch, 2 not found`. */
export function summarize(results: readonly Pick<DescriptorResult, 'status'>[]): VerifySummary {
  const counts = noCounts();
  counts.total = results.length;
  for (const r of results) counts[COUNTER[r.status]]++;
  return { ...counts, text: summaryText(counts) };
}

/** The words of a summary (for several reports added together, too). */
export function summaryText(s: Omit<VerifySummary, 'text'>): string {
  const mismatches = s.sizeMismatch + s.digestMismatch;
  const parts = [
    `${s.verified} verified`,
    ...(s.present ? [`${s.present} present`] : []),
    `${mismatches} ${mismatches === 1 ? 'mismatch' : 'mismatches'}`,
    `${s.missing} not found`,
  ];
  if (s.unreadable) parts.push(`${s.unreadable} unreadable`);
  if (s.invalid) parts.push(`${s.invalid} not ${s.invalid === 1 ? 'a manifest' : 'manifests'}`);
  if (s.unchecked) parts.push(`${s.unchecked} not checked`);
  if (s.skipped) parts.push(`${s.skipped} skipped`);
  if (s.cancelled) parts.push(`${s.cancelled} cancelled`);
  return parts.join(', ');
}

/** Adds summaries together (e.g. the manifests of a layout). */
export function addSummaries(list: readonly VerifyCounts[]): VerifySummary {
  const t = noCounts();
  for (const s of list) for (const k of Object.keys(t) as (keyof VerifyCounts)[]) t[k] += s[k];
  return { ...t, text: summaryText(t) };
}

export interface VerifyDocumentOptions extends VerifierOptions {
  /** Read the document as this kind instead of detecting it. */
  kind?: DocumentKind;
  /** Where the text came from (file name, beside an `oci-layout` file), for detection. */
  origin?: DocumentOrigin;
  /** Use this verifier (sharing its cache and bound) instead of making one from these options. */
  verifier?: Verifier;
}

export interface DocumentVerifyReport extends VerifyReport {
  /** The kind the document was read as; undefined when it is not a document with descriptors we know. */
  kind?: DocumentKind;
}

/** True for the kinds whose descriptors `verifyDocument` checks. */
export function hasDescriptors(kind: DocumentKind): boolean {
  return isManifestKind(kind) || isIndexKind(kind) || kind === 'descriptor';
}

/**
 * Parses `text`, finds its descriptors and verifies them. A document that is not a manifest, an index
 * or a descriptor yields an empty report without `kind`.
 */
export async function verifyDocument(
  text: string,
  options: VerifyDocumentOptions,
): Promise<DocumentVerifyReport> {
  const json = parseJson(text);
  const kind = options.kind ?? detectKind(json.value, options.origin ?? {}, true)?.kind;
  if (!kind || json.value === undefined || !hasDescriptors(kind)) {
    const summary = summarize([]);
    return { results: [], findings: [], summary, cancelled: false, ...(kind ? { kind } : {}) };
  }
  const refs = descriptorsOf(kind, json.value);
  const verifier = options.verifier ?? createVerifier(options);
  const report = await verifier.verify(refs, (path) => resolve(json, { path }));
  return { ...report, kind };
}
