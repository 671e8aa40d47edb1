/**
 * `oci-manifest audit HOST[:PORT]` (every repository of the catalog) or `audit HOST[:PORT]/REPO` (every tag; with
 * `:TAG` or `@DIGEST` that one): the registry maintainer's "what is broken in my registry".
 *
 * For each tag: the manifest as served (its digest checked against `Docker-Content-Digest`), linted at every
 * severity, then everything it reaches through the one walk (core/verify/layout.ts `verifyTree`): every manifest
 * and index read, hashed and linted; every other blob checked with a `HEAD` (present, with the descriptor's
 * size), or downloaded and hashed with `--deep`. One verifier per repository, so a blob named by many manifests
 * is looked at once; one registry client per host (one connection pool, one token per scope); `--jobs`
 * requests in flight.
 */
import { embeddedDataSource } from '../core/content/source';
import type { Finding } from '../core/findings';
import { validateDigest } from '../core/digest';
import { parseImageReference, type ImageReference } from '../core/verify/imageReference';
import { verifyTree } from '../core/verify/layout';
import { normalizeHost } from '../core/verify/reference';
import {
  addSummaries,
  createVerifier,
  limiter,
  summarize,
  type DescriptorResult,
  type VerifyProgress,
  type VerifySummary,
} from '../core/verify/verify';
import { resolveSeverity } from '../core/codes';
import { nodeHasherFactory } from '../node/verify/hash';
import { isRegistryHost, type AuditCommand } from './args';
import { countFindings, formatJson, formatSarif, formatText } from './format';
import { lintBytes, type FileReport } from './lint';
import { RegistryPool } from '../node/registry/pool';
import { describeError, fetchReference, registryOptions } from './registry';
import type { RunResult } from './run';
import { jsonOutput, noteOutput, textOutput } from './terminal';
import { version } from '../../../package.json';

const DEFAULT_JOBS = 8;
/** Failures about reaching content (exit 2), not about the content (exit 1). */
const IO_REASONS = new Set(['io', 'timeout', 'auth', 'protocol']);

/** A document of the audit with the results of its descriptors. */
interface AuditFile extends FileReport {
  results: DescriptorResult[];
}

interface TagRow {
  tag: string;
  digest?: string;
  mediaType?: string;
}

interface RepositoryAudit {
  repository: string;
  tags: TagRow[];
  files: AuditFile[];
  /** Manifests and indexes checked (distinct documents). */
  documents: number;
  summary: VerifySummary;
}

/** Progress shown while stderr is a terminal: counts of repositories, tags and blobs, at most 5 lines a second. */
class Progress {
  repositories = 0;
  repositoriesDone = 0;
  tags = 0;
  tagsDone = 0;
  private readonly blobs = new Map<string, VerifyProgress>();
  private last = 0;

  constructor(
    private readonly host: string,
    private readonly show?: (line: string) => void,
  ) {}

  blob(repository: string, p: VerifyProgress): void {
    this.blobs.set(repository, p);
    this.tick();
  }

  tick(force = false): void {
    if (!this.show) return;
    const now = Date.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    let done = 0;
    let total = 0;
    for (const p of this.blobs.values()) {
      done += p.done;
      total += p.total;
    }
    const repos = this.repositories > 1 ? `${this.repositoriesDone}/${this.repositories} repositories, ` : '';
    this.show(`audit ${this.host}: ${repos}${this.tagsDone}/${this.tags} tags, ${done}/${total} blobs`);
  }
}

export async function auditCommand(
  cmd: AuditCommand,
  io: { cwd: string; progress?: (line: string) => void },
): Promise<RunResult> {
  const jobs = cmd.jobs ?? DEFAULT_JOBS;
  let target: { host: string; repository?: string; reference?: ImageReference };
  if (isRegistryHost(cmd.target)) target = { host: normalizeHost(cmd.target.replace(/^docker:\/\//i, '')) };
  else {
    const ref = parseImageReference(cmd.target);
    target = {
      host: ref.host,
      repository: ref.repository,
      ...(ref.tag !== undefined || ref.digest !== undefined ? { reference: ref } : {}),
    };
  }
  const host = target.host;
  const pool = new RegistryPool(registryOptions(cmd, jobs));
  const client = pool.client(host);
  const errors: string[] = [];
  const notes: string[] = [];
  const progress = new Progress(host, io.progress);
  const run = limiter(jobs);
  const audits: RepositoryAudit[] = [];
  try {
    let repositories: string[];
    if (target.repository !== undefined) repositories = [target.repository];
    else {
      try {
        const listing = await client.catalog();
        if (!listing) {
          errors.push(
            `${host}: the registry has no catalog (/v2/_catalog answered 404); audit one repository with "oci-manifest audit ${host}/REPOSITORY".`,
          );
          repositories = [];
        } else {
          repositories = listing.items;
          if (listing.invalid.length)
            notes.push(
              `${host}: the catalog lists ${listing.invalid.length} names that are not repository names; they were skipped: ${listing.invalid.slice(0, 5).join(', ')}${listing.invalid.length > 5 ? ', …' : ''}.`,
            );
          if (listing.truncated)
            notes.push(
              `${host}: the catalog was read only as far as its first ${listing.items.length} repositories.`,
            );
        }
      } catch (err) {
        errors.push(
          `${host}: the list of repositories could not be read: ${describeError(err)} Audit one repository with "oci-manifest audit ${host}/REPOSITORY".`,
        );
        repositories = [];
      }
    }
    progress.repositories = repositories.length;
    const done = await Promise.all(
      repositories.map((repository) =>
        auditRepository(repository).finally(() => {
          progress.repositoriesDone++;
          progress.tick();
        }),
      ),
    );
    for (const a of done) if (a) audits.push(a);
  } finally {
    pool.close();
  }

  async function auditRepository(repository: string): Promise<RepositoryAudit | undefined> {
    const name = `${host}/${repository}`;
    let tags: string[];
    if (target.reference) tags = [target.reference.digest ?? target.reference.tag!];
    else {
      let listing;
      try {
        listing = await run(() => client.listTags(repository));
      } catch (err) {
        errors.push(`${name}: the tag list could not be read: ${describeError(err)}`);
        return undefined;
      }
      if (!listing) {
        // Named on the command line, a repository the registry does not know is an error; from the catalog, a
        // repository whose tags are all gone is only worth a note.
        (target.repository !== undefined ? errors : notes).push(
          `${name}: the registry knows no tags of this repository (the tag list answered 404).`,
        );
        return undefined;
      }
      tags = [...listing.items].sort();
      if (listing.invalid.length)
        notes.push(
          `${name}: the tag list names ${listing.invalid.length} values that are not tags; they were skipped: ${listing.invalid.slice(0, 5).join(', ')}${listing.invalid.length > 5 ? ', …' : ''}.`,
        );
    }
    progress.tags += tags.length;
    const source = pool.source({ host, repository });
    const verifier = createVerifier({
      sources: [source, embeddedDataSource()],
      hasher: nodeHasherFactory,
      concurrency: jobs,
      keepDocuments: true,
      presenceOnly: !cmd.deep,
      severities: cmd.severities,
      onProgress: (p) => progress.blob(repository, p),
    });
    const rows: TagRow[] = [];
    const roots = new Map<string, AuditFile>();
    const children = new Map<string, AuditFile>();
    const ref = (tagOrDigest: string): ImageReference =>
      validateDigest(tagOrDigest).ok
        ? { host, repository, digest: tagOrDigest }
        : { host, repository, tag: tagOrDigest };
    await Promise.all(
      tags.map((tag) =>
        run(async () => {
          try {
            const doc = await fetchReference(pool, ref(tag), { severities: cmd.severities });
            if ('error' in doc) {
              if (doc.missing && !target.reference) {
                const f = unavailable(`${name}:${tag}`, cmd.severities);
                const uri = await client.manifestUrl(repository, tag);
                if (f)
                  roots.set(`tag ${tag}`, {
                    path: `${name}:${tag}`,
                    uri,
                    kind: null,
                    text: '',
                    findings: [f],
                    results: [],
                  });
                rows.push({ tag });
              } else errors.push(doc.error);
              return;
            }
            rows.push({ tag, digest: doc.digest, ...(doc.mediaType ? { mediaType: doc.mediaType } : {}) });
            // Another tag of the same manifest: checked once.
            if (roots.has(doc.digest)) return;
            const lint = lintBytes(
              doc.bytes,
              { path: doc.shown, explicit: true, besideOciLayout: false },
              cmd,
            );
            const root: AuditFile = {
              path: doc.shown,
              uri: doc.uri,
              kind: lint?.kind ?? null,
              text: doc.text,
              findings: [...doc.served, ...(lint?.findings ?? [])],
              results: [],
            };
            roots.set(doc.digest, root);
            // Bytes that are not what the registry announced are not walked: nothing they name is trusted.
            if (doc.served.some((f) => f.code === 'oci/registry-digest-mismatch')) return;
            const tree = await verifyTree(doc.text, {
              verifier,
              source,
              hasher: nodeHasherFactory,
              severities: cmd.severities,
              lintAll: true,
              path: doc.shown,
              origin: { fileName: doc.shown },
            });
            if (!tree) return;
            const own = tree.files[0]!;
            root.results = own.results;
            root.findings.push(...own.findings);
            for (const f of tree.files.slice(1)) {
              const digest = f.relative.startsWith('blobs/')
                ? f.relative.slice(6).replace('/', ':')
                : f.relative;
              if (children.has(digest)) continue;
              children.set(digest, {
                path: `${name}@${digest}`,
                ...(f.uri ? { uri: f.uri } : /^https?:/.test(f.path) ? { uri: f.path } : {}),
                kind: f.kind,
                text: f.text,
                findings: f.findings,
                results: f.results,
              });
            }
          } finally {
            progress.tagsDone++;
            progress.tick();
          }
        }),
      ),
    );
    // Roots in tag order, then the documents they reach in digest order; each document once.
    const files: AuditFile[] = [];
    const listed = new Set<AuditFile>();
    for (const row of [...rows].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))) {
      const f = roots.get(row.digest ?? `tag ${row.tag}`);
      if (f && !listed.has(f)) {
        listed.add(f);
        files.push(f);
      }
    }
    for (const digest of [...children.keys()].sort()) {
      if (roots.has(digest)) continue; // a manifest both tagged and reached: reported as the tag's
      files.push(children.get(digest)!);
    }
    for (const f of files) f.findings.sort((a, b) => a.offset - b.offset);
    rows.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    const summary = addSummaries(files.map((f) => summarize(f.results)));
    const documents = files.filter((f) => f.text !== '').length;
    return { repository, tags: rows, files, documents, summary };
  }

  progress.tick(true);
  const files = audits.flatMap((a) => a.files);
  const ioFailures = files.flatMap((f) =>
    f.results.filter((r) => r.status === 'unreadable' && r.error && IO_REASONS.has(r.error.reason)),
  );
  if (ioFailures.length)
    notes.push(
      `${ioFailures.length} ${ioFailures.length === 1 ? 'blob' : 'blobs'} could not be read (see oci/blob-unreadable above).`,
    );
  const lines = audits.map(
    (a) =>
      `${host}/${a.repository}: ${a.tags.length} ${a.tags.length === 1 ? 'tag' : 'tags'}, ${a.documents} ${a.documents === 1 ? 'manifest or index' : 'manifests and indexes'}; descriptors: ${a.summary.text}`,
  );
  let stdout: string;
  if (cmd.format === 'json') {
    const c = countFindings(files);
    stdout = jsonOutput({
      registry: host,
      deep: cmd.deep,
      repositories: audits.map((a) => {
        const { text, ...counts } = a.summary;
        return {
          repository: a.repository,
          tags: a.tags,
          manifests: a.documents,
          summary: { ...counts, text },
        };
      }),
      files: JSON.parse(formatJson(files)) as unknown,
      summary: { errors: c.error, warnings: c.warning, infos: c.info, hints: c.hint, files: files.length },
    });
  } else if (cmd.format === 'sarif') stdout = formatSarif(files, { version, cwd: io.cwd });
  else stdout = formatText(files) + textOutput(lines);
  const exitCode = errors.length || ioFailures.length ? 2 : countFindings(files).error > 0 ? 1 : 0;
  return { stdout, stderr: noteOutput([...notes, ...errors]), exitCode };
}

/** `oci/registry-tag-unavailable` for a listed tag whose manifest the registry does not have. */
function unavailable(shown: string, severities: AuditCommand['severities']): Finding | undefined {
  const severity = resolveSeverity('oci/registry-tag-unavailable', severities);
  if (severity === 'off') return undefined;
  return {
    code: 'oci/registry-tag-unavailable',
    severity,
    message: `${shown} is in the registry's tag list, but the registry answered 404 for its manifest; pulling the tag fails.`,
    offset: 0,
    length: 0,
  };
}
