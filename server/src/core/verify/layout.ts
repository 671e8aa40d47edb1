/**
 * Verification of a whole image: a layout (*Verify Layout*, `oci-manifest verify DIR`) or everything a document
 * reaches (`oci-manifest verify FILE`). One walk (core/layout/graph.ts) goes from the root document through
 * every manifest and index it reaches, from whichever source has them (the layout, embedded data, a
 * registry), and the verification engine reads each blob once: it hashes it, and a manifest or index is read as
 * a document in the same read. Each document is linted (errors) as the kind it is, and every descriptor gets a
 * result. For a layout, the source's root files and its listing are checked too: `oci-layout`, `index.json`,
 * `blobs/`, names that are not `<algorithm>/<encoded>`, entries that are not regular files inside the layout,
 * blobs nobody references (info) and, by hashing those, blobs whose content is not their name (error).
 *
 * Pure: it works on any {@link ContentSource} with `readRoot` and `list` (an OCI layout folder today; an OCI
 * layout tarball or a `docker save` archive read in place fit the same interface).
 */
import type { VerifyCounts } from '../../protocol';
import type { Location } from '../check';
import {
  attestationReference,
  checkAcross,
  checkAttestationReferences,
  checkDiffIds,
  checkDockerManifestJson,
  dockerSaveMismatch,
  diffIdMismatch,
  type KnownBlob,
  type LayerDiffId,
} from '../checks/crossDocument';
import { checkLayerContent } from '../checks/layer';
import { analyze, resolve, type Finding } from '../index';
import { documentFromScan, documentFromText, type ContentDocument } from '../content/document';
import { DescriptorScanner } from '../content/scan';
import {
  embeddedDataSource,
  readAll,
  type ContentOrigin,
  type ContentSource,
  type RootFileName,
} from '../content/source';
import { detectKind, type DocumentOrigin } from '../detect';
import { blobPath, parseDigest, validateDigest } from '../digest';
import type { Path, Span } from '../findings';
import { parseJson, type JsonDocument } from '../json/document';
import type { DocumentKind } from '../kinds';
import { walkLayout, type BlobVisit, type LayoutWalk, type WalkReader } from '../layout/graph';
import { descriptorsOf, isManifestKind, isObject, type DescriptorRef } from '../model';
import type { FindingData, Rule } from '../rule';
import {
  addSummaries,
  createVerifier,
  hasDescriptors,
  isContentProblem,
  noCounts,
  severityOf,
  summarize,
  validSize,
  type BlobOutcome,
  type DescriptorResult,
  type Verifier,
  type VerifierOptions,
  type VerifySummary,
} from './verify';

/** Documents (root files, manifests, indexes) up to this size are read, linted and walked; larger ones are streamed. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** `oci-layout` is read only when it is at most this long. */
const MAX_LAYOUT_HEADER_BYTES = 64 * 1024;
/** At most this many entries of a source's listing are looked at. */
export const MAX_BLOB_ENTRIES = 1_000_000;
/** Bounds of the verification walk: far above real images, so reaching one says the image is hostile. */
const WALK_LIMITS = {
  maxDepth: 64,
  maxDocuments: 200_000,
  maxNodes: 4_000_000,
  maxEdges: 4_000_000,
  maxDocumentBytes: Number.MAX_SAFE_INTEGER,
  maxTotalBytes: Number.MAX_SAFE_INTEGER,
};

export interface VerifyImageOptions extends Omit<VerifierOptions, 'sources'> {
  /** Sources asked after the first (and embedded data) for blobs it lacks, e.g. a registry. */
  fallbackSources?: readonly ContentSource[];
  /** Every source, in priority order, instead of the first one, embedded data and `fallbackSources`. */
  sources?: readonly ContentSource[];
  /** Report the error-level findings of `oci-layout`, `index.json` and the documents reached (default true). */
  lint?: boolean;
  /** Report the lint findings of every severity, not only errors (`oci-manifest audit`, which lints all). */
  lintAll?: boolean;
  /**
   * Share this verifier (its cache, concurrency bound and progress) with other verifications of the same sources,
   * e.g. every tag of a repository: a blob named by many is looked at once. It must keep documents.
   */
  verifier?: Verifier;
  /** Hash unreferenced blobs to check they are named by their content (default true). */
  hashUnreferenced?: boolean;
}

/** One file (a root file, a document reached, a blob with a finding) with its findings; offsets into `text`. */
export interface ImageFileReport {
  /** Where it is, as shown: a path under the source's root as given, or a URL. */
  path: string;
  /** A URI for it (a `file:` URI; a URL), when the source gives one. */
  uri?: string;
  /** Relative to the source's root, with `/`: `index.json`, `blobs/sha256/…`, or `.` for the source itself. */
  relative: string;
  /** The kind the file was read as; null for blobs that were not read as documents. */
  kind: DocumentKind | null;
  /** The file's text ('' for binary blobs, missing files, documents too large to hold and the folder). */
  text: string;
  findings: Finding[];
  /** The results of this file's descriptors. */
  results: DescriptorResult[];
}

export interface LayoutBlobCounts {
  /** Entries under `blobs/<algorithm>/`. */
  entries: number;
  unreferenced: number;
  /** Unreferenced blobs whose content does not hash to their name. */
  misnamed: number;
  /** Entries whose name is not `<algorithm>/<encoded>`. */
  badPath: number;
  /** Entries that are not regular files inside the layout. */
  notFile: number;
}

export interface ImageReport {
  /** The files in this order: the source (when it has findings), root files, documents reached, other blobs. */
  files: ImageFileReport[];
  /** Over every descriptor of the documents reached (and root documents too large to check count as not checked). */
  summary: VerifySummary;
  /** Documents reached from the root (not counting it). */
  manifests: number;
  /** e.g. `5 verified, 0 mismatches, 0 not found`. */
  text: string;
  cancelled: boolean;
  /** True when a result or a finding leaves the content in doubt (see `isContentProblem`). */
  problem: boolean;
}

export interface LayoutReport extends ImageReport {
  blobs: LayoutBlobCounts;
}

const LAYOUT_FILE: RootFileName = 'oci-layout';
const INDEX_FILE: RootFileName = 'index.json';

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/** The parts shared by layout, archive and document verification: severities, lint, the walk and the reports. */
export class ImageCheck {
  readonly verifier: Verifier;
  readonly signal: AbortSignal;
  /** Digests of blobs the walk visited (their results are read from the verifier's cache). */
  private readonly visited = new Set<string>();
  /** Where each visited document came from. */
  private readonly origins = new Map<string, BlobOutcome>();
  /** Documents too large to hold that were not counted through a descriptor (root files). */
  uncheckedRoots = 0;

  constructor(
    readonly options: VerifyImageOptions,
    readonly first: ContentSource | undefined,
    /** The walk goes on into the documents it reaches (so the engine keeps them for it). */
    readonly descend = true,
  ) {
    this.signal = options.signal ?? new AbortController().signal;
    let sources: ContentSource[] = [];
    if (options.sources) sources = [...options.sources];
    else {
      if (first) sources.push(first);
      sources.push(embeddedDataSource());
      for (const s of options.fallbackSources ?? []) sources.push(s);
    }
    this.verifier =
      options.verifier ??
      createVerifier({ ...options, signal: this.signal, sources, keepDocuments: descend });
  }

  finding(code: string, message: string, data?: Record<string, unknown>): Finding | undefined {
    const severity = severityOf(code, this.options.severities);
    if (severity === 'off') return undefined;
    return { code, severity, message, offset: 0, length: 0, ...(data ? { data } : {}) };
  }

  /** The error-level lint of a document held as text, as `kind`. */
  lintErrors(doc: ContentDocument, origin: DocumentOrigin, kind?: DocumentKind): Finding[] {
    if (this.options.lint === false || doc.text === undefined) return [];
    const a = analyze(doc.text, {
      ...origin,
      ...(kind ? { kind } : {}),
      ...(doc.json ? { parsed: doc.json } : {}),
      severities: this.options.severities ?? {},
    });
    if (this.options.lintAll) return a.findings;
    const out: Finding[] = [];
    for (const f of a.findings) if (f.severity === 'error') out.push(f);
    return out;
  }

  /** What verification learnt of a blob: its document (manifests, indexes, configs), its compression. */
  known(digest: string): KnownBlob | undefined {
    const o = this.verifier.known(digest);
    if (!o || o.status !== 'verified') return undefined;
    const k: KnownBlob = {};
    if (o.document?.value !== undefined && !o.document.problem) k.value = o.document.value;
    if (o.document?.kind ?? o.kind) k.kind = o.document?.kind ?? o.kind;
    if (o.compression) k.compression = o.compression;
    if (o.compressionDetail !== undefined) k.compressionDetail = o.compressionDetail;
    return k;
  }

  /** A reporter that places findings in `doc` (offsets into its text), resolving their severity. */
  reporter(
    doc: { json?: JsonDocument },
    into: Finding[],
  ): <D extends FindingData>(rule: Rule<D>, at: Location, message: string, data?: D) => void {
    return (rule, at, message, data) => {
      const severity = severityOf(rule.code, this.options.severities);
      if (severity === 'off' || !doc.json) return;
      const span = resolve(doc.json, at);
      into.push({ code: rule.code, severity, message, ...span, ...(data ? { data } : {}) });
    };
  }

  /**
   * The findings that compare `doc` with the documents and blobs it names (core/checks/crossDocument.ts), and,
   * for a manifest read with deep verification, what its layers' bytes say (core/checks/layer.ts). Findings
   * about its config (a DiffID) go to `configFindings`.
   */
  across(
    doc: ContentDocument,
    digest: string | undefined,
    configFindings: (config: string, findings: (report: ReturnType<ImageCheck['reporter']>) => void) => void,
  ): Finding[] {
    const out: Finding[] = [];
    if (!doc.json || doc.value === undefined || !doc.kind) return out;
    const report = this.reporter(doc, out);
    checkAcross({
      kind: doc.kind,
      root: doc.value,
      descriptors: doc.refs,
      known: (d) => this.known(d),
      report,
    });
    if (doc.kind === 'image-index' || doc.kind === 'docker-manifest-list')
      checkAttestationReferences(doc.value, (at, message, data) =>
        report(attestationReference, at, message, data),
      );
    if (!isManifestKind(doc.kind) || !isObject(doc.value)) return out;
    // Deep: the layers' DiffIDs against the config, and the layers' own facts.
    const diffIds: (LayerDiffId | undefined)[] = [];
    let deep = false;
    for (const ref of doc.refs) {
      if (ref.role !== 'layer') continue;
      const d = ref.value.digest;
      const o = typeof d === 'string' ? this.verifier.known(d) : undefined;
      const layer = o?.status === 'verified' ? o.layer : undefined;
      const index = typeof ref.path[1] === 'number' ? ref.path[1] : diffIds.length;
      diffIds[index] = layer?.diffId !== undefined ? { layer: d as string, diffId: layer.diffId } : undefined;
      if (!layer) continue;
      deep = true;
      checkLayerContent(layer, ref.path, d as string, report);
    }
    const config = isObject(doc.value.config) ? doc.value.config.digest : undefined;
    if (deep && typeof config === 'string')
      configFindings(config, (into) =>
        checkDiffIds(this.known(config)?.value, diffIds, digest, (at, message, data) =>
          into(diffIdMismatch, at, message, data),
        ),
      );
    return out;
  }

  /** A reader for the walk over the verification engine: every blob is read and hashed once. */
  reader(): WalkReader {
    return {
      visit: async (ref, document): Promise<BlobVisit> => {
        const digest = ref.value.digest as string;
        this.visited.add(digest);
        const o = await this.verifier.outcome(ref);
        if (document && o.where !== undefined) this.origins.set(digest, o);
        switch (o.status) {
          case 'verified':
            return o.document ? { status: 'ok', document: o.document } : { status: 'ok' };
          case 'present':
            return { status: 'ok' };
          case 'unchecked':
            return { status: 'ok', ...(o.document ? { document: o.document } : {}) };
          case 'invalid':
            return {
              status: 'invalid',
              problem: `It ${o.reason}.`,
              ...(o.document ? { document: o.document } : {}),
            };
          case 'missing':
            return { status: 'missing', problem: 'It was not found.' };
          case 'unreadable':
            return { status: 'unreadable', problem: o.error?.message ?? 'It could not be read.' };
          case 'size-mismatch':
          case 'digest-mismatch':
            return { status: 'invalid', problem: 'Its content does not match its descriptor.' };
          default:
            return { status: 'unchecked', ...(o.reason ? { problem: o.reason } : {}) };
        }
      },
    };
  }

  /** Walks from `root` and reports each document reached. */
  async walk(
    root: ContentDocument,
    layoutVersion: string | undefined,
    anyKind: boolean,
  ): Promise<{
    walk: LayoutWalk;
    rootResults: DescriptorResult[];
    reports: ImageFileReport[];
    /** The cross-document findings of the root document. */
    rootAcross: Finding[];
  }> {
    const walk = await walkLayout(
      { document: root, anyKind, ...(layoutVersion !== undefined ? { layoutVersion } : {}) },
      this.reader(),
      {
        ...WALK_LIMITS,
        keepDocuments: this.descend,
        lean: true,
        descend: this.descend,
        cancelled: () => this.signal.aborted,
      },
    );
    const truncated = walk.graph.truncated;
    const rootResults = await this.results(root, truncated);
    const reports: ImageFileReport[] = [];
    /** Reports of configs with findings (a DiffID that deep verification contradicts), by digest. */
    const configs = new Map<string, ImageFileReport>();
    const configFindings = (
      digest: string,
      fill: (report: ReturnType<ImageCheck['reporter']>) => void,
    ): void => {
      const doc = this.verifier.known(digest)?.document;
      if (!doc?.json) return;
      const found: Finding[] = [];
      fill(this.reporter(doc, found));
      if (!found.length) return;
      let report = configs.get(digest);
      if (!report) {
        const o = this.verifier.known(digest);
        const relative = blobPath(digest) ?? digest;
        report = {
          path: o?.where ?? this.first?.describe?.({ digest })?.where ?? relative,
          ...(o?.uri ? { uri: o.uri } : {}),
          relative,
          kind: doc.kind ?? null,
          text: doc.text ?? '',
          findings: [],
          results: [],
        };
        configs.set(digest, report);
      }
      for (const f of found) report.findings.push(f);
    };
    const rootAcross = this.across(root, undefined, configFindings);
    for (const [digest, doc] of walk.documents) {
      const o = this.origins.get(digest);
      const relative = blobPath(digest) ?? digest;
      const where = o?.where ?? this.first?.describe?.({ digest })?.where ?? relative;
      const report: ImageFileReport = {
        path: where,
        ...(o?.uri ? { uri: o.uri } : {}),
        relative,
        kind: doc.kind ?? null,
        text: doc.text ?? '',
        findings: this.lintErrors(doc, { fileName: relative }, doc.kind),
        results: doc.problem ? [] : await this.results(doc, truncated),
      };
      for (const r of report.results) if (r.finding) report.findings.push(r.finding);
      if (!doc.problem) for (const f of this.across(doc, digest, configFindings)) report.findings.push(f);
      // A blob that is not a document and has nothing to say of itself (its parent's finding says it) is left out.
      if (!report.text && !report.findings.length && !report.results.length) continue;
      reports.push(report);
    }
    for (const [, r] of configs) {
      r.findings.sort((a, b) => a.offset - b.offset);
      // A config that is also a document reached (odd, but possible) keeps one report.
      const same = reports.find((x) => x.relative === r.relative);
      if (same) same.findings.push(...r.findings);
      else reports.push(r);
    }
    return { walk, rootResults, reports, rootAcross };
  }

  /** The results of a document's descriptors: read from the engine's cache for the blobs the walk visited. */
  async results(doc: ContentDocument, truncated: string | undefined): Promise<DescriptorResult[]> {
    const json = doc.json;
    const locate = (path: Path): Span => (json ? resolve(json, { path }) : { offset: 0, length: 0 });
    const reached: DescriptorRef[] = [];
    const stopped: DescriptorRef[] = [];
    for (const ref of doc.refs) {
      const d = ref.value.digest;
      const followable =
        typeof d === 'string' && validateDigest(d).ok && validSize(ref.value.size) !== undefined;
      if (!followable || this.visited.has(d)) reached.push(ref);
      else stopped.push(ref);
    }
    const report = await this.verifier.verify(reached, locate);
    if (!stopped.length) return report.results;
    // Blobs the walk did not reach (it stopped at a bound or was cancelled) are not read now either.
    const why = this.signal.aborted
      ? undefined
      : `the walk stopped before it: ${truncated ?? 'a bound was reached'}`;
    const byPath = new Map<DescriptorRef, DescriptorResult>();
    for (let i = 0; i < reached.length; i++) byPath.set(reached[i]!, report.results[i]!);
    const out: DescriptorResult[] = [];
    for (const ref of doc.refs) {
      const r = byPath.get(ref);
      if (r) {
        out.push(r);
        continue;
      }
      out.push({
        status: why ? 'skipped' : 'cancelled',
        searched: [],
        ...(why ? { reason: why } : {}),
        path: ref.path,
        role: ref.role,
        digest: ref.value.digest as string,
        ...(validSize(ref.value.size) !== undefined ? { size: validSize(ref.value.size) } : {}),
        manifest: false,
        span: locate([...ref.path, 'digest']),
      });
    }
    return out;
  }

  /** Reads a root file: its text when small enough, else a streamed document; or why not. */
  async readRootDocument(
    source: ContentSource,
    name: RootFileName,
    max: number,
  ): Promise<
    | { missing: true }
    | { problem: string }
    | { text: string; where: string; uri?: string; size: number }
    | { streamed: ContentDocument; where: string; uri?: string; size: number }
  > {
    let file;
    try {
      file = await source.readRoot?.(name, { signal: this.signal });
    } catch (err) {
      return { problem: `could not be read (${err instanceof Error ? err.message : String(err)})` };
    }
    if (file === undefined) return { missing: true };
    if ('problem' in file) return { problem: file.problem };
    const at = { where: file.where, ...(file.uri ? { uri: file.uri } : {}), size: file.size };
    try {
      if (file.size <= max) {
        const bytes = await readAll(file.chunks, max, file.size);
        if (bytes) return { text: decodeUtf8(bytes), ...at };
        return { problem: `grew above ${mib(max)} while it was read` };
      }
      if (name === LAYOUT_FILE) {
        await file.chunks[Symbol.asyncIterator]().return?.();
        return {
          problem: `is ${mib(file.size)}, far more than an oci-layout file holds, so it was not read`,
        };
      }
      const scanner = new DescriptorScanner({ maxDescriptors: 1_000_000 });
      for await (const chunk of file.chunks) scanner.write(chunk);
      return { streamed: documentFromScan(scanner.end(), 'any'), ...at };
    } catch (err) {
      return { problem: `could not be read (${err instanceof Error ? err.message : String(err)})` };
    }
  }

  /** A summary over reports (root documents too large to check count as not checked). */
  summary(files: readonly ImageFileReport[]): VerifySummary {
    const parts: VerifyCounts[] = [];
    for (const f of files) parts.push(summarize(f.results));
    if (this.uncheckedRoots)
      parts.push({ ...noCounts(), total: this.uncheckedRoots, unchecked: this.uncheckedRoots });
    return addSummaries(parts);
  }

  /** True when anything leaves the content in doubt. */
  problem(files: readonly ImageFileReport[]): boolean {
    if (this.uncheckedRoots) return true;
    for (const f of files) {
      for (const x of f.findings) if (x.severity === 'error') return true;
      for (const r of f.results) if (isContentProblem(r, this.options.requireComplete)) return true;
    }
    return false;
  }
}

/** The finding for a root document too large to check in full. */
function notCheckedFinding(check: ImageCheck, name: string, size: number): Finding | undefined {
  return check.finding(
    'oci/blob-not-checked',
    `"${name}" is ${mib(size)}, above the ${mib(MAX_DOCUMENT_BYTES)} a document is checked in full: its descriptors were followed, its content was not linted.`,
    { size },
  );
}

/**
 * A Docker `manifest.json` beside `index.json` (Docker 25+ `docker save`): read, and checked against the image
 * manifests the walk reached. Undefined when there is none.
 */
async function dockerManifestReport(
  check: ImageCheck,
  source: ContentSource,
  walk: LayoutWalk,
  fileReport: (relative: string, kind?: DocumentKind | null, text?: string) => ImageFileReport,
): Promise<ImageFileReport | undefined> {
  const read = await check.readRootDocument(source, 'manifest.json', MAX_DOCUMENT_BYTES);
  if (!('text' in read)) return undefined;
  const report = fileReport('manifest.json', null, read.text);
  const json = parseJson(read.text);
  const images = new Map<string, unknown>();
  for (const [digest, doc] of walk.documents)
    if (doc.kind && isManifestKind(doc.kind) && !doc.problem) images.set(digest, doc.value);
  const into: Finding[] = [];
  const report_ = check.reporter({ json }, into);
  checkDockerManifestJson(json.value, images, (at, message, data) =>
    report_(dockerSaveMismatch, at, message, data),
  );
  if (!into.length) return undefined;
  report.findings.push(...into);
  return report;
}

/** The finding for a walk that stopped at a bound. */
function truncatedFinding(check: ImageCheck, walk: LayoutWalk): Finding | undefined {
  const why = walk.graph.truncated;
  if (!why || check.signal.aborted) return undefined;
  return check.finding(
    'oci/blob-not-checked',
    `The walk over the image stopped early: ${why} What lies beyond was not checked.`,
  );
}

/**
 * Verifies the image layout (or other image source with root files and a listing) `source`. Never rejects
 * for bad content; a source that cannot be read at all becomes findings on the source itself.
 */
export async function verifyLayout(
  source: ContentSource,
  options: VerifyImageOptions = {},
): Promise<LayoutReport> {
  const check = new ImageCheck(options, source);
  const origin = (p: string): ContentOrigin => source.describe?.({ path: p }) ?? { where: p };
  const fileReport = (relative: string, kind: DocumentKind | null = null, text = ''): ImageFileReport => {
    const o = origin(relative === '.' ? '' : relative);
    return {
      path: o.where,
      ...(o.uri ? { uri: o.uri } : {}),
      relative,
      kind,
      text,
      findings: [],
      results: [],
    };
  };
  const add = (report: ImageFileReport, f: Finding | undefined): void => {
    if (f) report.findings.push(f);
  };
  const folder = fileReport('.');
  const files: ImageFileReport[] = [];
  /** Folder findings in the order the layout's parts are described: oci-layout, blobs, index.json. */
  const RANK: Record<string, number> = { 'oci-layout': 0, blobs: 1, 'index.json': 2 };

  for (const issue of source.issues ?? []) add(folder, check.finding('oci/archive-member', issue));

  // oci-layout
  let layoutVersion: string | undefined;
  const header = await check.readRootDocument(source, LAYOUT_FILE, MAX_LAYOUT_HEADER_BYTES);
  if ('missing' in header) {
    add(
      folder,
      check.finding(
        'oci/layout-missing-file',
        `The folder has no "oci-layout" file, so it is not an OCI image layout; add one containing {"imageLayoutVersion": "1.0.0"}.`,
        { file: LAYOUT_FILE },
      ),
    );
  } else if ('problem' in header) {
    add(
      folder,
      check.finding(
        'oci/layout-missing-file',
        `The layout's "oci-layout" file cannot be used: it ${header.problem}.`,
        {
          file: LAYOUT_FILE,
        },
      ),
    );
  } else if ('text' in header) {
    const report = fileReport(LAYOUT_FILE, 'layout-header', header.text);
    const doc = documentFromText(header.text, 'any');
    for (const f of check.lintErrors(doc, { fileName: LAYOUT_FILE, besideOciLayout: true }, 'layout-header'))
      report.findings.push(f);
    const v =
      doc.value && typeof doc.value === 'object'
        ? (doc.value as Record<string, unknown>).imageLayoutVersion
        : undefined;
    if (typeof v === 'string') layoutVersion = v;
    files.push(report);
  }

  // index.json and everything reachable from it
  const index = await check.readRootDocument(source, INDEX_FILE, MAX_DOCUMENT_BYTES);
  let rootDoc: ContentDocument | undefined;
  let indexReport: ImageFileReport | undefined;
  if ('missing' in index) {
    add(
      folder,
      check.finding(
        'oci/layout-missing-file',
        'The layout has no "index.json" file, so no image in it can be found; it must exist and be an image index.',
        { file: INDEX_FILE },
      ),
    );
  } else if ('problem' in index) {
    add(
      folder,
      check.finding(
        'oci/layout-missing-file',
        `The layout's "index.json" cannot be used: it ${index.problem}.`,
        {
          file: INDEX_FILE,
        },
      ),
    );
  } else {
    const layoutOrigin = { fileName: INDEX_FILE, besideOciLayout: true };
    if ('text' in index) {
      const json = parseJson(index.text);
      const kind = json.value === undefined ? undefined : detectKind(json.value, layoutOrigin, true)?.kind;
      rootDoc = {
        text: index.text,
        json,
        value: json.value,
        refs: kind ? descriptorsOf(kind, json.value) : [],
        ...(kind ? { kind } : {}),
      };
      indexReport = fileReport(INDEX_FILE, 'image-index', index.text);
      for (const f of check.lintErrors(rootDoc, layoutOrigin)) indexReport.findings.push(f);
    } else {
      rootDoc = index.streamed;
      indexReport = fileReport(INDEX_FILE, rootDoc.kind ?? 'image-index');
      check.uncheckedRoots++;
      add(indexReport, notCheckedFinding(check, INDEX_FILE, index.size));
      if (rootDoc.problem)
        add(
          indexReport,
          check.finding(
            'oci/layout-missing-file',
            `The layout's "index.json" cannot be used: it ${rootDoc.problem}.`,
            {
              file: INDEX_FILE,
            },
          ),
        );
    }
    files.push(indexReport);
  }

  const referenced = new Set<string>();
  let manifests = 0;
  let reports: ImageFileReport[] = [];
  if (rootDoc && indexReport && !check.signal.aborted) {
    const walked = await check.walk(rootDoc, layoutVersion, false);
    indexReport.results = walked.rootResults;
    for (const r of walked.rootResults) if (r.finding) indexReport.findings.push(r.finding);
    for (const f of walked.rootAcross) indexReport.findings.push(f);
    const dockerManifest = await dockerManifestReport(check, source, walked.walk, fileReport);
    if (dockerManifest) files.push(dockerManifest);
    add(indexReport, truncatedFinding(check, walked.walk));
    reports = walked.reports;
    for (const r of walked.rootResults) if (r.digest !== undefined) referenced.add(r.digest);
    for (const rep of reports)
      for (const r of rep.results) if (r.digest !== undefined) referenced.add(r.digest);
    // Documents that are not what they were named as get reports (with their lint), but are no manifests.
    for (const doc of walked.walk.documents.values()) if (!doc.problem) manifests++;
  }

  // Everything the source holds
  const counts: LayoutBlobCounts = { entries: 0, unreferenced: 0, misnamed: 0, badPath: 0, notFile: 0 };
  const blobReports = new Map<string, ImageFileReport>();
  const blobReport = (relative: string): ImageFileReport => {
    let r = blobReports.get(relative);
    if (!r) {
      r = fileReport(relative);
      blobReports.set(relative, r);
    }
    return r;
  };
  const toHash: { digest: string; relative: string; size: number }[] = [];
  let blobsSeen = false;
  if (source.list && !check.signal.aborted) {
    const badAlgorithms = new Set<string>();
    for await (const e of source.list({ signal: check.signal, maxEntries: MAX_BLOB_ENTRIES })) {
      const parts = e.path.split('/');
      if (parts[0] !== 'blobs') continue;
      if (parts.length === 1) {
        blobsSeen = true;
        if (e.type !== 'directory')
          add(
            folder,
            check.finding(
              'oci/layout-missing-file',
              `The layout's "blobs" ${e.problem ?? 'is not a directory'}, so none of its blobs were read; it must be a directory inside the layout.`,
              { file: 'blobs' },
            ),
          );
        continue;
      }
      const alg = parts[1]!;
      if (parts.length === 2) {
        if (e.type === 'refused') {
          counts.notFile++;
          add(blobReport(e.path), check.finding('oci/layout-blob-not-file', `"${e.path}" ${e.problem}.`));
          badAlgorithms.add(alg);
        } else if (e.type === 'file') {
          counts.badPath++;
          add(
            blobReport(e.path),
            check.finding(
              'oci/layout-blob-path',
              `"${e.path}" is a file directly in "blobs"; blobs live at "blobs/<algorithm>/<encoded>", so no descriptor can name it.`,
            ),
          );
        } else if (parseDigest(`${alg}:x`)?.algorithm !== alg) {
          counts.badPath++;
          badAlgorithms.add(alg);
          add(
            blobReport(e.path),
            check.finding(
              'oci/layout-blob-path',
              `The directory "${e.path}" is not named like a digest algorithm (lowercase letters and digits, with "+._-" between them); no descriptor can name the blobs in it.`,
            ),
          );
        }
        continue;
      }
      if (parts.length !== 3 || badAlgorithms.has(alg)) continue;
      counts.entries++;
      const digest = `${alg}:${parts[2]}`;
      const verdict = validateDigest(digest);
      if (!verdict.ok) {
        counts.badPath++;
        add(
          blobReport(e.path),
          check.finding(
            'oci/layout-blob-path',
            `"${e.path}" is not a valid blob name: the digest ${JSON.stringify(digest)} ${verdict.explanation}.`,
          ),
        );
        continue;
      }
      if (e.type !== 'file') {
        counts.notFile++;
        add(
          blobReport(e.path),
          check.finding(
            'oci/layout-blob-not-file',
            `The blob entry "${e.path}" ${e.type === 'directory' ? 'is a directory, not a regular file' : e.problem}.`,
          ),
        );
        continue;
      }
      if (referenced.has(digest)) continue;
      counts.unreferenced++;
      const size = e.size ?? 0;
      add(
        blobReport(e.path),
        check.finding(
          'oci/layout-blob-unreferenced',
          `The blob "${e.path}" (${size} bytes) is not referenced by "index.json" or any manifest reachable from it.`,
          { digest, size },
        ),
      );
      if (options.hashUnreferenced !== false && verdict.registered)
        toHash.push({ digest, relative: e.path, size });
    }
  }
  if (source.list && !blobsSeen && !check.signal.aborted)
    add(
      folder,
      check.finding(
        'oci/layout-missing-file',
        'The layout has no "blobs" directory; it must exist, even when empty.',
        {
          file: 'blobs',
        },
      ),
    );

  // Hash the unreferenced blobs through the same engine (same bound, progress and cancellation).
  if (toHash.length && !check.signal.aborted) {
    const checked = await Promise.all(
      toHash.map((b) =>
        check.verifier.verify(
          [{ path: [], role: 'blob', value: { digest: b.digest, size: b.size } }],
          () => ({
            offset: 0,
            length: 0,
          }),
        ),
      ),
    );
    for (let i = 0; i < checked.length; i++) {
      const r = checked[i]!.results[0];
      const b = toHash[i]!;
      if (!r) continue;
      if (r.status === 'digest-mismatch' || (r.status === 'size-mismatch' && r.source === source.name)) {
        counts.misnamed++;
        const actual = r.actualDigest
          ? ` hashes to ${JSON.stringify(r.actualDigest)}`
          : ' changed while it was read';
        add(
          blobReport(b.relative),
          check.finding(
            'oci/layout-blob-name',
            `The content of "${b.relative}"${actual}, so it is not named by its digest; it was renamed, corrupted or written incompletely.`,
            { digest: b.digest, actualDigest: r.actualDigest },
          ),
        );
      } else if (r.status === 'unreadable' && r.finding) {
        add(blobReport(b.relative), { ...r.finding, offset: 0, length: 0 });
      }
    }
  }

  folder.findings.sort((a, b) => (RANK[String(a.data?.file)] ?? 3) - (RANK[String(b.data?.file)] ?? 3));
  reports.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  const out: ImageFileReport[] = [];
  if (folder.findings.length) out.push(folder);
  for (const f of files) out.push(f);
  for (const f of reports) out.push(f);
  const byRel = new Map<string, ImageFileReport>();
  for (const f of out) byRel.set(f.relative, f);
  const sortedBlobs = [...blobReports.keys()].sort();
  for (const rel of sortedBlobs) {
    const r = blobReports.get(rel)!;
    const existing = byRel.get(rel);
    if (existing) for (const f of r.findings) existing.findings.push(f);
    else out.push(r);
  }
  for (const f of out) f.findings.sort((a, b) => a.offset - b.offset);
  const summary = check.summary(out);
  const cancelled = check.signal.aborted || summary.cancelled > 0;
  const text = `${summary.text}; ${counts.entries} ${counts.entries === 1 ? 'blob' : 'blobs'}, ${counts.unreferenced} unreferenced, ${counts.misnamed} misnamed${counts.badPath ? `, ${counts.badPath} badly named` : ''}${counts.notFile ? `, ${counts.notFile} not regular files` : ''}`;
  return { files: out, summary, blobs: counts, manifests, text, cancelled, problem: check.problem(out) };
}

export interface VerifyTreeOptions extends VerifyImageOptions {
  /** Where the text came from (file name, beside an `oci-layout` file), for detection. */
  origin?: DocumentOrigin;
  /** Read the document as this kind instead of detecting it. */
  kind?: DocumentKind;
  /** The source to look in first (the layout the document is in), and which names the document's own file. */
  source?: ContentSource;
  /** How the document itself is shown (its path). */
  path: string;
  /** `text` already parsed (an editor's analysis), so that it is parsed once. */
  parsed?: JsonDocument;
  /** Only the descriptors at these paths (e.g. from a code lens); all when absent. */
  paths?: readonly Path[];
  /**
   * Go on into the manifests and indexes the document names (default true). False checks the document's own
   * descriptors: each blob read and hashed, a manifest or index read as one, but not walked (*Verify Digests*).
   */
  descend?: boolean;
}

/**
 * Verifies a document and everything it reaches: its descriptors, and the manifests and indexes they name
 * (from whichever source has them: the layout it is in, embedded data, a registry), all the way down. The
 * first report is the document's own; `undefined` when it is not a document with descriptors.
 */
export async function verifyTree(text: string, options: VerifyTreeOptions): Promise<ImageReport | undefined> {
  const check = new ImageCheck(options, options.source, options.descend !== false);
  const json = options.parsed?.text === text ? options.parsed : parseJson(text);
  const kind = options.kind ?? detectKind(json.value, options.origin ?? {}, true)?.kind;
  if (!kind || json.value === undefined) return undefined;
  if (!hasDescriptors(kind)) return undefined;
  let refs = descriptorsOf(kind, json.value);
  if (options.paths) {
    const wanted = new Set(options.paths.map((p) => JSON.stringify(p)));
    refs = refs.filter((r) => wanted.has(JSON.stringify(r.path)));
  }
  const root: ContentDocument = { text, json, value: json.value, kind, refs };
  const walked = await check.walk(root, undefined, true);
  const own: ImageFileReport = {
    path: options.path,
    relative: options.path,
    kind,
    text,
    findings: [],
    results: walked.rootResults,
  };
  for (const r of walked.rootResults) if (r.finding) own.findings.push(r.finding);
  for (const f of walked.rootAcross) own.findings.push(f);
  const stopped = truncatedFinding(check, walked.walk);
  if (stopped) own.findings.push(stopped);
  own.findings.sort((a, b) => a.offset - b.offset);
  // A document reached from itself (a file that is also a blob of its layout) is reported once.
  const files = [own, ...walked.reports.filter((r) => r.path !== options.path)];
  const summary = check.summary(files);
  return {
    files,
    summary,
    manifests: [...walked.walk.documents.values()].filter((d) => !d.problem).length,
    text: summary.text,
    cancelled: check.signal.aborted || summary.cancelled > 0,
    problem: check.problem(files),
  };
}
