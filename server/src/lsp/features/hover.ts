/**
 * `textDocument/hover`: the core's hover for the key or value under the cursor, from the cached analysis of
 * the current version (no parsing or validation per request). A digest is looked up in the OCI image layout
 * the document belongs to (through the runtime's layout access, which reads with the one safe reader), when
 * there is a file system: the core asks for the digest under the cursor, the blob is looked up, and the hover
 * is made again with the answer. A tag-pinned reference (`host/repo:tag`) on a host the user configured also says
 * which digest the tag names now (registries.ts `tagHover`).
 */
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { hoverAt, type BlobFacts } from '../../core';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';
import { layoutRootOf } from './layoutSupport';
import { tagHover } from './registries';

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
        const offset = doc.offsetAt(params.position);
        // The core is synchronous: ask which digest it would look up, look it up, then hover with the answer.
        let asked: string | undefined;
        let result = hoverAt(analysis, offset, {
          blob: (digest) => {
            asked = digest;
            return undefined;
          },
        });
        const layouts = ctx.runtime.layouts;
        if (result && asked !== undefined && layouts) {
          const root = await layoutRootOf(ctx, uri);
          let facts: BlobFacts | undefined;
          if (root) facts = await layouts.blobFacts(root, asked).catch(() => undefined);
          if (facts) result = hoverAt(analysis, offset, { blob: (d) => (d === asked ? facts : undefined) });
        }
        // A tag-pinned reference (`host/repo:tag`) on a host the user configured: what it names now.
        const tag = await tagHover(ctx, analysis, offset);
        if (tag) result = result ? { ...result, markdown: `${result.markdown}\n\n${tag.markdown}` } : tag;
        if (!result) return null;
        const verified = ctx.verifications.verifiedNoteAt(uri, analysis, offset);
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
