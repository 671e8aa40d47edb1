/**
 * *Push Manifest to Registry…* (issue 16): the `ociManifest/pushManifest` request. The checks are the core's
 * (core/authoring/push.ts `planPush`, with the user's severity settings), the registry side the host's
 * (`runtime.push`, node/registry/push.ts, the CLI's own). A `file:` document is pushed as its bytes on disk, which
 * are what its digest covers (the client saves it first); another open document (an untitled index) as its text.
 * A dry run answers the digest and the checks without writing anything; the client shows them before it asks.
 */
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { utf8 } from '../../core/authoring/content';
import { checksLine, MAX_PUSH_BYTES, planPush, resultLines } from '../../core/authoring/push';
import { formatImageReference, parseImageReference } from '../../core/verify/imageReference';
import { PushManifestRequest, type PushManifestResult } from '../../protocol';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';

const failure = (message: string): ResponseError<void> =>
  new ResponseError(ErrorCodes.InvalidParams, message);

export const pushFeature: Feature = {
  id: 'push',
  register(ctx) {
    const { connection, documents } = ctx;
    connection.onRequest(PushManifestRequest, (params, token) =>
      runSafeAsync<PushManifestResult | ResponseError<void>>(
        connection,
        PushManifestRequest.method,
        failure('The push failed unexpectedly; see the output channel.'),
        token,
        async () => {
          const access = ctx.runtime.push;
          if (!access) return failure('This language server cannot reach registries.');
          let ref;
          try {
            ref = parseImageReference(params.reference.trim());
          } catch (err) {
            return failure((err as Error).message);
          }
          let bytes: Uint8Array;
          let size: number | undefined;
          let label = params.uri;
          if (params.uri.startsWith('file:')) {
            try {
              const read = await access.readFile(params.uri, MAX_PUSH_BYTES);
              ({ bytes, size } = read);
              label = read.path;
            } catch (err) {
              return failure((err as Error).message);
            }
          } else {
            const doc = documents.get(params.uri);
            if (!doc) return failure(`${params.uri} is not open in the editor.`);
            bytes = utf8(doc.getText());
          }
          const settings = await ctx.settingsOf(params.uri);
          const plan = planPush(bytes, {
            label,
            fileName: label,
            severities: settings['diagnostics.severity'],
            ...(size !== undefined ? { size } : {}),
          });
          const tags = [...new Set([...(ref.tag !== undefined ? [ref.tag] : []), ...(params.tags ?? [])])];
          const controller = new AbortController();
          const sub = token.onCancellationRequested(() => controller.abort());
          let report;
          try {
            report = await access.push(ref, bytes, plan, {
              tags,
              ...(ref.digest !== undefined ? { digest: ref.digest } : {}),
              force: params.force === true,
              mountFrom: params.mountFrom ?? [],
              dryRun: params.dryRun === true,
              insecure: settings['verify.insecureRegistries'],
              ...(params.credentials ? { credentials: params.credentials } : {}),
              signal: controller.signal,
            });
          } catch (err) {
            return failure(
              `${formatImageReference({ host: ref.host, repository: ref.repository })}: ${(err as Error).message.replace(/[.]$/, '')}. Nothing was pushed.`,
            );
          } finally {
            sub.dispose();
          }
          const text = TextDocument.create('push:', 'json', 0, plan.text ?? '');
          return {
            digest: plan.digest,
            size: plan.size,
            mediaType: plan.mediaType,
            repository: formatImageReference({ host: ref.host, repository: ref.repository }),
            tags,
            pushed: report.pushed,
            checks: plan.problems.length ? '' : checksLine(report, ref.repository, params.force === true),
            errors: plan.errors,
            findings: plan.findings
              .filter((f) => f.severity === 'error' || f.severity === 'warning')
              .map((f) => {
                const at = text.positionAt(f.offset);
                return `${at.line + 1}:${at.character + 1} ${f.code}: ${f.message}`;
              }),
            refusals: report.refusals,
            forceWouldHelp: report.refusedForFindings,
            missing: report.checks
              .filter((x) => x.status === 'missing')
              .map((x) => ({
                path: x.path,
                digest: x.digest,
                manifest: x.manifest,
                ...(x.from !== undefined ? { mountableFrom: x.from } : {}),
              })),
            result: report.pushed ? resultLines(report) : [],
          };
        },
      ),
    );
  },
};
