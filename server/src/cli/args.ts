/** The command line: `lint`, `rules`, `--help`, `--version`. Pure: argv in, a parsed command or a usage error out. */
import {
  DOCUMENT_KINDS,
  isDocumentKind,
  RULE_BY_CODE,
  type DocumentKind,
  type Severity,
} from '../core/index';

export const LINT_FORMATS = ['text', 'json', 'sarif'] as const;
export const RULES_FORMATS = ['text', 'json', 'markdown'] as const;
export const LEVELS = ['error', 'warning', 'info', 'hint', 'off'] as const;

export type LintFormat = (typeof LINT_FORMATS)[number];
export type RulesFormat = (typeof RULES_FORMATS)[number];
export type Level = (typeof LEVELS)[number];

export interface LintCommand {
  command: 'lint';
  format: LintFormat;
  /** Read every file as this kind instead of detecting it. */
  kind?: DocumentKind;
  /** Per-code severity overrides (`off` drops the code). */
  severities: Record<string, Severity | 'off'>;
  maxFindings?: number;
  paths: string[];
}

export type Command =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'rules'; format: RulesFormat }
  | LintCommand
  /** The command line is wrong; `message` says how, in one sentence. */
  | { command: 'usage-error'; message: string };

export const HELP = `Usage:
  oci-manifest lint [options] FILE|DIR...   Check OCI / Docker manifests, indexes, configs and layouts
  oci-manifest rules [--format text|json|markdown]
                                            List every rule code with its default severity
  oci-manifest --help | --version

Lint options:
  --format text|json|sarif   Output format (default text). json: 0-based LSP positions; sarif: SARIF 2.1.0
  --kind KIND                Read every file as KIND instead of detecting it. KIND is one of:
                             ${DOCUMENT_KINDS.join(', ')}
  --severity CODE=LEVEL      Change a rule's severity; LEVEL is error, warning, info, hint or off.
                             Repeatable, e.g. --severity oci/annotation-key-form=off
  --max-findings N           Report at most N findings per file (default 1000)

Files and directories:
  A FILE is always checked; it is reported on stderr when it is not recognised as a manifest.
  A DIR is searched recursively (node_modules and .git are skipped, symbolic links leaving the
  directory are not followed) for *.json files recognised as manifests, oci-layout files, and, in
  OCI image layouts, the JSON blobs under blobs/<algorithm>/ (blobs over 16 MiB or not starting
  with "{" are skipped unread). With --kind, every *.json file and JSON blob found is read as KIND.

Exit status: 0 no error-level finding, 1 at least one error-level finding, 2 usage or I/O error.
`;

function oneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

const usage = (message: string): Command => ({ command: 'usage-error', message });

/** Parses the arguments after the program name. Never throws. */
export function parseArgs(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined)
    return usage('No command given; run "oci-manifest lint FILE|DIR..." or "oci-manifest --help".');
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-v' || first === '-V' || first === 'version')
    return { command: 'version' };
  if (first === 'rules') return parseRules(rest);
  if (first === 'lint') return parseLint(rest);
  if (first.startsWith('-')) return usage(`Unknown option "${first}"; run "oci-manifest --help" for usage.`);
  return usage(
    `Unknown command "${first}"; the commands are "lint" and "rules" (did you mean "oci-manifest lint ${first}"?).`,
  );
}

/** Splits `--name=value` and takes the value of `--name value` from the next argument. */
interface OptionReader {
  name: string;
  value(): string | undefined;
}

function* options(args: readonly string[]): Generator<OptionReader | { path: string }> {
  let i = 0;
  let onlyPaths = false;
  while (i < args.length) {
    const arg = args[i++]!;
    if (onlyPaths || !arg.startsWith('-') || arg === '-') {
      yield { path: arg };
      continue;
    }
    if (arg === '--') {
      onlyPaths = true;
      continue;
    }
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      const inline = arg.slice(eq + 1);
      yield { name: arg.slice(0, eq), value: () => inline };
    } else {
      yield { name: arg, value: () => (i < args.length ? args[i++] : undefined) };
    }
  }
}

function parseRules(args: readonly string[]): Command {
  let format: RulesFormat = 'text';
  for (const item of options(args)) {
    if ('path' in item) return usage(`"rules" takes no arguments, but got "${item.path}".`);
    if (item.name === '--help' || item.name === '-h') return { command: 'help' };
    if (item.name !== '--format' && item.name !== '-f')
      return usage(
        `Unknown option "${item.name}" for "rules"; it accepts --format ${RULES_FORMATS.join('|')}.`,
      );
    const v = item.value();
    if (v === undefined || !oneOf(RULES_FORMATS, v))
      return usage(
        `--format for "rules" must be ${RULES_FORMATS.join(', ')}; got ${v === undefined ? 'nothing' : `"${v}"`}.`,
      );
    format = v;
  }
  return { command: 'rules', format };
}

function parseLint(args: readonly string[]): Command {
  const cmd: LintCommand = { command: 'lint', format: 'text', severities: {}, paths: [] };
  for (const item of options(args)) {
    if ('path' in item) {
      if (item.path === '-')
        return usage('Reading from standard input is not supported; pass a file or directory.');
      cmd.paths.push(item.path);
      continue;
    }
    const name = item.name;
    if (name === '--help' || name === '-h') return { command: 'help' };
    const needs = (what: string): Command => usage(`${name} needs a value: ${what}.`);
    switch (name) {
      case '--format':
      case '-f': {
        const v = item.value();
        if (v === undefined) return needs(LINT_FORMATS.join(', '));
        if (!oneOf(LINT_FORMATS, v)) return usage(`--format must be ${LINT_FORMATS.join(', ')}; got "${v}".`);
        cmd.format = v;
        break;
      }
      case '--kind': {
        const v = item.value();
        if (v === undefined) return needs(`one of ${DOCUMENT_KINDS.join(', ')}`);
        if (!isDocumentKind(v))
          return usage(`--kind "${v}" is not a document kind; use one of ${DOCUMENT_KINDS.join(', ')}.`);
        cmd.kind = v;
        break;
      }
      case '--severity':
      case '-s': {
        const v = item.value();
        if (v === undefined) return needs('CODE=LEVEL, e.g. oci/annotation-key-form=off');
        const eq = v.lastIndexOf('=');
        const code = eq > 0 ? v.slice(0, eq).trim() : '';
        const level =
          eq > 0
            ? v
                .slice(eq + 1)
                .trim()
                .toLowerCase()
            : '';
        if (!code || !level)
          return usage(`--severity "${v}" is not CODE=LEVEL (e.g. oci/annotation-key-form=off).`);
        if (!RULE_BY_CODE.has(code))
          return usage(
            `--severity: unknown rule code "${code}"; run "oci-manifest rules" to list the codes.`,
          );
        if (!oneOf(LEVELS, level))
          return usage(`--severity ${code}: level "${level}" must be one of ${LEVELS.join(', ')}.`);
        cmd.severities[code] = level;
        break;
      }
      case '--max-findings': {
        const v = item.value();
        if (v === undefined) return needs('a positive whole number');
        if (!/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
          return usage(`--max-findings must be a positive whole number; got "${v}".`);
        }
        cmd.maxFindings = Number(v);
        break;
      }
      default:
        return usage(`Unknown option "${name}" for "lint"; run "oci-manifest --help" for usage.`);
    }
  }
  if (cmd.paths.length === 0) return usage('"lint" needs at least one FILE or DIR.');
  return cmd;
}
