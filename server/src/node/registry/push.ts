/**
 * Push, the registry side (issue 16), shared by `oci-manifest push` and the editor's *Push Manifest to Registry…*:
 * the checks before any write (core/authoring/push.ts `planPush`: size, lint, what the repository must hold; here:
 * a `HEAD` for each of those in the *target* repository, cross-repository mounts from the repositories the user
 * names), then the PUT of the exact bytes, the tags, and the fallback tag's referrers list for a manifest with a
 * `subject` on a registry without the referrers API.
 *
 * Nothing is written when a check fails: no PUT, no tag, no mount is attempted for a push that is refused for
 * its findings or its size. A mount is only tried from repositories the caller names (a registry's catalog is
 * not searched: it is often disabled or huge, and mounting from a repository the user did not name would copy
 * access between repositories behind their back).
 *
 * Several tags: one PUT by digest with `?tag=` for each (distribution-spec); the tags the registry confirms in
 * `OCI-Tag` are set, and the others (all of them on a registry without that support, such as distribution 2.8,
 * which ignores the query) get one PUT each.
 */
import { addReferrer, type PushPlan } from '../../core/authoring/push';
import { MT } from '../../core/catalog/core';
import type { RegistryClient } from './client';

/** How one required descriptor was found in the target repository. */
export interface ContentCheck {
  /** e.g. `layers[0]`, `manifests[1]`. */
  path: string;
  digest: string;
  size: number;
  manifest: boolean;
  status: 'present' | 'mounted' | 'missing' | 'size-mismatch';
  /** The size the registry announced, when it differs. */
  actualSize?: number;
  /** `mounted`: the repository it was mounted from. `missing` in a dry run: a named repository that holds it. */
  from?: string;
}

export interface PushOptions {
  /** Tags to set (none: the manifest is pushed by digest only). */
  tags: readonly string[];
  /** The digest the caller expects (`REF@DIGEST`): anything else is refused. */
  digest?: string;
  /** Push despite error-level findings. */
  force?: boolean;
  /** Repositories of the same registry to mount missing blobs from, in order. */
  mountFrom?: readonly string[];
  /** Check only: no mount, no PUT (the editor shows this before asking). */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** What happened to the fallback tag of a pushed referrer. */
export type ReferrersOutcome =
  /** The registry processed the `subject` itself (`OCI-Subject`). */
  | { via: 'api' }
  | { via: 'tag'; tag: string; update: 'created' | 'updated' | 'unchanged'; count: number }
  /** The fallback tag could not be updated (it holds something else): the manifest is pushed, not listed. */
  | { via: 'tag'; tag: string; problem: string };

export interface PushReport {
  plan: PushPlan;
  checks: ContentCheck[];
  /** Sentences: why nothing was written. Empty when pushed (or, in a dry run, when a push would go ahead). */
  refusals: string[];
  /** True when refused for error-level findings only (a forced push would go on to the other checks). */
  refusedForFindings: boolean;
  pushed: boolean;
  /** The tags set. */
  tags: string[];
  /** How the tags were set: `tag` (one PUT to the tag), `query` (`?tag=` confirmed by OCI-Tag), `per-tag`. */
  tagging?: 'digest' | 'tag' | 'query' | 'per-tag' | 'query+per-tag';
  /** Where the registry says the manifest is (safe to show). */
  location?: string;
  referrers?: ReferrersOutcome;
}

/** Runs the checks and, when they pass (and this is no dry run), the push. Throws on network and protocol errors. */
export async function pushManifest(
  client: RegistryClient,
  repository: string,
  bytes: Uint8Array,
  plan: PushPlan,
  options: PushOptions,
): Promise<PushReport> {
  const report: PushReport = {
    plan,
    checks: [],
    refusals: [...plan.problems],
    refusedForFindings: false,
    pushed: false,
    tags: [],
  };
  if (plan.problems.length) return report;
  const signal = options.signal ? { signal: options.signal } : {};
  if (options.digest !== undefined && options.digest !== plan.digest)
    report.refusals.push(
      `The reference names ${options.digest}, but the document's bytes hash to ${plan.digest}; a manifest is stored under the digest of its bytes.`,
    );
  if (plan.errors && !options.force) {
    report.refusals.push(
      `The document has ${plan.errors} error-level ${plan.errors === 1 ? 'finding' : 'findings'}; registries and runtimes may reject it or read it differently.`,
    );
    report.refusedForFindings = report.refusals.length === 1;
  }
  // The content checks run even when a refusal is already known, so that every reason is said at once.
  report.checks = await Promise.all(
    plan.required.map(async (r): Promise<ContentCheck> => {
      const base = { path: r.path, digest: r.digest, size: r.size, manifest: r.manifest };
      const stat = await client.statBlob(
        repository,
        { digest: r.digest, manifest: r.manifest, ...(r.mediaType ? { mediaType: r.mediaType } : {}) },
        options.signal,
      );
      if (stat) return sized(base, stat.size);
      // A blob (never a manifest) may be mounted from a named repository that holds it with this size.
      if (!r.manifest)
        for (const from of options.mountFrom ?? []) {
          if (from === repository) continue;
          const there = await client.statBlob(from, { digest: r.digest, manifest: false }, options.signal);
          if (there && sized(base, there.size).status === 'present')
            return { ...base, status: 'missing', from };
        }
      return { ...base, status: 'missing' };
    }),
  );
  const missing = report.checks.filter((c) => c.status === 'missing' && c.from === undefined);
  const wrong = report.checks.filter((c) => c.status === 'size-mismatch');
  if (missing.length) {
    const advice = missing.some((c) => c.manifest)
      ? 'Push the manifests an index lists before the index.'
      : 'Push the blobs first, or mount them from a repository of the same registry that holds them.';
    report.refusals.push(
      `The repository ${repository} lacks ${missing.map((c) => `${c.path} ${c.digest}`).join(', ')}. ${advice}`,
    );
  }
  for (const c of wrong)
    report.refusals.push(
      `The repository ${repository} holds ${c.path} ${c.digest} with ${c.actualSize} bytes, but the descriptor says ${c.size}.`,
    );
  if (missing.length || wrong.length) report.refusedForFindings = false;
  if (report.refusals.length || options.dryRun) return report;

  // Every check passed: mount what a named repository holds, and look again.
  for (const c of report.checks) {
    if (c.status !== 'missing' || c.from === undefined) continue;
    const mounted = await client.mountBlob(repository, c.digest, c.from, signal);
    const after = mounted
      ? await client.statBlob(repository, { digest: c.digest, manifest: false }, options.signal)
      : undefined;
    if (after && sized(c, after.size).status === 'present') c.status = 'mounted';
    else
      report.refusals.push(
        `The registry did not mount ${c.path} ${c.digest} from ${c.from} into ${repository}${mounted ? ' (it said it did, but the blob is not there with its size)' : ''}.`,
      );
  }
  if (report.refusals.length) return report;

  // The PUT: by the only tag, or by digest (with `?tag=` for several).
  const tags = [...new Set(options.tags)];
  if (tags.length === 1) {
    const put = await client.putManifest(repository, tags[0]!, bytes, plan.mediaType, signal);
    report.tagging = 'tag';
    report.tags = [tags[0]!];
    finish(report, put);
  } else {
    const put = await client.putManifest(repository, plan.digest, bytes, plan.mediaType, {
      ...signal,
      ...(tags.length ? { tags } : {}),
    });
    finish(report, put);
    const confirmed = put.tags ?? [];
    const rest = tags.filter((t) => !confirmed.includes(t));
    for (const t of rest) await client.putManifest(repository, t, bytes, plan.mediaType, signal);
    report.tags = [...confirmed, ...rest];
    report.tagging = !tags.length
      ? 'digest'
      : !confirmed.length
        ? 'per-tag'
        : rest.length
          ? 'query+per-tag'
          : 'query';
  }
  if (plan.subject && plan.referrer) {
    if (report.referrers?.via === 'api') return report;
    const tag = plan.subject.tag;
    const existing = await client.getManifest(repository, tag, { ...signal, mediaType: MT.index });
    const update = addReferrer(
      existing
        ? {
            text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(existing.bytes),
            ...(existing.mediaType ? { mediaType: existing.mediaType } : {}),
          }
        : undefined,
      plan.referrer,
      tag,
    );
    if ('problem' in update) report.referrers = { via: 'tag', tag, problem: update.problem };
    else if ('unchanged' in update)
      report.referrers = { via: 'tag', tag, update: 'unchanged', count: update.count };
    else {
      await client.putManifest(repository, tag, new TextEncoder().encode(update.text), MT.index, signal);
      report.referrers = {
        via: 'tag',
        tag,
        update: update.created ? 'created' : 'updated',
        count: update.count,
      };
    }
  }
  return report;
}

function sized(base: Omit<ContentCheck, 'status'>, size: number | undefined): ContentCheck {
  return size === undefined || size === base.size
    ? { ...base, status: 'present' }
    : { ...base, status: 'size-mismatch', actualSize: size };
}

function finish(report: PushReport, put: { digest: string; location?: string; subject?: string }): void {
  report.pushed = true;
  if (put.location) report.location = put.location;
  if (put.subject) report.referrers = { via: 'api' };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** One sentence on the checks: findings, and what the repository holds. */
export function checksLine(report: PushReport, repository: string, forced: boolean): string {
  const { plan, checks } = report;
  const lint = plan.errors
    ? `${plural(plan.errors, 'error-level finding')}${forced ? ' (pushed anyway: forced)' : ''}`
    : 'no error-level finding';
  const what =
    plan.kind && plan.required.every((r) => r.manifest) && plan.required.length ? 'manifest' : 'blob';
  const present = checks.filter((c) => c.status === 'present' || c.status === 'mounted').length;
  const mounted = checks.filter((c) => c.status === 'mounted');
  const mountable = checks.filter((c) => c.status === 'missing' && c.from !== undefined);
  const held = checks.length
    ? `${present} of ${plural(checks.length, what)} present in ${repository}${mounted.length ? ` (${mounted.length} mounted from ${[...new Set(mounted.map((c) => c.from))].join(', ')})` : ''}${mountable.length ? `, ${mountable.length} to mount from ${[...new Set(mountable.map((c) => c.from))].join(', ')}` : ''}`
    : `no ${what} to check`;
  return `${lint}; ${held}`;
}

/** What was done, one sentence each: the tags and how they were set, and the referrers list. */
export function resultLines(report: PushReport): string[] {
  const lines: string[] = [];
  const tags = report.tags.join(', ');
  switch (report.tagging) {
    case 'digest':
      lines.push('No tag: pushed by digest only.');
      break;
    case 'tag':
      lines.push(`Tagged ${tags}.`);
      break;
    case 'query':
      lines.push(
        `Tagged ${tags} in one PUT by digest with ?tag= (the registry confirmed them with OCI-Tag).`,
      );
      break;
    case 'per-tag':
      lines.push(
        `Tagged ${tags} with one PUT each: the registry did not confirm ?tag= with OCI-Tag, so it does not set tags that way.`,
      );
      break;
    case 'query+per-tag':
      lines.push(`Tagged ${tags}: some confirmed with OCI-Tag, the others with one PUT each.`);
      break;
  }
  const r = report.referrers;
  if (r?.via === 'api')
    lines.push('The registry listed it as a referrer of its subject itself (OCI-Subject).');
  else if (r && 'problem' in r) lines.push(r.problem);
  else if (r)
    lines.push(
      `The registry has no referrers API (no OCI-Subject in its answer): the fallback tag ${r.tag} ${r.update === 'created' ? 'was created and lists it' : r.update === 'updated' ? `was updated and lists ${plural(r.count, 'referrer')}` : `lists it already (${plural(r.count, 'referrer')})`}.`,
    );
  return lines;
}
