/** The command line: `lint`, `rules`, `--help`, `--version`. Pure: argv in, a parsed command or a usage error out. */
import {
  DOCUMENT_KINDS,
  isDocumentKind,
  RULE_BY_CODE,
  type DocumentKind,
  type Severity,
} from '../core/index';
import { isHostPort, parseRegistryReference, REPOSITORY } from '../core/verify/reference';
import { isTag, parseImageReference } from '../core/verify/imageReference';

export const LINT_FORMATS = ['text', 'json', 'sarif'] as const;
export const RULES_FORMATS = ['text', 'json', 'markdown'] as const;
export const LEVELS = ['error', 'warning', 'info', 'hint', 'off'] as const;

export const VERIFY_FORMATS = ['text', 'json'] as const;
export const REFERRERS_FORMATS = ['text', 'json'] as const;
export const DIFF_FORMATS = ['text', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export type LintFormat = (typeof LINT_FORMATS)[number];
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];
export type ReferrersFormat = (typeof REFERRERS_FORMATS)[number];
export type RulesFormat = (typeof RULES_FORMATS)[number];
export type Level = (typeof LEVELS)[number];

/** How registries are reached (lint, verify, audit and referrers of references). */
export interface RegistryAccessOptions {
  /** Hosts (`HOST` or `HOST:PORT`) that may be reached over plain HTTP. */
  insecure: string[];
  /** Registry request timeout (connect, answer, small bodies; 64 KiB more per timeout for large ones), in ms. */
  timeoutMs?: number;
}

export interface LintCommand extends RegistryAccessOptions {
  command: 'lint';
  format: LintFormat;
  /** Read every file as this kind instead of detecting it. */
  kind?: DocumentKind;
  /** Per-code severity overrides (`off` drops the code). */
  severities: Record<string, Severity | 'off'>;
  maxFindings?: number;
  /** Files, directories and image references (a path that exists is a path). */
  paths: string[];
}

export interface VerifyCommand extends RegistryAccessOptions {
  command: 'verify';
  format: VerifyFormat;
  /** `HOST[:PORT]/REPOSITORY` to fetch blobs from when no layout or embedded data has them. */
  registry?: string;
  /** Blobs read at once. */
  concurrency?: number;
  /** Exit 1 on any missing blob, also where a layout may lack it (a self-contained layout is wanted). */
  requireComplete?: boolean;
  /** Decompress each layer while hashing it and check its DiffID and tar headers. */
  deep?: boolean;
  paths: string[];
}

export interface AuditCommand extends RegistryAccessOptions {
  command: 'audit';
  /** `HOST[:PORT]` (every repository of the catalog) or a reference (`HOST/REPO`: every tag; with a tag or digest, that one). */
  target: string;
  format: LintFormat;
  severities: Record<string, Severity | 'off'>;
  maxFindings?: number;
  /** Download and hash every blob instead of checking it with HEAD. */
  deep: boolean;
  /** Requests in flight at once (default 8). */
  jobs?: number;
}

export interface ReferrersCommand extends RegistryAccessOptions {
  command: 'referrers';
  reference: string;
  artifactType?: string;
  format: ReferrersFormat;
}

/** `convert --to oci|docker INPUT`: the document in the other image format. */
export interface ConvertCommand extends RegistryAccessOptions {
  command: 'convert';
  to: 'oci' | 'docker';
  input: string;
  platform?: string;
  /** Write the result here instead of standard output. */
  output?: string;
  /** Write the manifests a converted list names into this OCI layout's blobs folder. */
  writeBlobs?: string;
}

/** `diff A B`: what changed between two documents. */
export interface DiffCommand extends RegistryAccessOptions {
  command: 'diff';
  format: DiffFormat;
  a: string;
  b: string;
  platform?: string;
}

/** `index create|add|remove`: build or edit an image index. */
export interface IndexCommand extends RegistryAccessOptions {
  command: 'index';
  action: 'create' | 'add' | 'remove';
  /** create: the manifests; add: the index, then the manifests; remove: the index, then the selectors. */
  args: string[];
  annotations: Record<string, string>;
  /** create: a Docker manifest list instead of an OCI index. */
  docker?: boolean;
  platform?: string;
  output?: string;
}

/** `annotate --from-labels INPUT`: the config's OCI labels as the document's annotations. */
export interface AnnotateCommand extends RegistryAccessOptions {
  command: 'annotate';
  input: string;
  platform?: string;
  output?: string;
}

/** `push FILE REF`: the file's exact bytes PUT to a registry, after the checks. */
export interface PushCommand extends RegistryAccessOptions {
  command: 'push';
  file: string;
  /** `HOST[:PORT]/REPO[:TAG][@DIGEST]` (docker:// optional). */
  reference: string;
  /** `--tag`: more tags (the reference's own tag comes first). */
  tags: string[];
  /** Push despite error-level findings. */
  force: boolean;
  /** `--mount-from REPO`: repositories of the same registry to mount missing blobs from. */
  mountFrom: string[];
}

export type Command =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'rules'; format: RulesFormat }
  | LintCommand
  | VerifyCommand
  | AuditCommand
  | ReferrersCommand
  | ConvertCommand
  | DiffCommand
  | IndexCommand
  | AnnotateCommand
  | PushCommand
  /** The command line is wrong; `message` says how, in one sentence. */
  | { command: 'usage-error'; message: string };

export const HELP = `Usage:
  oci-manifest lint [options] FILE|DIR|REF...
                                Check OCI / Docker manifests, indexes, configs and layouts: files,
                                folders, image archives, and manifests in registries
  oci-manifest verify [options] PATH|REF...
                                Check that every descriptor's blob exists, has its size and hashes to
                                its digest (a manifest file, a layout folder, an image archive, or a
                                manifest in a registry)
  oci-manifest audit [options] HOST[:PORT][/REPO[:TAG|@DIGEST]]
                                Check a registry: every tag of a repository (or of every repository in
                                its catalog), every manifest and index they reach, every blob they name
  oci-manifest referrers [options] REF
                                List the referrers of a manifest (signatures, SBOMs, attestations)
  oci-manifest convert --to oci|docker [options] INPUT
                                The document in the other image format (minimal edits)
  oci-manifest diff [--format text|json] [--platform P] A B
                                What changed between two manifests or indexes
  oci-manifest index create [options] INPUT...
  oci-manifest index add [options] INDEX INPUT...
  oci-manifest index remove [options] INDEX DIGEST|PLATFORM...
                                Build an image index, or add or remove its entries
  oci-manifest annotate --from-labels [options] INPUT
                                The config's org.opencontainers.image.* labels as annotations
  oci-manifest push [options] FILE REF
                                PUT the file's exact bytes to a registry, after checking it and the
                                blobs it names
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

Verify options:
  --registry HOST[:PORT]/REPO
                             Fetch blobs no layout or embedded data has from this repository
  --format text|json         Output format (default text)
  --concurrency N            Blobs read at once (default 4)
  --require-complete         Every blob must be present: a blob missing from a layout (which the image
                             layout spec allows) or a referrer's subject kept elsewhere fails too
  --deep                     Also decompress every layer in the pass that hashes it (gzip, zstd or none)
                             and check the config's rootfs.diff_ids and the layer's tar headers

  A PATH that is a folder is verified as an OCI image layout: oci-layout, index.json, every manifest
  and index reachable from it, every blob (unreferenced and misnamed blobs too). A PATH that is a .tar
  file is an image archive read in place: an OCI layout tarball (skopeo oci-archive:, buildx type=oci,
  docker save of Docker 25+) verified as a layout, or a docker save tarball verified by its manifest.json
  (configs by the digest in their names, layers by the config's rootfs.diff_ids). A PATH that is a file
  is a manifest, index or descriptor whose blobs, and the manifests they lead to, are read from the
  enclosing layout (a folder above it with an oci-layout file), else from their embedded data, else from
  --registry. A REF is fetched from its registry and everything it reaches is read from its repository.
  A layout may lack blobs that a registry provides: a blob missing from a layout is a warning, a blob
  missing from the registry an error.
  verify exits with 0 when everything it found was verified, 1 on a mismatch, a blob that is not what its
  descriptor names, a manifest too large to check, a blob missing from a registry (from anywhere with
  --require-complete) or an invalid layout, 2 on a usage or I/O error (e.g. an unreachable registry).

Audit options:
  --format text|json|sarif   Output format (default text), as for lint
  --deep                     Download and hash every blob (default: a HEAD per blob checks that it is
                             there with the descriptor's size; manifests and indexes are always read,
                             hashed and linted)
  --jobs N                   Requests in flight at once, 1 to 64 (default 8)
  --severity CODE=LEVEL      As for lint (repeatable)
  --max-findings N           As for lint

  HOST[:PORT] audits every repository of the registry's catalog (/v2/_catalog); HOST[:PORT]/REPO every
  tag of that repository; with :TAG or @DIGEST only that manifest. Each blob is checked once per
  repository however many manifests name it. While stderr is a terminal, one progress line is shown
  there and rewritten; when it is not (CI logs, pipes) no progress is printed.
  audit exits with 0 when it found nothing wrong, 1 on any error-level finding, 2 on a usage error or a
  registry, catalog, tag list or manifest it could not read.

Referrers options:
  --artifact-type TYPE       Only referrers of this artifact type (the registry filters when it says it
                             did, with OCI-Filters-Applied; otherwise oci-manifest does)
  --format text|json         Output format (default text)

  The referrers API (GET /v2/<name>/referrers/<digest>) is asked first; when the registry answers 404
  (it has none), the fallback tag <alg>-<encoded> (e.g. sha256-9834…) is read, as distribution-spec
  says. A REF with a tag is resolved to its digest first. Exit 0 when listed (none is a list too), 2 on
  a usage error or a registry or manifest that could not be read.

References (REF):
  HOST[:PORT]/REPO[:TAG][@DIGEST], as docker and skopeo write them: docker:// is optional; Docker Hub
  names (alpine, team/app) mean docker.io/library/alpine and docker.io/team/app; without a tag or
  digest the tag is latest. An argument that exists on disk is always a path, and so is one that starts
  with ./, ../, / or ~ or ends in .json. The manifest is the registry's exact bytes, checked against the
  digest asked for and the one the registry announces (oci/registry-digest-mismatch otherwise).

Registry options (lint, verify, audit, referrers, push, and the authoring commands' references):
  --insecure HOST[:PORT]     Allow plain HTTP for this registry host (repeatable; loopback always may)
  --timeout SECONDS          Registry request timeout (default 30 s, and 10 s to connect): a request with
                             its answer and small bodies must end within it; a large blob may take
                             longer as long as every SECONDS bring 64 KiB more of it
  Registries are reached over HTTPS with credentials from ~/.docker/config.json (or $DOCKER_CONFIG) and
  its credential helpers; they go to that registry and its token service only, and are never printed.
  429 and 5xx answers are retried (3 times, with backoff or after the Retry-After the registry asks).

Authoring (convert, diff, index, annotate):
  An INPUT is a manifest or index FILE (its config and manifests are read from the OCI layout it is in),
  oci:DIR[:TAG] or oci:DIR@DIGEST (an entry of an OCI image layout; a DIR alone is its only entry),
  oci-archive:FILE[:TAG] (an OCI layout in a tar: skopeo oci-archive:, buildx type=oci, Docker 25+ save),
  or an image reference docker://HOST/REPO[:TAG|@DIGEST] (docker:// may be left out when no file of that
  name exists, as for lint REF): the registry's exact bytes, its config and manifests read from the same
  repository (registry options as above).
  --platform os/arch[/variant]  Take an index's entry for this platform (convert, diff, annotate; for
                             index create: of each INPUT that is an index)
  -o, --output FILE          Write the document to FILE (default: standard output, exactly its bytes)
  The digest and size of what is written are printed on standard error first; nothing is reformatted:
  convert, index add/remove and annotate change only what they must (minimal edits).
  convert --to oci|docker    Refuses (exit 1, nothing written) what the other format cannot hold, e.g.
                             annotations, artifactType, subject or zstd layers in Docker schema 2.
  convert --write-blobs DIR  A converted list names its converted manifests: write them into the OCI
                             layout DIR (blobs/sha256/...), e.g. the layout the list came from.
  diff --format text|json    Output format (default text). Exit 0 same content (identical, or only
                             whitespace and key order), 1 different (also Docker vs OCI only), 2 error.
  index create --annotation K=V
                             An annotation of the index (repeatable); --docker makes a Docker
                             manifest list. Each entry's platform comes from its config; attestations
                             are kept with their image. Exit 1 when refused or the index has an error.
  index remove               Removes entries by digest (or a unique prefix) or platform (os/arch[/v]),
                             with the attestations attached to them.
  annotate --from-labels     Adds the labels missing from the annotations (never changes one); for an
                             index, the labels its images agree on go to the index.

Push options:
  -t, --tag TAG              One more tag to set (repeatable). REF's own tag comes first; with no tag at all
                             the manifest is pushed by digest only (REF@DIGEST must name the file's digest)
  --mount-from REPO          A repository of the same registry to mount missing blobs from (repeatable;
                             cross-repository mount, POST /v2/<name>/blobs/uploads/?mount=&from=)
  --force                    Push even with error-level findings (the other checks still apply)

  Before any request that writes, push checks: the file is at most 4 MiB and is a manifest or an index
  with no error-level finding, and the target repository holds every blob it names (config and layers;
  for an index every manifest it lists; the subject is not required), with a HEAD each. The digest is
  printed first. The bytes go out exactly as in the file, with Content-Type set to its mediaType.
  Several tags: one PUT by digest with ?tag= for each, as distribution-spec allows; the tags the
  registry does not confirm with OCI-Tag (all of them on registries without that support) get one PUT
  each, and push says which happened. A manifest with a subject on a registry without the referrers
  API (no OCI-Subject in the answer) is added to the fallback tag's index <alg>-<encoded>, keeping its
  other entries. Exit 0 pushed, 1 refused (nothing written, no tag set), 2 usage or I/O error (or a
  referrer pushed whose fallback tag holds something other than an index, which is left alone).

Files and directories:
  A FILE named on the command line is read whatever its name. When it is not recognised as a manifest
  (by its content, or a name such as *.manifest.json), it is skipped with a note on stderr and leaves
  the exit status alone; --kind reads it as KIND instead.
  A DIR is searched recursively (node_modules and .git are skipped, symbolic links leaving the
  directory are not followed) for *.json files recognised as manifests, oci-layout files, and, in
  OCI image layouts, the JSON blobs under blobs/<algorithm>/ (blobs over 16 MiB or not starting
  with "{" are skipped unread). With --kind, every *.json file and JSON blob found is read as KIND.
  A FILE that is an image archive (.tar, or a file starting with a tar header) is read in place: its
  oci-layout, index.json and JSON blobs (the configs of a docker save archive) are checked as
  ARCHIVE!MEMBER.

Exit status (lint): 0 no error-level finding, 1 at least one error-level finding, 2 usage or I/O error
(a reference that could not be fetched included).
`;

function oneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

const usage = (message: string): Command => ({ command: 'usage-error', message });

/** What a subcommand does with one of its options: a usage error to stop with, or undefined when taken. */
type OptionHandler = (
  name: string,
  value: () => string | undefined,
  needs: (what: string) => Command,
) => Command | undefined;

/**
 * Reads the paths and options of "lint" or "verify": paths go to `paths` (standard input is refused, `what`
 * naming what to pass instead), `--help` stops with help, and every other option goes to `read`. Returns the
 * command to stop with, if any.
 */
function readArgs(
  args: readonly string[],
  what: string,
  paths: string[],
  read: OptionHandler,
): Command | undefined {
  for (const item of options(args)) {
    if ('path' in item) {
      if (item.path === '-') return usage(`Reading from standard input is not supported; pass ${what}.`);
      paths.push(item.path);
      continue;
    }
    const name = item.name;
    if (name === '--help' || name === '-h') return { command: 'help' };
    const stop = read(
      name,
      () => item.value(),
      (needed) => usage(`${name} needs a value: ${needed}.`),
    );
    if (stop) return stop;
  }
  return undefined;
}

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
  if (first === 'verify') return parseVerify(rest);
  if (first === 'audit') return parseAudit(rest);
  if (first === 'referrers') return parseReferrers(rest);
  if (first === 'convert') return parseConvert(rest);
  if (first === 'diff') return parseDiff(rest);
  if (first === 'index') return parseIndex(rest);
  if (first === 'annotate') return parseAnnotate(rest);
  if (first === 'push') return parsePush(rest);
  if (first.startsWith('-')) return usage(`Unknown option "${first}"; run "oci-manifest --help" for usage.`);
  return usage(
    `Unknown command "${first}"; the commands are "lint", "verify", "audit", "referrers", "convert", "diff", "index", "annotate", "push" and "rules" (did you mean "oci-manifest lint ${first}"?).`,
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
  const cmd: LintCommand = { command: 'lint', format: 'text', severities: {}, insecure: [], paths: [] };
  const stop = readArgs(args, 'a file, directory or image reference', cmd.paths, (name, value, needs) => {
    switch (name) {
      case '--format':
      case '-f': {
        const v = value();
        if (v === undefined) return needs(LINT_FORMATS.join(', '));
        if (!oneOf(LINT_FORMATS, v)) return usage(`--format must be ${LINT_FORMATS.join(', ')}; got "${v}".`);
        cmd.format = v;
        return undefined;
      }
      case '--kind': {
        const v = value();
        if (v === undefined) return needs(`one of ${DOCUMENT_KINDS.join(', ')}`);
        if (!isDocumentKind(v))
          return usage(`--kind "${v}" is not a document kind; use one of ${DOCUMENT_KINDS.join(', ')}.`);
        cmd.kind = v;
        return undefined;
      }
      default: {
        // Either reader may take it (undefined) or stop (a usage error); false means neither knew it.
        let taken = readFindingOption(name, value, needs, cmd);
        if (taken === false) taken = readRegistryOption(name, value, needs, cmd);
        if (taken !== false) return taken;
        return usage(`Unknown option "${name}" for "lint"; run "oci-manifest --help" for usage.`);
      }
    }
    return undefined;
  });
  if (stop) return stop;
  if (cmd.paths.length === 0) return usage('"lint" needs at least one FILE, DIR or REF.');
  return cmd;
}

function parseVerify(args: readonly string[]): Command {
  const cmd: VerifyCommand = { command: 'verify', format: 'text', insecure: [], paths: [] };
  const stop = readArgs(args, 'a file, folder or image reference', cmd.paths, (name, value, needs) => {
    switch (name) {
      case '--format':
      case '-f': {
        const v = value();
        if (v === undefined) return needs(VERIFY_FORMATS.join(', '));
        if (!oneOf(VERIFY_FORMATS, v))
          return usage(`--format for "verify" must be ${VERIFY_FORMATS.join(', ')}; got "${v}".`);
        cmd.format = v;
        return undefined;
      }
      case '--registry': {
        const v = value();
        if (v === undefined) return needs('HOST[:PORT]/REPOSITORY, e.g. registry.example.com/team/app');
        try {
          parseRegistryReference(v);
        } catch (err) {
          return usage(`--registry: ${(err as Error).message}`);
        }
        cmd.registry = v;
        return undefined;
      }
      case '--concurrency': {
        const v = value();
        if (v === undefined) return needs('a whole number from 1 to 64');
        if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 64)
          return usage(`--concurrency must be a whole number from 1 to 64; got "${v}".`);
        cmd.concurrency = Number(v);
        return undefined;
      }
      case '--require-complete':
        cmd.requireComplete = true;
        return undefined;
      case '--deep':
        cmd.deep = true;
        return undefined;
      default: {
        const taken = readRegistryOption(name, value, needs, cmd);
        if (taken !== false) return taken;
        return usage(`Unknown option "${name}" for "verify"; run "oci-manifest --help" for usage.`);
      }
    }
    return undefined;
  });
  if (stop) return stop;
  if (cmd.paths.length === 0)
    return usage('"verify" needs at least one manifest FILE, layout FOLDER or image REF.');
  return cmd;
}

/** What an option reader answers: a usage error to stop with, undefined when taken, false when not its option. */
type Taken = Command | undefined | false;

/** `--insecure` and `--timeout`, shared by every command that reaches registries. */
function readRegistryOption(
  name: string,
  value: () => string | undefined,
  needs: (what: string) => Command,
  cmd: RegistryAccessOptions,
): Taken {
  switch (name) {
    case '--insecure': {
      const v = value();
      if (v === undefined) return needs('HOST or HOST:PORT');
      if (!isHostPort(v)) return usage(`--insecure "${v}" is not HOST or HOST:PORT.`);
      cmd.insecure.push(v.toLowerCase());
      return undefined;
    }
    case '--timeout': {
      const v = value();
      if (v === undefined) return needs('a number of seconds');
      const n = Number(v);
      if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || !(n > 0) || n > 86400)
        return usage(`--timeout must be a positive number of seconds (at most 86400); got "${v}".`);
      cmd.timeoutMs = Math.round(n * 1000);
      return undefined;
    }
    default:
      return false;
  }
}

/** `--severity` and `--max-findings`, shared by lint and audit. */
function readFindingOption(
  name: string,
  value: () => string | undefined,
  needs: (what: string) => Command,
  cmd: { severities: Record<string, Severity | 'off'>; maxFindings?: number },
): Taken {
  switch (name) {
    case '--severity':
    case '-s': {
      const v = value();
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
        return usage(`--severity: unknown rule code "${code}"; run "oci-manifest rules" to list the codes.`);
      if (!oneOf(LEVELS, level))
        return usage(`--severity ${code}: level "${level}" must be one of ${LEVELS.join(', ')}.`);
      cmd.severities[code] = level;
      return undefined;
    }
    case '--max-findings': {
      const v = value();
      if (v === undefined) return needs('a positive whole number');
      if (!/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v)))
        return usage(`--max-findings must be a positive whole number; got "${v}".`);
      cmd.maxFindings = Number(v);
      return undefined;
    }
    default:
      return false;
  }
}

/** The value of `--format` for `command` when it is one of `formats`, or a usage error. */
function readFormat<T extends string>(
  command: string,
  formats: readonly T[],
  value: () => string | undefined,
  needs: (what: string) => Command,
  set: (format: T) => void,
): Command | undefined {
  const v = value();
  if (v === undefined) return needs(formats.join(', '));
  if (!oneOf(formats, v))
    return usage(`--format for "${command}" must be ${formats.join(', ')}; got "${v}".`);
  set(v);
  return undefined;
}

/** True for `HOST[:PORT]` alone: what names a whole registry (a dot, a port, or localhost; no repository). */
export function isRegistryHost(text: string): boolean {
  const t = text.replace(/^docker:\/\//i, '');
  return !t.includes('/') && (t.includes('.') || t.includes(':') || t === 'localhost') && isHostPort(t);
}

function parseAudit(args: readonly string[]): Command {
  const cmd: AuditCommand = {
    command: 'audit',
    target: '',
    format: 'text',
    severities: {},
    deep: false,
    insecure: [],
  };
  const targets: string[] = [];
  const stop = readArgs(args, 'a registry host or repository', targets, (name, value, needs) => {
    switch (name) {
      case '--format':
      case '-f':
        return readFormat('audit', LINT_FORMATS, value, needs, (f) => (cmd.format = f));
      case '--deep':
        cmd.deep = true;
        return undefined;
      case '--jobs':
      case '-j': {
        const v = value();
        if (v === undefined) return needs('a whole number from 1 to 64');
        if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 64)
          return usage(`--jobs must be a whole number from 1 to 64; got "${v}".`);
        cmd.jobs = Number(v);
        return undefined;
      }
      default: {
        // Either reader may take it (undefined) or stop (a usage error); false means neither knew it.
        let taken = readFindingOption(name, value, needs, cmd);
        if (taken === false) taken = readRegistryOption(name, value, needs, cmd);
        if (taken !== false) return taken;
        return usage(`Unknown option "${name}" for "audit"; run "oci-manifest --help" for usage.`);
      }
    }
  });
  if (stop) return stop;
  if (targets.length !== 1)
    return usage(
      `"audit" takes one registry HOST[:PORT] or repository HOST[:PORT]/REPO; got ${targets.length === 0 ? 'none' : targets.length}.`,
    );
  cmd.target = targets[0]!;
  if (!isRegistryHost(cmd.target)) {
    try {
      parseImageReference(cmd.target);
    } catch (err) {
      return usage(`audit: ${(err as Error).message}`);
    }
  }
  return cmd;
}

function parseReferrers(args: readonly string[]): Command {
  const cmd: ReferrersCommand = { command: 'referrers', reference: '', format: 'text', insecure: [] };
  const refs: string[] = [];
  const stop = readArgs(args, 'an image reference', refs, (name, value, needs) => {
    switch (name) {
      case '--format':
      case '-f':
        return readFormat('referrers', REFERRERS_FORMATS, value, needs, (f) => (cmd.format = f));
      case '--artifact-type': {
        const v = value();
        if (v === undefined) return needs('a media type, e.g. application/spdx+json');
        if (!/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/.test(v))
          return usage(
            `--artifact-type "${v}" is not a media type (type/subtype, e.g. application/spdx+json).`,
          );
        cmd.artifactType = v;
        return undefined;
      }
      default: {
        const taken = readRegistryOption(name, value, needs, cmd);
        if (taken !== false) return taken;
        return usage(`Unknown option "${name}" for "referrers"; run "oci-manifest --help" for usage.`);
      }
    }
  });
  if (stop) return stop;
  if (refs.length !== 1)
    return usage(
      `"referrers" takes one image reference HOST[:PORT]/REPO[:TAG][@DIGEST]; got ${refs.length === 0 ? 'none' : refs.length}.`,
    );
  try {
    parseImageReference(refs[0]!);
  } catch (err) {
    return usage(`referrers: ${(err as Error).message}`);
  }
  cmd.reference = refs[0]!;
  return cmd;
}

// ---- authoring: convert, diff, index, annotate ---------------------------------------------------------------

/** The options the authoring commands share: --platform and --output. */
function authoringOption(
  cmd: { platform?: string; output?: string } & RegistryAccessOptions,
  name: string,
  value: () => string | undefined,
  needs: (what: string) => Command,
): Command | undefined | 'unknown' {
  const taken = readRegistryOption(name, value, needs, cmd);
  if (taken !== false) return taken;
  switch (name) {
    case '--platform': {
      const v = value();
      if (v === undefined) return needs('os/architecture[/variant], e.g. linux/arm64/v8');
      if (!/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?$/.test(v))
        return usage(`--platform "${v}" is not os/architecture[/variant], e.g. linux/arm64/v8.`);
      cmd.platform = v;
      return undefined;
    }
    case '--output':
    case '-o': {
      const v = value();
      if (v === undefined || v === '') return needs('a file to write');
      cmd.output = v;
      return undefined;
    }
  }
  return 'unknown';
}

/** Reads the options and positional arguments of an authoring command (standard input is refused). */
function readAuthoring(
  verb: string,
  args: readonly string[],
  positional: string[],
  read: (
    name: string,
    value: () => string | undefined,
    needs: (what: string) => Command,
  ) => Command | undefined | 'unknown',
): Command | undefined {
  return readArgs(args, 'a file or oci:DIR:TAG', positional, (name, value, needs) => {
    const r = read(name, value, needs);
    if (r === 'unknown')
      return usage(`Unknown option "${name}" for "${verb}"; run "oci-manifest --help" for usage.`);
    return r;
  });
}

function parseConvert(args: readonly string[]): Command {
  const cmd: Partial<ConvertCommand> & { command: 'convert'; insecure: string[] } = {
    command: 'convert',
    insecure: [],
  };
  const inputs: string[] = [];
  const stop = readAuthoring('convert', args, inputs, (name, value, needs) => {
    if (name === '--to') {
      const v = value();
      if (v === undefined) return needs('oci or docker');
      if (v !== 'oci' && v !== 'docker') return usage(`--to must be oci or docker; got "${v}".`);
      cmd.to = v;
      return undefined;
    }
    if (name === '--write-blobs') {
      const v = value();
      if (v === undefined || v === '') return needs('an OCI layout folder');
      cmd.writeBlobs = v;
      return undefined;
    }
    return authoringOption(cmd, name, value, needs);
  });
  if (stop) return stop;
  if (!cmd.to) return usage('"convert" needs --to oci or --to docker.');
  if (inputs.length !== 1) return usage(`"convert" takes one INPUT; got ${inputs.length}.`);
  return { ...cmd, to: cmd.to, input: inputs[0]! };
}

function parseDiff(args: readonly string[]): Command {
  const cmd: { format: DiffFormat; platform?: string; output?: string } & RegistryAccessOptions = {
    format: 'text',
    insecure: [],
  };
  const inputs: string[] = [];
  const stop = readAuthoring('diff', args, inputs, (name, value, needs) => {
    if (name === '--format' || name === '-f') {
      const v = value();
      if (v === undefined) return needs(DIFF_FORMATS.join(', '));
      if (!oneOf(DIFF_FORMATS, v))
        return usage(`--format for "diff" must be ${DIFF_FORMATS.join(', ')}; got "${v}".`);
      cmd.format = v;
      return undefined;
    }
    if (name === '--output' || name === '-o') return 'unknown';
    return authoringOption(cmd, name, value, needs);
  });
  if (stop) return stop;
  if (inputs.length !== 2) return usage(`"diff" compares two INPUTs; got ${inputs.length}.`);
  return {
    command: 'diff',
    format: cmd.format,
    a: inputs[0]!,
    b: inputs[1]!,
    insecure: cmd.insecure,
    ...(cmd.timeoutMs !== undefined ? { timeoutMs: cmd.timeoutMs } : {}),
    ...(cmd.platform !== undefined ? { platform: cmd.platform } : {}),
  };
}

const INDEX_ACTIONS = ['create', 'add', 'remove'] as const;

function parseIndex(args: readonly string[]): Command {
  const [action, ...rest] = args;
  if (action === '--help' || action === '-h') return { command: 'help' };
  if (action === undefined || !oneOf(INDEX_ACTIONS, action))
    return usage(
      `"index" needs an action: create, add or remove${action === undefined ? '' : `; got "${action}"`} (e.g. oci-manifest index create amd64.json arm64.json).`,
    );
  const cmd: IndexCommand = { command: 'index', action, args: [], annotations: {}, insecure: [] };
  const stop = readAuthoring(`index ${action}`, rest, cmd.args, (name, value, needs) => {
    if (name === '--annotation' || name === '-a') {
      if (action === 'remove') return 'unknown';
      const v = value();
      if (v === undefined) return needs('KEY=VALUE');
      const eq = v.indexOf('=');
      if (eq <= 0) return usage(`--annotation "${v}" is not KEY=VALUE.`);
      cmd.annotations[v.slice(0, eq)] = v.slice(eq + 1);
      return undefined;
    }
    if (name === '--docker') {
      if (action !== 'create') return 'unknown';
      cmd.docker = true;
      return undefined;
    }
    if (name === '--platform' && action === 'remove') return 'unknown';
    return authoringOption(cmd, name, value, needs);
  });
  if (stop) return stop;
  const least = action === 'create' ? 1 : 2;
  if (cmd.args.length < least)
    return usage(
      action === 'create'
        ? '"index create" needs at least one INPUT (a manifest file, oci:DIR:TAG…).'
        : `"index ${action}" needs the INDEX file and at least one ${action === 'add' ? 'INPUT' : 'DIGEST or PLATFORM'}.`,
    );
  return cmd;
}

function parseAnnotate(args: readonly string[]): Command {
  const cmd: { platform?: string; output?: string; fromLabels?: boolean } & RegistryAccessOptions = {
    insecure: [],
  };
  const inputs: string[] = [];
  const stop = readAuthoring('annotate', args, inputs, (name, value, needs) => {
    if (name === '--from-labels') {
      cmd.fromLabels = true;
      return undefined;
    }
    return authoringOption(cmd, name, value, needs);
  });
  if (stop) return stop;
  if (!cmd.fromLabels)
    return usage('"annotate" needs --from-labels (the annotations come from the config\'s labels).');
  if (inputs.length !== 1) return usage(`"annotate" takes one INPUT; got ${inputs.length}.`);
  return {
    command: 'annotate',
    input: inputs[0]!,
    insecure: cmd.insecure,
    ...(cmd.timeoutMs !== undefined ? { timeoutMs: cmd.timeoutMs } : {}),
    ...(cmd.platform !== undefined ? { platform: cmd.platform } : {}),
    ...(cmd.output !== undefined ? { output: cmd.output } : {}),
  };
}

// ---- push ------------------------------------------------------------------------------------------------------

function parsePush(args: readonly string[]): Command {
  const cmd: PushCommand = {
    command: 'push',
    file: '',
    reference: '',
    tags: [],
    force: false,
    mountFrom: [],
    insecure: [],
  };
  const positional: string[] = [];
  const stop = readArgs(args, 'a manifest file and an image reference', positional, (name, value, needs) => {
    switch (name) {
      case '--tag':
      case '-t': {
        const v = value();
        if (v === undefined) return needs('a tag, e.g. 1.2.3');
        if (!isTag(v))
          return usage(
            `--tag "${v}" is not a tag (a letter, digit or "_", then up to 127 letters, digits, ".", "_" or "-").`,
          );
        if (!cmd.tags.includes(v)) cmd.tags.push(v);
        return undefined;
      }
      case '--force':
        cmd.force = true;
        return undefined;
      case '--mount-from': {
        const v = value();
        if (v === undefined) return needs('a repository of the same registry, e.g. team/base');
        if (!REPOSITORY.test(v))
          return usage(
            `--mount-from "${v}" is not a repository name of the same registry (e.g. team/base, without the host).`,
          );
        if (!cmd.mountFrom.includes(v)) cmd.mountFrom.push(v);
        return undefined;
      }
      default: {
        const taken = readRegistryOption(name, value, needs, cmd);
        if (taken !== false) return taken;
        return usage(`Unknown option "${name}" for "push"; run "oci-manifest --help" for usage.`);
      }
    }
  });
  if (stop) return stop;
  if (positional.length !== 2)
    return usage(
      `"push" takes a manifest FILE and an image reference HOST[:PORT]/REPO[:TAG]; got ${positional.length === 0 ? 'neither' : positional.length === 1 ? 'one argument' : `${positional.length} arguments`}.`,
    );
  try {
    parseImageReference(positional[1]!);
  } catch (err) {
    return usage(`push: ${(err as Error).message}`);
  }
  cmd.file = positional[0]!;
  cmd.reference = positional[1]!;
  return cmd;
}
