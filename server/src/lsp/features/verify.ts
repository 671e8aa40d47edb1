/**
 * Digest verification in the editor: the `ociManifest/verifyDocument`, `ociManifest/verifyLayout` and
 * `ociManifest/computeDigest` requests (core/verify does the work; files and registries come through
 * `runtime.verify`). Findings (`oci/blob-*`, `oci/layout-*`) are merged into the document's diagnostics through a
 * diagnostics provider and kept while the descriptor they belong to is unchanged: each result remembers its
 * descriptor's path and text, and is dropped once the text at that path differs. A blob finding is not shown
 * while the same descriptor has a live `oci/data-*` finding (the lint already says it). What was found is kept
 * in a {@link VerificationStore} the server owns (in the feature context): verified descriptors show in the
 * hover of their digest (`verifiedNoteAt`) and in the code lenses (`verificationsOf`); the quick-fix for a size
 * or digest mismatch is {@link blobFixFor}. Findings of files that are not open (*Verify Layout*) go to the
 * server's one diagnostics publisher.
 */
import { humanSize } from '../../core/layout/format';
import {
  ErrorCodes,
  ResponseError,
  type CancellationToken,
  type Diagnostic,
  type WorkDoneProgressReporter,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  analyze,
  resolve,
  type Analysis,
  type DocumentKind,
  type Finding,
  type Path,
  type Span,
  type TextEdit as CoreEdit,
} from '../../core';
import { MT } from '../../core/catalog/core';
import { hasTarMagic } from '../../core/tar/header';
import { crossDocumentCheck } from '../../core/checks/crossDocument';
import { layerCheck } from '../../core/checks/layer';
import { mdCode } from '../../core/markdown';
import { detectKind } from '../../core/detect';
import { parseJson } from '../../core/json/document';
import { descriptorsOf, isObject } from '../../core/model';
import {
  embeddedDataSource,
  summarize,
  verifyRules,
  verifyTree,
  type DescriptorResult,
  type VerifyProgress,
  type VerifySummary,
} from '../../core/verify';
import {
  ComputeDigestRequest,
  VerifyDocumentRequest,
  VerifyLayoutRequest,
  type ComputeDigestResult,
  type Settings,
  type VerifyCounts,
  type VerifyDescriptorResult,
  type VerifyDocumentResult,
  type VerifyLayoutResult,
} from '../../protocol';
import { toDiagnostic, uriKey } from '../convert';
import { formatError } from '../runner';
import type { RegistryChoice } from '../../host/verifyAccess';
import type { Feature, FeatureContext } from './feature';

/**
 * The codes verification reports (everything else in a layout report is lint, which the document has already):
 * its own, and those that compare documents or read layers.
 */
const VERIFY_CODES = new Set(
  [...verifyRules, ...crossDocumentCheck.rules, ...layerCheck.rules].map((r) => r.code),
);
/** Blobs read at once. */
const CONCURRENCY = 4;
/** Progress reports at most this often. */
const PROGRESS_MS = 100;
/** computeDigest reads this much of a file to guess its media type (a JSON document is parsed only when complete). */
const HEAD_BYTES = 4 * 1024 * 1024;

/** One descriptor's result, tied to the descriptor's text when it was verified. */
interface Tracked {
  path: Path;
  /** The descriptor object's text in the verified document. */
  text: string;
  result: DescriptorResult;
  at: number;
}

/** What verification knows about one file. */
interface Stored {
  /** The text that was verified (file-level findings are kept only while the document still has it). */
  text: string;
  tracked: Tracked[];
  /** Findings not tied to a descriptor (layout findings on a blob file), in offsets of `text`. */
  fileFindings: Finding[];
}

/** What the verify requests found, per document URI; the server keeps one (FeatureContext.verifications). */
export class VerificationStore {
  private readonly store = new Map<string, Stored>();

  get(uri: string): Stored | undefined {
    return this.store.get(uri);
  }

  set(uri: string, stored: Stored): void {
    this.store.set(uri, stored);
  }

  delete(uri: string): void {
    this.store.delete(uri);
  }

  /** The diagnostics verification adds to the current version of a document. */
  extraDiagnostics(doc: TextDocument, analysis: Analysis): Diagnostic[] {
    const stored = this.store.get(doc.uri);
    if (!stored) return [];
    const out: Diagnostic[] = [];
    const dataFindings = analysis.findings.filter((f) => f.code.startsWith('oci/data-'));
    const kept: Tracked[] = [];
    for (const t of stored.tracked) {
      const span = liveSpan(analysis, t);
      if (!span) continue; // the descriptor changed: its result is gone for good
      kept.push(t);
      const f = t.result.finding;
      if (!f) continue;
      if (dataFindings.some((d) => d.offset >= span.offset && d.offset < span.offset + span.length)) continue;
      const at = resolve(analysis.json, { path: [...t.path, 'digest'] });
      out.push(
        toDiagnostic(doc, { ...f, offset: at.offset, length: at.length, data: { ...f.data, path: t.path } }),
      );
    }
    stored.tracked = kept;
    if (stored.fileFindings.length) {
      if (analysis.json.text === stored.text)
        for (const f of stored.fileFindings) out.push(toDiagnostic(doc, f));
      else stored.fileFindings = [];
    }
    if (!stored.tracked.length && !stored.fileFindings.length) this.store.delete(doc.uri);
    return out;
  }

  /**
   * A line for the hover of a digest whose descriptor was verified and is unchanged since, e.g.
   * "✓ Verified against `/layout/blobs/sha256/…` at 14:03:12.", else undefined.
   */
  verifiedNoteAt(uri: string, analysis: Analysis, offset: number): string | undefined {
    const stored = this.store.get(uri);
    if (!stored) return undefined;
    for (const t of stored.tracked) {
      if (t.result.status !== 'verified') continue;
      const at = analysis.json.locate([...t.path, 'digest']);
      if (!at || offset < at.offset || offset > at.offset + at.length) continue;
      if (!liveSpan(analysis, t)) return undefined;
      const where = t.result.where ?? t.result.source ?? 'its content';
      return `✓ Verified against ${mdCode(where)} at ${clock(t.at)}: ${t.result.actualSize ?? t.result.size} bytes with this digest.`;
    }
    return undefined;
  }
}

/** The value at `path` in a parsed document, or undefined. */
function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const k of path) {
    if (typeof k === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[k];
    } else {
      if (!isObject(cur)) return undefined;
      cur = cur[k];
    }
  }
  return cur;
}

/** The span of the descriptor at `path` when its text is still `text`; undefined once it changed. */
function liveSpan(analysis: Analysis, t: Tracked): Span | undefined {
  const span = analysis.json.locate(t.path);
  if (!span || span.length !== t.text.length) return undefined;
  return analysis.json.text.slice(span.offset, span.offset + span.length) === t.text ? span : undefined;
}

function clock(at: number): string {
  const d = new Date(at);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * The quick-fix for an `oci/blob-size-mismatch` or `oci/blob-digest-mismatch` diagnostic: the descriptor's
 * `size` and/or `digest` replaced by the blob's real ones (from the diagnostic's data), provided the descriptor
 * still says what was verified. Undefined for other diagnostics.
 */
export function blobFixFor(
  analysis: Analysis,
  d: Diagnostic,
): { title: string; edits: CoreEdit[] } | undefined {
  if (d.code !== 'oci/blob-size-mismatch' && d.code !== 'oci/blob-digest-mismatch') return undefined;
  const data = d.data as Record<string, unknown> | undefined;
  const path = data?.path;
  if (!data || !Array.isArray(path) || !path.every((k) => typeof k === 'string' || typeof k === 'number'))
    return undefined;
  const desc = valueAt(analysis.json.value, path as Path);
  if (!isObject(desc) || desc.digest !== data.expectedDigest || desc.size !== data.expectedSize)
    return undefined;
  const actualSize =
    typeof data.actualSize === 'number' && !data.sizeIsLowerBound ? data.actualSize : undefined;
  const actualDigest = typeof data.actualDigest === 'string' ? data.actualDigest : undefined;
  const edits: CoreEdit[] = [];
  const replace = (key: string, newText: string): void => {
    const span = analysis.json.locate([...(path as Path), key]);
    if (span) edits.push({ offset: span.offset, length: span.length, newText });
  };
  const newSize = actualSize !== undefined && actualSize !== desc.size;
  const newDigest = actualDigest !== undefined && actualDigest !== desc.digest;
  if (newSize) replace('size', String(actualSize));
  if (newDigest) replace('digest', JSON.stringify(actualDigest));
  if (!edits.length) return undefined;
  const what = newSize && newDigest ? 'size and digest' : newSize ? 'size' : 'digest';
  return { title: `Update the descriptor to the blob's real ${what}`, edits };
}

/** The media type a file's content suggests. `complete` says whether `head` is the whole file. */
export function guessMediaType(head: Uint8Array, complete: boolean): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return MT.layerGzip;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return MT.layerZstd;
  if (hasTarMagic(head)) return MT.layerTar;
  if (complete) {
    try {
      const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head));
      if (isObject(value)) {
        if (typeof value.mediaType === 'string' && value.mediaType) return value.mediaType;
        if (detectKind(value, {}, true)?.kind === 'image-config') return MT.config;
      }
    } catch {
      // not JSON
    }
  }
  return 'application/octet-stream';
}

const countsOf = ({ text: _, ...counts }: VerifySummary): VerifyCounts => counts;

const pathKey = (p: readonly (string | number)[]): string => JSON.stringify(p);

/** A request failed in a way the user should read (a bad registry reference, a folder that is no layout). */
const failure = (message: string): ResponseError<void> =>
  new ResponseError(ErrorCodes.InternalError, message);

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function start(ctx: FeatureContext): void {
  const { connection, documents, runtime } = ctx;
  const store = ctx.verifications;
  const workDoneSupport = (): boolean => ctx.client.capabilities.window?.workDoneProgress === true;

  /** Progress for a request: the client's token when it sent one, else one the server creates when allowed. */
  async function progressFor(token: string | number | undefined): Promise<{
    reporter: WorkDoneProgressReporter;
    cancelled?: CancellationToken;
  }> {
    if (token !== undefined) return { reporter: connection.window.attachWorkDoneProgress(token) };
    if (workDoneSupport()) {
      try {
        const r = await connection.window.createWorkDoneProgress();
        return { reporter: r, cancelled: r.token };
      } catch {
        // the client refused: no progress
      }
    }
    return { reporter: connection.window.attachWorkDoneProgress(undefined) };
  }

  /** An AbortSignal that fires when the request or its progress is cancelled. */
  function abortOn(...tokens: (CancellationToken | undefined)[]): { signal: AbortSignal; dispose(): void } {
    const controller = new AbortController();
    const subs = tokens.flatMap((t) => {
      if (!t) return [];
      if (t.isCancellationRequested) controller.abort();
      return [t.onCancellationRequested(() => controller.abort())];
    });
    return { signal: controller.signal, dispose: () => subs.forEach((s) => s.dispose()) };
  }

  /** Throttled progress reports: "3 of 12 blobs, 1.2 GiB of 4.0 GiB". */
  function reporterOf(reporter: WorkDoneProgressReporter): (p: VerifyProgress) => void {
    let last = 0;
    return (p) => {
      const now = Date.now();
      if (now - last < PROGRESS_MS && p.done < p.total) return;
      last = now;
      const pct = p.totalBytes > 0 ? Math.min(100, Math.floor((100 * p.bytes) / p.totalBytes)) : undefined;
      const bytes = p.totalBytes > 0 ? `, ${humanSize(p.bytes)} of ${humanSize(p.totalBytes)}` : '';
      reporter.report(pct ?? 0, `${p.done} of ${p.total} blobs${bytes}`);
    };
  }

  function registryOf(
    s: Settings,
    params: { registry?: string; credentials?: RegistryChoice['credentials'] },
  ): RegistryChoice {
    const registry = (params.registry ?? s['verify.registry']).trim();
    return {
      ...(registry ? { registry } : {}),
      insecure: s['verify.insecureRegistries'],
      ...(params.credentials ? { credentials: params.credentials } : {}),
    };
  }

  connection.onRequest(
    VerifyDocumentRequest,
    async (params, token): Promise<VerifyDocumentResult | ResponseError<void>> => {
      const access = runtime.verify;
      const found = await ctx.analysisOf(params.uri);
      if (!found) {
        return documents.get(params.uri)
          ? failure('This document is not an OCI manifest, index or other document with descriptors.')
          : failure(`${params.uri} is not open in the editor; open it to verify it.`);
      }
      const { analysis, settings } = found;
      // The text verified: results are tied to it, whatever the document becomes meanwhile.
      const snapshot = TextDocument.create(
        params.uri,
        found.doc.languageId,
        found.doc.version,
        found.doc.getText(),
      );
      const at = Date.now();
      const kind = analysis.detection?.kind;
      let count = kind ? descriptorsOf(kind as DocumentKind, analysis.json.value).length : 0;
      if (params.paths) count = Math.min(count, params.paths.length);
      const choice = registryOf(settings, params);
      let sources;
      try {
        sources = access
          ? await access.sources(params.uri, choice)
          : { sources: [], labels: [], hasRegistry: false, close: () => undefined };
      } catch (err) {
        return failure(`Cannot verify: ${messageOf(err)}`);
      }
      const { reporter, cancelled } = await progressFor(params.workDoneToken);
      const abort = abortOn(token, cancelled);
      reporter.begin('Verifying digests', 0, `${count} descriptors`, true);
      try {
        // The walk, stopping at the document's own descriptors: each blob read and hashed once, a manifest or
        // index it names read as one (not walked).
        const tree = await verifyTree(analysis.json.text, {
          path: params.uri,
          parsed: analysis.json,
          ...(kind ? { kind: kind as DocumentKind } : {}),
          ...(params.paths ? { paths: params.paths } : {}),
          descend: false,
          lint: false,
          sources: access ? sources.sources : [embeddedDataSource()],
          ...(access ? { hasher: access.hasher } : {}),
          concurrency: CONCURRENCY,
          signal: abort.signal,
          onProgress: reporterOf(reporter),
          severities: settings['diagnostics.severity'],
          requireComplete: settings['verify.requireComplete'],
          digestOnSizeMismatch: true,
        });
        const results = tree?.files[0]?.results ?? [];
        const report = { results, summary: summarize(results), cancelled: tree?.cancelled ?? false };
        // Remember what was decided (a cancelled descriptor keeps its earlier result, if any).
        const decided = report.results.filter((r) => r.status !== 'cancelled');
        const tracked: Tracked[] = [];
        for (const r of decided) {
          const span = analysis.json.locate(r.path);
          if (span)
            tracked.push({
              path: r.path,
              text: snapshot.getText().slice(span.offset, span.offset + span.length),
              result: r,
              at,
            });
        }
        const before = store.get(params.uri);
        const replaced = new Set(tracked.map((t) => pathKey(t.path)));
        store.set(params.uri, {
          text: snapshot.getText(),
          tracked: [...(before?.tracked.filter((t) => !replaced.has(pathKey(t.path))) ?? []), ...tracked],
          fileFindings: before?.fileFindings ?? [],
        });
        ctx.refreshDiagnostics(params.uri);
        const shown: VerifyDescriptorResult[] = report.results.map((r) => ({
          path: [...r.path],
          status: r.status,
          range: {
            start: snapshot.positionAt(r.span.offset),
            end: snapshot.positionAt(r.span.offset + r.span.length),
          },
          ...(r.digest !== undefined ? { digest: r.digest } : {}),
          ...(r.size !== undefined ? { size: r.size } : {}),
          ...(r.actualSize !== undefined ? { actualSize: r.actualSize } : {}),
          ...(r.actualDigest !== undefined ? { actualDigest: r.actualDigest } : {}),
          ...(r.where !== undefined ? { where: r.where } : {}),
          ...(r.source !== undefined ? { source: r.source } : {}),
        }));
        return {
          summary: report.summary.text,
          counts: countsOf(report.summary),
          results: shown,
          cancelled: report.cancelled,
          searched: sources.labels,
          registryMightHelp: !sources.hasRegistry && report.summary.missing > 0,
          version: snapshot.version,
          at,
        };
      } catch (err) {
        connection.console.error(formatError('oci-manifest: verification failed', err));
        return failure(`Verification failed: ${messageOf(err)}`);
      } finally {
        abort.dispose();
        reporter.done();
        sources.close();
      }
    },
  );

  /** Per layout root: the files (uriKey) Verify Layout found something in, shown through the one publisher. */
  const reported = new Map<string, Set<string>>();

  connection.onRequest(
    VerifyLayoutRequest,
    async (params, token): Promise<VerifyLayoutResult | ResponseError<void>> => {
      const access = runtime.verify;
      if (!access) return failure('Verifying a layout needs a file system; this server has none.');
      const settings = await ctx.settingsOf(params.uri);
      const { reporter, cancelled } = await progressFor(params.workDoneToken);
      const abort = abortOn(token, cancelled);
      reporter.begin('Verifying the OCI image layout', 0, undefined, true);
      const at = Date.now();
      try {
        const report = await access.verifyLayout(params.uri, registryOf(settings, params), {
          signal: abort.signal,
          severities: settings['diagnostics.severity'],
          requireComplete: settings['verify.requireComplete'],
          ...(params.deep ? { deep: true } : {}),
          onProgress: reporterOf(reporter),
        });
        if (!report)
          return failure(
            `${params.uri} is not inside an OCI image layout (no folder above it has an oci-layout file).`,
          );
        const owner = `verify:${report.root}`;
        const now = new Set<string>();
        for (const file of report.files) {
          const own = file.findings.filter((f) => VERIFY_CODES.has(f.code));
          const withFinding = new Set(file.results.flatMap((r) => (r.finding ? [r.finding] : [])));
          const tracked: Tracked[] = [];
          if (file.text) {
            const json = parseJson(file.text);
            for (const r of file.results) {
              if (r.status === 'cancelled') continue;
              const span = json.locate(r.path);
              if (span)
                tracked.push({
                  path: r.path,
                  text: file.text.slice(span.offset, span.offset + span.length),
                  result: r,
                  at,
                });
            }
          }
          const fileFindings = own.filter((f) => !withFinding.has(f));
          if (tracked.length || fileFindings.length)
            store.set(file.uri, { text: file.text, tracked, fileFindings });
          else store.delete(file.uri);
          if (documents.get(file.uri)) ctx.refreshDiagnostics(file.uri);
          if (!own.length) continue;
          // On disk: the file's lint (as the workspace diagnostics would) with the verification findings; the
          // publisher shows them while the file is not open (once each, beside the workspace diagnostics).
          const doc = TextDocument.create(file.uri, 'json', 0, file.text);
          const lint =
            file.text && settings['layouts.workspaceDiagnostics']
              ? analyze(file.text, {
                  fileName: file.uri,
                  besideOciLayout: file.relative === 'index.json',
                  ...(file.kind ? { kind: file.kind } : {}),
                  severities: settings['diagnostics.severity'],
                  maxFullCheckSize: settings['diagnostics.maxFullCheckSize'],
                }).findings
              : [];
          const diagnostics: Diagnostic[] = [];
          for (const f of lint) diagnostics.push(toDiagnostic(doc, f));
          for (const f of own) diagnostics.push(toDiagnostic(doc, f));
          ctx.diskDiagnostics.file(owner, file.uri, diagnostics);
          now.add(uriKey(file.uri));
        }
        // Files this layout's last run reported that are fine now lose their findings.
        ctx.diskDiagnostics.retainFiles(owner, now);
        reported.set(report.root, now);
        return {
          root: report.root,
          summary: report.text,
          counts: countsOf(report.summary),
          files: report.files.map((f) => ({
            uri: f.uri,
            relative: f.relative,
            findings: f.findings.length,
            results: f.results.map((r) => ({
              path: [...r.path],
              status: r.status,
              ...(r.digest !== undefined ? { digest: r.digest } : {}),
            })),
          })),
          cancelled: report.cancelled,
          at,
        };
      } catch (err) {
        connection.console.error(formatError('oci-manifest: layout verification failed', err));
        return failure(`Verifying the layout failed: ${messageOf(err)}`);
      } finally {
        abort.dispose();
        reporter.done();
      }
    },
  );

  connection.onRequest(
    ComputeDigestRequest,
    async (params, token): Promise<ComputeDigestResult | ResponseError<void>> => {
      const access = runtime.verify;
      if (!access) return failure('Computing a digest needs a file system; this server has none.');
      const algorithm = params.algorithm ?? 'sha256';
      if (algorithm !== 'sha256' && algorithm !== 'sha512' && algorithm !== 'blake3')
        return failure(`Unknown digest algorithm "${algorithm}"; use sha256, sha512 or blake3.`);
      const abort = abortOn(token);
      try {
        const r = await access.hashFile(params.uri, { algorithm, head: HEAD_BYTES, signal: abort.signal });
        return {
          mediaType: guessMediaType(r.head, r.head.length === r.size),
          digest: r.digest,
          size: r.size,
        };
      } catch (err) {
        return failure(`Cannot compute the digest: ${messageOf(err)}`);
      } finally {
        abort.dispose();
      }
    },
  );

  ctx.addDiagnosticsProvider((doc, analysis) => store.extraDiagnostics(doc, analysis));
  // Results belong to an opening of the document; a layout file Verify Layout reported keeps them (they match
  // the disk).
  documents.onDidClose((e) => {
    const key = uriKey(e.document.uri);
    if (store.get(e.document.uri) && ![...reported.values()].some((s) => s.has(key)))
      store.delete(e.document.uri);
  });
}

export const verifyFeature: Feature = {
  id: 'verify',
  register(ctx) {
    start(ctx);
  },
};
