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
import {
  addReferrer,
  type ContentCheck,
  type PushOptions,
  type PushPlan,
  type PushReport,
} from '../../core/authoring/push';
import { MT } from '../../core/catalog/core';
import { fileURLToPath } from 'node:url';
import type { PushAccess } from '../../host/pushAccess';
import { readFileStart } from '../content/inputs';
import { RegistryAnswerError, RegistryClient } from './client';

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
  // The content checks run even when a refusal is already known, so that every reason is said at once; when they
  // cannot run then (an unreachable registry), the push is refused all the same, saying why they did not.
  const refusedAlready = report.refusals.length > 0;
  const checking = Promise.all(
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
  try {
    report.checks = await checking;
  } catch (err) {
    if (!refusedAlready || (err instanceof Error && err.name === 'AbortError')) throw err;
    report.unchecked = err instanceof Error ? err.message : String(err);
    return report;
  }
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
    let put;
    try {
      put = await client.putManifest(repository, plan.digest, bytes, plan.mediaType, {
        ...signal,
        ...(tags.length ? { tags } : {}),
      });
    } catch (err) {
      // A registry may refuse the query (414 URI too long, 431, or 400 for a parameter it does not know): the
      // manifest alone, then the tags one by one. A manifest it finds invalid is refused again, and that is the error.
      if (!tags.length || !(err instanceof RegistryAnswerError) || ![400, 414, 431].includes(err.status))
        throw err;
      put = await client.putManifest(repository, plan.digest, bytes, plan.mediaType, signal);
      report.queryRefused = err.status;
    }
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

/** The node side of the editor's push (host/pushAccess.ts): one registry client per push, closed after it. */
export function createPushAccess(): PushAccess {
  return {
    async readFile(uri, max) {
      let file: string;
      try {
        file = fileURLToPath(uri);
      } catch {
        throw new Error(`${uri} is not a file on disk.`);
      }
      return { ...(await readFileStart(file, max)), path: file };
    },
    async push(reference, bytes, plan, options) {
      const { insecure, credentials, ...rest } = options;
      const client = new RegistryClient(reference.host, {
        insecure,
        ...(credentials ? { credentials } : {}),
      });
      try {
        return await pushManifest(client, reference.repository, bytes, plan, rest);
      } finally {
        client.close();
      }
    },
  };
}
