/** The CLI as a function: arguments in; stdout, stderr and the exit code out. main.ts does the writing. */
import { version } from '../../../package.json';
import { HELP, parseArgs, type LintCommand } from './args';
import { annotateCommand, convertCommand, diffCommand, indexCommand } from './authoring';
import { countFindings, formatJson, formatSarif, formatText } from './format';
import { lintBytes, lintTarget, type FileReport } from './lint';
import { formatRules } from './rules';
import { noteOutput } from './terminal';
import { collectTargets } from './walk';
import { lintArchive } from './lintArchive';
import { looksLikeArchive } from '../node/content/archiveSource';
import * as fs from 'node:fs';
import { verifyCommand } from './verify';
import { auditCommand } from './audit';
import { referrersCommand } from './referrers';
import { pushCommand } from './push';
import { referenceOf, RegistryPool } from '../node/registry/pool';
import { fetchReference, registryOptions } from './registry';
import type { ImageReference } from '../core/verify/imageReference';

export const VERSION: string = version;

export interface RunResult {
  stdout: string;
  stderr: string;
  /** 0 no error-level finding, 1 an error-level finding, 2 usage or I/O error. */
  exitCode: 0 | 1 | 2;
}

export function run(argv: readonly string[], cwd: string = process.cwd()): RunResult {
  const cmd = parseArgs(argv);
  switch (cmd.command) {
    case 'help':
      return { stdout: HELP, stderr: '', exitCode: 0 };
    case 'version':
      return { stdout: `${VERSION}\n`, stderr: '', exitCode: 0 };
    case 'rules':
      return { stdout: formatRules(cmd.format), stderr: '', exitCode: 0 };
    case 'usage-error':
      return { stdout: '', stderr: noteOutput([cmd.message]), exitCode: 2 };
    case 'lint':
      return lint(cmd, cwd);
    case 'verify':
    case 'audit':
    case 'referrers':
    case 'convert':
    case 'diff':
    case 'index':
    case 'annotate':
    case 'push':
      // These read blobs (and some talk to registries): only runAsync can run them.
      return {
        stdout: '',
        stderr: noteOutput([`"${cmd.command}" runs only through runAsync.`]),
        exitCode: 2,
      };
  }
}

export interface RunOptions {
  /** Receives progress lines of long runs (audit); main.ts shows them while stderr is a terminal. */
  progress?: (line: string) => void;
}

/**
 * Like `run`, and also runs the asynchronous commands (`verify`, `audit`, `referrers`, and `lint` of image
 * references). The entry point uses this.
 */
export async function runAsync(
  argv: readonly string[],
  cwd: string = process.cwd(),
  options: RunOptions = {},
): Promise<RunResult> {
  const cmd = parseArgs(argv);
  switch (cmd.command) {
    case 'verify':
      return verifyCommand(cmd);
    case 'audit':
      return auditCommand(cmd, { cwd, ...options });
    case 'referrers':
      return referrersCommand(cmd);
    case 'convert':
      return convertCommand(cmd);
    case 'diff':
      return diffCommand(cmd);
    case 'index':
      return indexCommand(cmd);
    case 'annotate':
      return annotateCommand(cmd);
    case 'push':
      return pushCommand(cmd);
    case 'lint':
      return lintWithOthers(cmd, cwd);
  }
  return run(argv, cwd);
}

/**
 * `lint` as the entry point runs it: each argument is classified once (an image reference, an image archive, or a
 * file or folder); archives (read in place) and references (fetched) are read first, then reported after the files.
 */
async function lintWithOthers(cmd: LintCommand, cwd: string): Promise<RunResult> {
  const paths: string[] = [];
  const refs: ImageReference[] = [];
  const archives: string[] = [];
  for (const p of cmd.paths) {
    const ref = referenceOf(p, cwd);
    if (ref) refs.push(ref);
    else if (isFile(p) && looksLikeArchive(p)) archives.push(p);
    else paths.push(p);
  }
  const fetched: FileReport[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  for (const a of archives) {
    const r = await lintArchive(a, {
      kind: cmd.kind,
      severities: cmd.severities,
      maxFindings: cmd.maxFindings,
    });
    fetched.push(...r.files);
    errors.push(...r.errors);
  }
  if (!refs.length) return lint({ ...cmd, paths }, cwd, { files: fetched, errors, notes });
  const pool = new RegistryPool(registryOptions(cmd));
  try {
    const docs = await Promise.all(
      refs.map((ref) => fetchReference(pool, ref, { severities: cmd.severities })),
    );
    for (const doc of docs) {
      if ('error' in doc) {
        errors.push(doc.error);
        continue;
      }
      const report = lintBytes(doc.bytes, { path: doc.shown, explicit: true, besideOciLayout: false }, cmd);
      if (!report && !doc.served.length) {
        notes.push(`${doc.shown}: not recognised as a manifest; use --kind to choose how to read it.`);
        continue;
      }
      const findings = [...doc.served, ...(report?.findings ?? [])].sort((a, b) => a.offset - b.offset);
      fetched.push({ path: doc.shown, uri: doc.uri, kind: report?.kind ?? null, text: doc.text, findings });
    }
  } finally {
    pool.close();
  }
  return lint({ ...cmd, paths }, cwd, { files: fetched, errors, notes });
}

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

function lint(
  cmd: LintCommand,
  cwd: string,
  fetched: { files: FileReport[]; errors: string[]; notes: string[] } = { files: [], errors: [], notes: [] },
): RunResult {
  const stderr: string[] = [...fetched.notes];
  const collected = cmd.paths.length
    ? collectTargets(cmd.paths, { layoutFiles: !cmd.kind || cmd.kind === 'layout-header' })
    : { targets: [], errors: [], notes: [] };
  const errors = [...collected.errors];
  stderr.push(...collected.notes);
  const files: FileReport[] = [];
  for (const target of collected.targets) {
    const outcome = lintTarget(target, {
      kind: cmd.kind,
      severities: cmd.severities,
      maxFindings: cmd.maxFindings,
    });
    if ('report' in outcome) files.push(outcome.report);
    else if ('error' in outcome) errors.push(outcome.error);
    else if (outcome.note) stderr.push(outcome.note);
  }
  files.push(...fetched.files);
  errors.push(...fetched.errors);
  stderr.push(...errors);

  const stdout =
    cmd.format === 'json'
      ? formatJson(files)
      : cmd.format === 'sarif'
        ? formatSarif(files, { version: VERSION, cwd })
        : formatText(files);
  const exitCode = errors.length ? 2 : countFindings(files).error > 0 ? 1 : 0;
  return { stdout, stderr: noteOutput(stderr), exitCode };
}
