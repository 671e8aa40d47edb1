/**
 * `oci-manifest verify PATH...`: digest verification on the command line, with the engine the editor uses
 * (core/verify) over the node content sources (node/content: a layout folder, a registry). A folder is
 * verified as a layout; a file, with everything it reaches. Output reuses lint's formatters.
 */
import * as fs from 'node:fs';
import { resolveSeverity, type Finding } from '../core/index';
import type { ContentSource } from '../core/content/source';
import { addSummaries, type DescriptorResult, type VerifySummary } from '../core/verify/verify';
import { verifyTree, type ImageReport } from '../core/verify/layout';
import { looksLikeArchive, verifyImageArchive } from '../node/content/archiveSource';
import { ArchiveError } from '../node/archive/tar';
import { analyzeLayer } from '../node/layer/analyze';
import { besideLayoutFile, findLayoutRoot } from '../node/content/layoutRoot';
import { openLayoutSource, verifyLayoutFolder } from '../node/content/layoutSource';
import { registrySource } from '../node/content/registrySource';
import { nodeHasherFactory } from '../node/verify/hash';
import type { VerifyCommand } from './args';
import { formatJson, formatText } from './format';
import { MAX_NAMED_SIZE, type FileReport } from './lint';
import { readRegularFile } from './readFile';
import { referenceOf, RegistryPool } from '../node/registry/pool';
import { registryOptions, verifyReference } from './registry';
import { jsonOutput, noteOutput, textOutput } from './terminal';

export interface VerifyRunResult {
  stdout: string;
  stderr: string;
  exitCode: 0 | 1 | 2;
}

/** A checked file with the results behind its findings. */
interface VerifiedFile extends FileReport {
  results: DescriptorResult[];
}

/** Results whose failure is about reaching the content (exit 2), not about the content (exit 1). */
const IO_REASONS = new Set(['io', 'timeout', 'auth', 'protocol']);

export async function verifyCommand(cmd: VerifyCommand): Promise<VerifyRunResult> {
  const notes: string[] = [];
  const errors: string[] = [];
  const files: VerifiedFile[] = [];
  const summaries: { path: string; summary: VerifySummary; text: string }[] = [];
  const registry = cmd.registry ? registrySource(cmd.registry, registryOptions(cmd)) : undefined;
  const common = {
    hasher: nodeHasherFactory,
    fallbackSources: registry ? [registry] : [],
    ...(cmd.concurrency !== undefined ? { concurrency: cmd.concurrency } : {}),
    ...(cmd.requireComplete ? { requireComplete: true } : {}),
    ...(cmd.deep ? { analyzeLayer } : {}),
  };
  let problem = false;
  const take = (path: string, report: ImageReport): void => {
    for (const f of report.files)
      files.push({ path: f.path, kind: f.kind, text: f.text, findings: f.findings, results: f.results });
    if (report.problem) problem = true;
    summaries.push({ path, summary: report.summary, text: report.text });
  };
  const pool = new RegistryPool(registryOptions(cmd));
  try {
    for (const p of cmd.paths) {
      const ref = referenceOf(p, process.cwd());
      if (ref) {
        const got = await verifyReference(pool, ref, common);
        if ('error' in got) errors.push(got.error);
        else if (got.report) take(got.shown, got.report);
        else notes.push(`${got.shown}: not a manifest, index or descriptor, so there is nothing to verify.`);
        continue;
      }
      let st: fs.Stats;
      try {
        st = fs.statSync(p);
      } catch (err) {
        errors.push(`${p}: cannot read: ${describe(err)}.`);
        continue;
      }
      if (st.isDirectory()) {
        take(p, await verifyLayoutFolder(p, common));
        continue;
      }
      if (!st.isFile()) {
        errors.push(`${p}: not a regular file or folder.`);
        continue;
      }
      if (looksLikeArchive(p)) {
        try {
          take(p, await verifyImageArchive(p, common));
        } catch (err) {
          if (!(err instanceof ArchiveError)) throw err;
          // The file cannot be read as an image archive: that is what it holds (exit 1), unless it cannot be read.
          if (err.reason === 'io') errors.push(`${p}: ${err.message}`);
          else {
            const finding = archiveFormatFinding(err.message);
            files.push({ path: p, kind: null, text: '', findings: finding ? [finding] : [], results: [] });
            problem = true;
            summaries.push({ path: p, summary: addSummaries([]), text: 'not an image archive' });
          }
        }
        continue;
      }
      if (st.size > MAX_NAMED_SIZE) {
        errors.push(`${p}: ${(st.size / 1048576).toFixed(1)} MiB is too large for a manifest; not verified.`);
        continue;
      }
      let text: string;
      try {
        // Non-blocking and checked on the descriptor: the path may have become a FIFO since the stat.
        const read = readRegularFile(p, MAX_NAMED_SIZE);
        if (!('bytes' in read)) {
          errors.push(
            `${p}: not read, ${'special' in read ? `it is ${read.special}` : 'it grew too large'}.`,
          );
          continue;
        }
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(read.bytes);
      } catch (err) {
        errors.push(
          err instanceof TypeError
            ? `${p}: not UTF-8 text, so not a manifest; run "oci-manifest lint" on it.`
            : `${p}: cannot read: ${describe(err)}.`,
        );
        continue;
      }
      const root = findLayoutRoot(p);
      const source: ContentSource | undefined = root ? openLayoutSource(root) : undefined;
      const report = await verifyTree(text, {
        ...common,
        ...(source ? { source } : {}),
        origin: { fileName: p, besideOciLayout: besideLayoutFile(p) },
        path: p,
      });
      if (!report) {
        notes.push(`${p}: not a manifest, index or descriptor, so there is nothing to verify.`);
        continue;
      }
      take(p, report);
    }
  } catch (err) {
    errors.push(`verification failed: ${err instanceof Error ? err.message : String(err)}.`);
  } finally {
    registry?.close();
    pool.close();
  }

  const ioFailures: DescriptorResult[] = [];
  for (const f of files)
    for (const r of f.results)
      if (r.status === 'unreadable' && r.error && IO_REASONS.has(r.error.reason)) ioFailures.push(r);

  const total = addSummaries(summaries.map((s) => s.summary));
  let stdout: string;
  if (cmd.format === 'json') {
    const base = JSON.parse(formatJson(files)) as Record<string, unknown>[];
    base.forEach((entry, i) => {
      const f = files[i]!;
      entry.results = f.results.map((r) => ({
        path: r.path,
        role: r.role,
        status: r.status,
        ...(r.digest !== undefined ? { digest: r.digest } : {}),
        ...(r.size !== undefined ? { size: r.size } : {}),
        ...(r.source !== undefined ? { source: r.source } : {}),
        ...(r.actualSize !== undefined ? { actualSize: r.actualSize } : {}),
        ...(r.actualDigest !== undefined ? { actualDigest: r.actualDigest } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
      }));
    });
    const { text: totalText, ...counts } = total;
    stdout = jsonOutput({
      files: base,
      summary: { ...counts, text: totalText },
      targets: summaries.map((s) => ({ path: s.path, summary: s.text })),
    });
  } else {
    stdout = formatText(files) + textOutput(summaries.map((s) => `${s.path}: ${s.text}`));
  }
  if (ioFailures.length)
    notes.push(
      `${ioFailures.length} ${ioFailures.length === 1 ? 'blob' : 'blobs'} could not be read (see oci/blob-unreadable above).`,
    );
  const stderr = noteOutput([...notes, ...errors]);
  const exitCode = errors.length || ioFailures.length ? 2 : problem ? 1 : 0;
  return { stdout, stderr, exitCode };
}

/** The finding for a file that is no readable image archive. */
function archiveFormatFinding(message: string): Finding | undefined {
  const severity = resolveSeverity('oci/archive-format');
  return severity === 'off'
    ? undefined
    : { code: 'oci/archive-format', severity, message, offset: 0, length: 0 };
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  return e?.code ?? String(err);
}
