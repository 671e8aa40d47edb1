/**
 * `textDocument/codeLens`: above each descriptor of a manifest or index, what it points at in human terms
 * (`linux/amd64 · 611 B`, `tar+gzip · 31.9 KiB`, "not in this layout" when the document is in an OCI layout
 * that lacks the blob) and a "Verify" action running the client's `ociManifest.verifyDigests` command with the
 * descriptor's path.
 */
import type { CodeLens } from 'vscode-languageserver';
import { humanSize, platformText, refNameOf, shortMediaType } from '../../core/layout/format';
import { VERIFY_DIGESTS_COMMAND, type VerifyDigestsArgs } from '../../protocol';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';
import { layoutRootOf, occurrencesOf } from './layoutSupport';

export const codeLensFeature: Feature = {
  id: 'codeLens',
  capabilities: () => ({ codeLensProvider: { resolveProvider: false } }),
  register(ctx) {
    ctx.connection.onCodeLens((params, token) =>
      runSafeAsync<CodeLens[]>(ctx.connection, 'textDocument/codeLens', [], token, async () => {
        const uri = params.textDocument.uri;
        const found = await ctx.analysisOf(uri);
        if (!found) return [];
        const { doc, analysis } = found;
        // A descriptor document describes itself: its lens would only repeat it.
        const occurrences = occurrencesOf(analysis).filter((o) => o.role !== 'self');
        if (!occurrences.length) return [];
        const root = await layoutRootOf(ctx, uri);
        const present =
          root && ctx.runtime.layouts
            ? await ctx.runtime.layouts.blobUris(
                root,
                occurrences.filter((o) => o.linkable).map((o) => o.digest),
              )
            : undefined;
        const lenses: CodeLens[] = [];
        for (const o of occurrences) {
          const d = o.descriptor;
          const start = doc.positionAt(o.descriptorSpan.offset);
          const range = { start, end: start };
          const parts = [
            o.role === 'subject' ? 'subject' : undefined,
            refNameOf(d) ? `tag ${refNameOf(d)}` : undefined,
            platformText(d.platform) ?? shortMediaType(d.artifactType) ?? shortMediaType(d.mediaType),
            humanSize(d.size),
          ];
          if (present && o.linkable && !present.has(o.digest)) parts.push('not in this layout');
          const title = parts.filter(Boolean).join(' · ');
          // A lens with an empty command is shown as plain text.
          if (title) lenses.push({ range, command: { title, command: '' } });
          if (o.linkable) {
            const args: VerifyDigestsArgs = { uri, path: [...o.path], digest: o.digest };
            lenses.push({
              range,
              command: { title: 'Verify', command: VERIFY_DIGESTS_COMMAND, arguments: [args] },
            });
          }
        }
        return lenses;
      }),
    );
  },
};
