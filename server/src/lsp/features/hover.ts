/**
 * `textDocument/hover`: the core's hover for the key or value under the cursor, from the cached analysis of
 * the current version (no parsing or validation per request). Digests are looked up in the OCI image layout
 * the document belongs to through the runtime, when it has a file system.
 */
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { hoverAt } from '../../core';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';
import { verifiedNoteAt } from './verify';

export const hoverFeature: Feature = {
  id: 'hover',
  capabilities: () => ({ hoverProvider: true }),
  register(ctx) {
    ctx.connection.onHover((params, token) =>
      runSafeAsync<Hover | null>(ctx.connection, 'textDocument/hover', null, token, async () => {
        const uri = params.textDocument.uri;
        const found = await ctx.analysisOf(uri);
        if (!found) return null;
        const { doc, analysis } = found;
        const statBlob = ctx.runtime.statBlob;
        const offset = doc.offsetAt(params.position);
        const result = hoverAt(analysis, offset, {
          blob: statBlob ? (digest) => statBlob(uri, digest) : undefined,
        });
        if (!result) return null;
        const verified = verifiedNoteAt(uri, analysis, offset);
        return {
          contents: {
            kind: MarkupKind.Markdown,
            value: verified ? `${result.markdown}\n\n${verified}` : result.markdown,
          },
          range: { start: doc.positionAt(result.offset), end: doc.positionAt(result.offset + result.length) },
        };
      }),
    );
  },
};
