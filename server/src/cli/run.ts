/** The CLI as a function: arguments in; stdout, stderr and the exit code out. main.ts does the writing. */
import { version } from '../../../package.json';
import { HELP, parseArgs, type LintCommand } from './args';
import { annotateCommand, convertCommand, diffCommand, indexCommand } from './authoring';
import { countFindings, formatJson, formatSarif, formatText } from './format';
import { lintTarget, type FileReport } from './lint';
import { formatRules } from './rules';
import { noteOutput } from './terminal';
import { collectTargets } from './walk';
import { lintArchive, type ArchiveLint } from './lintArchive';
import { looksLikeArchive } from '../node/content/archiveSource';
import * as fs from 'node:fs';
import { verifyCommand } from './verify';

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
    case 'convert':
    case 'diff':
    case 'index':
    case 'annotate':
      // These read blobs (and verify talks to registries): only runAsync can do it.
      return {
        stdout: '',
        stderr: noteOutput([`"${cmd.command}" runs only through runAsync.`]),
        exitCode: 2,
      };
  }
}

/** Like `run`, and also runs the asynchronous commands (`verify`). The entry point uses this. */
export async function runAsync(argv: readonly string[], cwd: string = process.cwd()): Promise<RunResult> {
  const cmd = parseArgs(argv);
  if (cmd.command === 'verify') return verifyCommand(cmd);
  if (cmd.command === 'lint') {
    // Image archives are read in place, asynchronously; the rest as files.
    const archives = cmd.paths.filter((p) => isFile(p) && looksLikeArchive(p));
    if (archives.length) {
      const extra: ArchiveLint = { files: [], errors: [] };
      for (const a of archives) {
        const r = await lintArchive(a, {
          kind: cmd.kind,
          severities: cmd.severities,
          maxFindings: cmd.maxFindings,
        });
        extra.files.push(...r.files);
        extra.errors.push(...r.errors);
      }
      return lint({ ...cmd, paths: cmd.paths.filter((p) => !archives.includes(p)) }, cwd, extra);
    }
  }
  if (cmd.command === 'convert') return convertCommand(cmd);
  if (cmd.command === 'diff') return diffCommand(cmd);
  if (cmd.command === 'index') return indexCommand(cmd);
  if (cmd.command === 'annotate') return annotateCommand(cmd);
  return run(argv, cwd);
}

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

function lint(cmd: LintCommand, cwd: string, archives?: ArchiveLint): RunResult {
  const stderr: string[] = [];
  const collected = collectTargets(cmd.paths, { layoutFiles: !cmd.kind || cmd.kind === 'layout-header' });
  const errors = [...collected.errors, ...(archives?.errors ?? [])];
  stderr.push(...collected.notes);
  const files: FileReport[] = [...(archives?.files ?? [])];
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
