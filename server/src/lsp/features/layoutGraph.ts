/**
 * `ociManifest/layoutGraph` (protocol.ts): the image graph of the OCI layout a folder or file belongs to, for
 * the client's OCI Layouts view. Null when the URI is in no layout or the host has no file system.
 */
import { LayoutGraphRequest, type LayoutGraphResult } from '../../protocol';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';
import { layoutRootOf } from './layoutSupport';

export const layoutGraphFeature: Feature = {
  id: 'layoutGraph',
  register(ctx) {
    ctx.connection.onRequest(LayoutGraphRequest, (params, token) =>
      runSafeAsync<LayoutGraphResult>(ctx.connection, LayoutGraphRequest.method, null, token, async () => {
        const layouts = ctx.runtime.layouts;
        if (!layouts || typeof params?.uri !== 'string') return null;
        const root = await layoutRootOf(ctx, params.uri);
        return root ? layouts.graph(root) : null;
      }),
    );
  },
};
