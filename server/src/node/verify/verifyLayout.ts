/**
 * Verify Layout: a whole OCI image layout folder. Checks that `oci-layout`, `index.json` and `blobs/`
 * exist (and the error-level findings of the two files), verifies every descriptor of `index.json` and of
 * every manifest and index reachable from it through the layout's blobs (nested indexes included, each
 * manifest once), then looks at every entry under `blobs/`: names that are not `<algorithm>/<encoded>`,
 * entries that are not regular files inside the layout, blobs nobody references (info) and, by hashing
 * those, blobs whose content is not their name (error).
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { analyze, RULE_BY_CODE, type DocumentKind, type Finding, type Severity } from '../../core/index';
import { parseDigest, validateDigest } from '../../core/digest';
import type { DescriptorRef } from '../../core/model';
import { BlobSourceError, embeddedDataSource, type BlobSource } from '../../core/verify/source';
import {
  addSummaries,
  createVerifier,
  hasDescriptors,
  summarize,
  verifyDocument,
  type DescriptorResult,
  type VerifierOptions,
  type VerifySummary,
} from '../../core/verify/verify';
import { nodeHasherFactory } from './hash';
import { isInside, LayoutBlobSource, openRegular, specialKind } from './layoutStore';

/** Manifests and indexes larger than this are not read for the walk (registries cap them at 4 MiB). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** `oci-layout` and `index.json` larger than this are not read. */
const MAX_LAYOUT_FILE_BYTES = 64 * 1024 * 1024;
/** At most this many entries under `blobs/` are looked at. */
export const MAX_BLOB_ENTRIES = 1_000_000;

export interface VerifyLayoutOptions extends Omit<VerifierOptions, 'sources'> {
  /** Sources asked after the layout (and embedded data) for blobs the layout lacks, e.g. a registry. */
  fallbackSources?: readonly BlobSource[];
  /** Report the error-level findings of `oci-layout`, `index.json` and the manifests reached (default true). */
  lint?: boolean;
  /** Hash unreferenced blobs to check they are named by their content (default true). */
  hashUnreferenced?: boolean;
  /** Read size per step (default 4 MiB). */
  chunkSize?: number;
}

/** One file of the layout with its findings; positions are offsets into `text`. */
export interface LayoutFileReport {
  /** The path as shown: under the root as given. */
  path: string;
  /** Relative to the layout root, with `/`: `index.json`, `blobs/sha256/…`, or `.` for the folder itself. */
  relative: string;
  /** The kind the file was read as; null for blobs that were not read as documents. */
  kind: DocumentKind | null;
  /** The file's text ('' for binary blobs, missing files and the folder). */
  text: string;
  findings: Finding[];
  /** The results of this file's descriptors (index.json and each manifest reached). */
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

export interface LayoutReport {
  root: string;
  /** Files in this order: the folder (when it has findings), `oci-layout`, `index.json`, manifests reached, other blobs with findings. */
  files: LayoutFileReport[];
  /** Over every descriptor of `index.json` and the manifests reached. */
  summary: VerifySummary;
  blobs: LayoutBlobCounts;
  /** Manifests and indexes reached from `index.json` (not counting it). */
  manifests: number;
  /** e.g. `5 verified, 0 mismatches, 0 not found; 6 blobs, 1 unreferenced, 0 misnamed`. */
  text: string;
  cancelled: boolean;
}

const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';

/** Reads a small regular file, refusing special files; undefined when it does not exist. */
async function readSmallFile(
  root: string,
  file: string,
  max: number,
): Promise<{ bytes: Buffer } | { error: string } | undefined> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (err) {
    const c = (err as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') return undefined;
    return { error: `cannot read it: ${c ?? String(err)}` };
  }
  const special = specialKind(st);
  if (special) return { error: `it is ${special}, not a regular file` };
  if (st.size > max) return { error: `it is larger than ${max / 1048576} MiB` };
  try {
    const real = await realpath(file);
    // A symbolic link must not make the layout's own files read something elsewhere.
    if (!isInside(real, root))
      return { error: 'it is a symbolic link that leads outside the layout, so it was not read' };
    const handle = await openRegular({ shown: file, real, stats: await stat(real) });
    try {
      const buf = Buffer.alloc(st.size);
      let got = 0;
      while (got < st.size) {
        const r = await handle.read(buf, got, st.size - got, got);
        if (r.bytesRead === 0) break;
        got += r.bytesRead;
      }
      return { bytes: buf.subarray(0, got) };
    } finally {
      await handle.close();
    }
  } catch (err) {
    return {
      error:
        err instanceof BlobSourceError
          ? err.message
          : `cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    };
  }
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Verifies the OCI image layout at `root` (a folder). Rejects only when `root` cannot be read at all. */
export async function verifyLayout(root: string, options: VerifyLayoutOptions = {}): Promise<LayoutReport> {
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a folder`);
  const layout = await LayoutBlobSource.create(
    root,
    options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {},
  );
  const realRoot = layout.realRoot;
  const severities = options.severities ?? {};
  const lint = options.lint !== false;
  const signal = options.signal ?? new AbortController().signal;
  const verifier = createVerifier({
    ...options,
    hasher: options.hasher ?? nodeHasherFactory,
    signal,
    sources: [layout, embeddedDataSource(), ...(options.fallbackSources ?? [])],
  });

  const severityOf = (code: string): Severity | undefined => {
    const o = severities[code];
    if (o === 'off') return undefined;
    return o ?? RULE_BY_CODE.get(code)?.severity ?? 'warning';
  };
  const finding = (code: string, message: string, data?: Record<string, unknown>): Finding | undefined => {
    const severity = severityOf(code);
    if (!severity) return undefined;
    return { code, severity, message, offset: 0, length: 0, ...(data ? { data } : {}) };
  };
  const fileReport = (relative: string, kind: DocumentKind | null = null, text = ''): LayoutFileReport => ({
    path: relative === '.' ? root : path.join(root, ...relative.split('/')),
    relative,
    kind,
    text,
    findings: [],
    results: [],
  });
  const add = (report: LayoutFileReport, f: Finding | undefined): void => {
    if (f) report.findings.push(f);
  };
  const lintErrors = (
    text: string,
    fileName: string,
    kind?: DocumentKind,
  ): { findings: Finding[]; kind?: DocumentKind } => {
    const a = analyze(text, {
      fileName,
      besideOciLayout: fileName === INDEX_FILE || fileName === LAYOUT_FILE,
      kind,
      severities,
    });
    return {
      findings: lint ? a.findings.filter((f) => f.severity === 'error') : [],
      kind: a.detection?.kind,
    };
  };

  const folder = fileReport('.');
  const files: LayoutFileReport[] = [];

  // oci-layout
  const header = fileReport(LAYOUT_FILE, 'layout-header');
  const headerRead = await readSmallFile(realRoot, path.join(realRoot, LAYOUT_FILE), MAX_LAYOUT_FILE_BYTES);
  if (headerRead === undefined) {
    add(
      folder,
      finding(
        'oci/layout-missing-file',
        `The folder has no "oci-layout" file, so it is not an OCI image layout; add one containing {"imageLayoutVersion": "1.0.0"}.`,
        { file: LAYOUT_FILE },
      ),
    );
  } else if ('error' in headerRead) {
    add(
      folder,
      finding(
        'oci/layout-missing-file',
        `The layout's "oci-layout" file cannot be used: ${headerRead.error}.`,
        { file: LAYOUT_FILE },
      ),
    );
  } else {
    const text = decodeUtf8(headerRead.bytes) ?? new TextDecoder().decode(headerRead.bytes);
    header.text = text;
    header.findings.push(...lintErrors(text, LAYOUT_FILE, 'layout-header').findings);
    files.push(header);
  }

  // blobs/
  let blobsOk: boolean;
  try {
    const bl = await lstat(path.join(realRoot, 'blobs'));
    blobsOk =
      bl.isDirectory() || (bl.isSymbolicLink() && (await stat(path.join(realRoot, 'blobs'))).isDirectory());
  } catch {
    blobsOk = false;
  }
  if (!blobsOk)
    add(
      folder,
      finding(
        'oci/layout-missing-file',
        'The layout has no "blobs" directory; it must exist, even when empty.',
        { file: 'blobs' },
      ),
    );

  // index.json and everything reachable from it
  const reports: LayoutFileReport[] = [];
  const referenced = new Set<string>();
  const visited = new Set<string>();
  const indexRead = await readSmallFile(realRoot, path.join(realRoot, INDEX_FILE), MAX_LAYOUT_FILE_BYTES);
  type Pending = { report: LayoutFileReport; text: string; kind: DocumentKind };
  let level: Pending[] = [];
  if (indexRead === undefined) {
    add(
      folder,
      finding(
        'oci/layout-missing-file',
        'The layout has no "index.json" file, so no image in it can be found; it must exist and be an image index.',
        { file: INDEX_FILE },
      ),
    );
  } else if ('error' in indexRead) {
    add(
      folder,
      finding('oci/layout-missing-file', `The layout's "index.json" cannot be used: ${indexRead.error}.`, {
        file: INDEX_FILE,
      }),
    );
  } else {
    const text = decodeUtf8(indexRead.bytes) ?? new TextDecoder().decode(indexRead.bytes);
    const report = fileReport(INDEX_FILE, 'image-index', text);
    report.findings.push(...lintErrors(text, INDEX_FILE).findings);
    files.push(report);
    level.push({ report, text, kind: 'image-index' });
  }

  let manifests = 0;
  while (level.length && !signal.aborted) {
    const next: Pending[] = [];
    await Promise.all(
      level.map(async (p) => {
        const r = await verifyDocument(p.text, { sources: [], verifier, kind: p.kind });
        p.report.results = r.results;
        p.report.findings.push(...r.findings);
        for (const res of r.results) if (res.digest !== undefined) referenced.add(res.digest);
        // Walk into the manifests and indexes this file names, when the layout holds them intact.
        const refs = r.results.filter(
          (res) =>
            res.status === 'verified' && res.source === 'layout' && res.digest !== undefined && res.manifest,
        );
        for (const res of refs) {
          const digest = res.digest!;
          if (visited.has(digest)) continue;
          visited.add(digest);
          const loaded = await loadManifest(layout, digest);
          if (!loaded) continue;
          const relative = path.relative(realRoot, loaded.real).split(path.sep).join('/');
          const report = fileReport(relative, null, loaded.text);
          const linted = lintErrors(loaded.text, relative);
          report.kind = linted.kind ?? null;
          report.findings.push(...linted.findings);
          reports.push(report);
          manifests++;
          if (linted.kind && hasDescriptors(linted.kind))
            next.push({ report, text: loaded.text, kind: linted.kind });
        }
      }),
    );
    level = next;
  }

  // Every entry under blobs/
  const counts: LayoutBlobCounts = { entries: 0, unreferenced: 0, misnamed: 0, badPath: 0, notFile: 0 };
  const blobReports = new Map<string, LayoutFileReport>();
  const blobReport = (relative: string): LayoutFileReport => {
    let r = blobReports.get(relative);
    if (!r) {
      r = fileReport(relative);
      blobReports.set(relative, r);
    }
    return r;
  };
  const toHash: { digest: string; relative: string; size: number }[] = [];
  if (blobsOk && !signal.aborted) {
    const realBlobs = await realpath(path.join(realRoot, 'blobs'));
    let budget = MAX_BLOB_ENTRIES;
    const algEntries = await readdir(realBlobs, { withFileTypes: true }).catch(() => [] as Dirent[]);
    algEntries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const alg of algEntries) {
      const relAlg = `blobs/${alg.name}`;
      const algOk = parseDigest(`${alg.name}:x`)?.algorithm === alg.name;
      let isDir = alg.isDirectory();
      if (alg.isSymbolicLink()) {
        try {
          const real = await realpath(path.join(realBlobs, alg.name));
          isDir = isInside(real, realBlobs) && (await stat(real)).isDirectory();
          if (!isDir) {
            counts.notFile++;
            add(
              blobReport(relAlg),
              finding(
                'oci/layout-blob-not-file',
                `"${relAlg}" is a symbolic link that does not lead to a directory inside the layout's blobs directory; it was not followed.`,
              ),
            );
            continue;
          }
        } catch {
          counts.notFile++;
          add(
            blobReport(relAlg),
            finding('oci/layout-blob-not-file', `"${relAlg}" is a dangling symbolic link.`),
          );
          continue;
        }
      }
      if (!isDir) {
        counts.badPath++;
        add(
          blobReport(relAlg),
          finding(
            'oci/layout-blob-path',
            `"${relAlg}" is a file directly in "blobs"; blobs live at "blobs/<algorithm>/<encoded>", so no descriptor can name it.`,
          ),
        );
        continue;
      }
      if (!algOk) {
        counts.badPath++;
        add(
          blobReport(relAlg),
          finding(
            'oci/layout-blob-path',
            `The directory "${relAlg}" is not named like a digest algorithm (lowercase letters and digits, with "+._-" between them); no descriptor can name the blobs in it.`,
          ),
        );
        continue;
      }
      let entries: Dirent[];
      try {
        entries = await readdir(path.join(realBlobs, alg.name), { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (budget-- <= 0) break;
        counts.entries++;
        const relative = `${relAlg}/${e.name}`;
        const digest = `${alg.name}:${e.name}`;
        const verdict = validateDigest(digest);
        if (!verdict.ok) {
          counts.badPath++;
          add(
            blobReport(relative),
            finding(
              'oci/layout-blob-path',
              `"${relative}" is not a valid blob name: the digest ${JSON.stringify(digest)} ${verdict.explanation}.`,
            ),
          );
          continue;
        }
        let size: number;
        try {
          const b = await layout.resolve(digest);
          if (!b) continue; // gone meanwhile
          size = b.stats.size;
        } catch (err) {
          counts.notFile++;
          const why = err instanceof BlobSourceError ? err.message : String(err);
          add(
            blobReport(relative),
            finding('oci/layout-blob-not-file', `The blob entry ${why.replace(/^\S+/, `"${relative}"`)}.`),
          );
          continue;
        }
        if (referenced.has(digest)) continue;
        counts.unreferenced++;
        add(
          blobReport(relative),
          finding(
            'oci/layout-blob-unreferenced',
            `The blob "${relative}" (${size} bytes) is not referenced by "index.json" or any manifest reachable from it.`,
            { digest, size },
          ),
        );
        if (options.hashUnreferenced !== false && verdict.registered) toHash.push({ digest, relative, size });
      }
    }
  }

  // Hash the unreferenced blobs through the same verifier (same bound, progress and cancellation).
  if (toHash.length && !signal.aborted) {
    const refs: DescriptorRef[] = toHash.map((b) => ({
      path: [],
      role: 'blob',
      value: { digest: b.digest, size: b.size },
    }));
    const checked = await Promise.all(
      refs.map((ref) => verifier.verify([ref], () => ({ offset: 0, length: 0 }))),
    );
    checked.forEach((rep, i) => {
      const r = rep.results[0];
      const b = toHash[i]!;
      if (!r) return;
      if (r.status === 'digest-mismatch' || (r.status === 'size-mismatch' && r.source === 'layout')) {
        counts.misnamed++;
        const actual = r.actualDigest
          ? ` hashes to ${JSON.stringify(r.actualDigest)}`
          : ' changed while it was read';
        add(
          blobReport(b.relative),
          finding(
            'oci/layout-blob-name',
            `The content of "${b.relative}"${actual}, so it is not named by its digest; it was renamed, corrupted or written incompletely.`,
            { digest: b.digest, actualDigest: r.actualDigest },
          ),
        );
      } else if (r.status === 'unreadable' && r.finding) {
        add(blobReport(b.relative), { ...r.finding, offset: 0, length: 0 });
      }
    });
  }

  const sorted = [...reports].sort((a, b) => (a.relative < b.relative ? -1 : 1));
  const out: LayoutFileReport[] = [];
  if (folder.findings.length) out.push(folder);
  out.push(...files, ...sorted);
  const byRel = new Map(out.map((f) => [f.relative, f]));
  for (const [rel, r] of [...blobReports].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const existing = byRel.get(rel);
    if (existing) existing.findings.push(...r.findings);
    else out.push(r);
  }
  for (const f of out) f.findings.sort((a, b) => a.offset - b.offset);
  const summary = addSummaries(out.map((f) => summaryOf(f.results)));
  const cancelled = signal.aborted || summary.cancelled > 0;
  const text = `${summary.text}; ${counts.entries} ${counts.entries === 1 ? 'blob' : 'blobs'}, ${counts.unreferenced} unreferenced, ${counts.misnamed} misnamed${counts.badPath ? `, ${counts.badPath} badly named` : ''}${counts.notFile ? `, ${counts.notFile} not regular files` : ''}`;
  return { root, files: out, summary, blobs: counts, manifests, text, cancelled };
}

const summaryOf = (results: readonly DescriptorResult[]): VerifySummary => summarize(results);

/** Reads a verified manifest or index blob from the layout as text. */
async function loadManifest(
  layout: LayoutBlobSource,
  digest: string,
): Promise<{ text: string; real: string } | undefined> {
  let b;
  try {
    b = await layout.resolve(digest);
  } catch {
    return undefined;
  }
  if (!b || b.stats.size > MAX_MANIFEST_BYTES) return undefined;
  const handle = await openRegular(b).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buf = Buffer.alloc(b.stats.size);
    let got = 0;
    while (got < buf.length) {
      const r = await handle.read(buf, got, buf.length - got, got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    const text = decodeUtf8(buf.subarray(0, got));
    return text === undefined ? undefined : { text, real: b.real };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
