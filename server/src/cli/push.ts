/**
 * `oci-manifest push FILE REF [--tag T]… [--mount-from REPO]… [--force]`: the file's exact bytes PUT to a registry
 * after the checks (core/authoring/push.ts plans them, node/registry/push.ts runs them, as the editor does). The
 * digest comes first on standard output, then the findings and what was done; refusals and errors go to standard
 * error. Exit 0 pushed, 1 refused (nothing written), 2 usage or I/O error.
 */
import { checksLine, MAX_PUSH_BYTES, planPush, resultLines } from '../core/authoring/push';
import { formatImageReference, parseImageReference } from '../core/verify/imageReference';
import { readFileStart } from '../node/content/inputs';
import { RegistryPool } from '../node/registry/pool';
import { pushManifest } from '../node/registry/push';
import type { PushCommand } from './args';
import { formatText } from './format';
import { describeError, registryOptions } from './registry';
import type { RunResult } from './run';
import { noteOutput, textOutput } from './terminal';

export async function pushCommand(cmd: PushCommand): Promise<RunResult> {
  const ref = parseImageReference(cmd.reference);
  const fail = (message: string, stdout = ''): RunResult => ({
    stdout,
    stderr: noteOutput([message]),
    exitCode: 2,
  });
  let file: { bytes: Uint8Array; size: number };
  try {
    file = await readFileStart(cmd.file, MAX_PUSH_BYTES);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const plan = planPush(file.bytes, { label: cmd.file, fileName: cmd.file, size: file.size });
  const tags = [...new Set([...(ref.tag !== undefined ? [ref.tag] : []), ...cmd.tags])];
  const target = formatImageReference({ host: ref.host, repository: ref.repository });
  const head = [
    `digest ${plan.digest} (${plan.size} bytes${plan.kind ? `, ${plan.mediaType}` : ''}) for ${target}${tags.length ? `:${tags.join(', :')}` : ' (by digest)'}`,
  ];
  const findings = plan.findings.length
    ? formatText([
        {
          path: cmd.file,
          kind: plan.kind ?? null,
          text: plan.text ?? '',
          findings: plan.findings,
        },
      ])
    : '';
  const pool = new RegistryPool(registryOptions(cmd));
  let report;
  try {
    report = await pushManifest(pool.client(ref.host), ref.repository, file.bytes, plan, {
      tags,
      ...(ref.digest !== undefined ? { digest: ref.digest } : {}),
      force: cmd.force,
      mountFrom: cmd.mountFrom,
    });
  } catch (err) {
    return fail(`${target}: ${describeError(err)} Nothing more was done.`, textOutput(head) + findings);
  } finally {
    pool.close();
  }
  const checked = report.plan.problems.length
    ? []
    : [`checked: ${checksLine(report, ref.repository, cmd.force)}`];
  if (!report.pushed) {
    const hints = report.refusedForFindings ? ['Fix them, or give --force to push anyway.'] : [];
    const unmounted = report.checks.some(
      (c) => c.status === 'missing' && !c.manifest && c.from === undefined,
    );
    if (unmounted && !cmd.mountFrom.length)
      hints.push(
        'Give --mount-from REPO to mount them from another repository of this registry that holds them.',
      );
    return {
      stdout: textOutput(head) + findings + textOutput(checked),
      stderr: noteOutput([`not pushed (nothing was written): ${report.refusals.join(' ')}`, ...hints]),
      exitCode: 1,
    };
  }
  const pushed = formatImageReference({ host: ref.host, repository: ref.repository, digest: plan.digest });
  const problem = report.referrers && 'problem' in report.referrers;
  return {
    stdout:
      textOutput([...head]) + findings + textOutput([...checked, `pushed ${pushed}`, ...resultLines(report)]),
    stderr: problem
      ? noteOutput(["The manifest was pushed, but its subject's referrers list was not updated (above)."])
      : '',
    exitCode: problem ? 2 : 0,
  };
}
