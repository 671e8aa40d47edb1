/**
 * `oci-manifest referrers REF [--artifact-type T] [--format text|json]`: the manifests that name REF's manifest
 * as their `subject` (signatures, SBOMs, attestations), from the registry's referrers API or, when it has none,
 * from the fallback tag (node/registry/client.ts `referrers`). A REF with a tag is resolved to its digest by
 * fetching the manifest (its bytes checked like any other).
 */
import { formatImageReference, parseImageReference } from '../core/verify/imageReference';
import type { ReferrersCommand } from './args';
import { RegistryPool } from '../node/registry/pool';
import { describeError, fetchReference, registryOptions } from './registry';
import type { RunResult } from './run';
import { jsonOutput, noteOutput, textOutput } from './terminal';

export async function referrersCommand(cmd: ReferrersCommand): Promise<RunResult> {
  const ref = parseImageReference(cmd.reference);
  const pool = new RegistryPool(registryOptions(cmd));
  const fail = (message: string): RunResult => ({ stdout: '', stderr: noteOutput([message]), exitCode: 2 });
  try {
    let digest = ref.digest;
    if (digest === undefined) {
      const doc = await fetchReference(pool, ref);
      if ('error' in doc) return fail(doc.error);
      if (doc.served.some((f) => f.code === 'oci/registry-digest-mismatch'))
        return fail(`${doc.shown}: ${doc.served[0]!.message}`);
      digest = doc.digest;
    }
    const subject = formatImageReference({ host: ref.host, repository: ref.repository, digest });
    let result;
    try {
      result = await pool
        .client(ref.host)
        .referrers(
          ref.repository,
          digest,
          cmd.artifactType !== undefined ? { artifactType: cmd.artifactType } : {},
        );
    } catch (err) {
      return fail(`${subject}: the referrers could not be listed: ${describeError(err)}`);
    }
    const stderr = noteOutput(result.warnings);
    if (cmd.format === 'json')
      return {
        stdout: jsonOutput({
          subject,
          digest,
          via: result.via,
          ...(result.tag !== undefined ? { tag: result.tag } : {}),
          ...(cmd.artifactType !== undefined
            ? { artifactType: cmd.artifactType, filteredBy: result.filteredBy }
            : {}),
          referrers: result.manifests,
          warnings: result.warnings,
        }),
        stderr,
        exitCode: 0,
      };
    const n = result.manifests.length;
    const how =
      result.via === 'api'
        ? 'from the referrers API'
        : `from the fallback tag ${result.tag} (the registry has no referrers API)`;
    const lines = [
      `${subject}: ${n} ${n === 1 ? 'referrer' : 'referrers'}${cmd.artifactType !== undefined ? ` of type ${cmd.artifactType}` : ''}, ${how}`,
    ];
    for (const m of result.manifests) {
      const size = typeof m.size === 'number' ? `${m.size} bytes` : 'size unknown';
      lines.push(
        `${m.digest}  ${m.artifactType ?? '(no artifactType)'}  ${m.mediaType ?? '(no mediaType)'}  ${size}`,
      );
      const annotations = m.annotations && typeof m.annotations === 'object' ? m.annotations : {};
      for (const [k, v] of Object.entries(annotations))
        lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
    return { stdout: textOutput(lines), stderr, exitCode: 0 };
  } finally {
    pool.close();
  }
}
