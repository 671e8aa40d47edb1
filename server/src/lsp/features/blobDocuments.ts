/**
 * `ociManifest/readBlob` (protocol.ts): the text of an `oci-blob:` document, read from its content source by
 * digest (or a root file by name), at most 16 MiB. The client's TextDocumentContentProvider asks for it when the
 * editor opens such a URI; once open, the document is linted, hovered, linked and cross-checked like a file, since
 * every feature finds its source through `layoutRootOf` (an `oci-blob:` URI names its source).
 */
import { ErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver';
import { readSourceText } from '../../core/content/document';
import type { RootFileName } from '../../core/content/source';
import {
  parseBlobUri,
  ReadBlobRequest,
  type BlobLocation,
  type ReadBlobParams,
  type ReadBlobResult,
} from '../../protocol';
import { formatError } from '../runner';
import type { Feature, FeatureContext } from './feature';
import { messageOf, registryReach } from './registries';
import { layoutRootOf } from './layoutSupport';

/** The largest document opened from a source. */
export const MAX_BLOB_DOCUMENT_BYTES = 16 * 1024 * 1024;

const failure = (message: string): ResponseError<void> =>
  new ResponseError(ErrorCodes.InvalidParams, message);

/**
 * A registry document: the bytes as served (also when they are not the ones asked for: the diagnostics say so),
 * or for a binary blob its descriptor and the answer to a HEAD (registries.ts and node/registryDocuments.ts).
 */
async function readFromRegistry(
  ctx: FeatureContext,
  location: BlobLocation,
  params: ReadBlobParams,
  token: CancellationToken,
): Promise<ReadBlobResult | ResponseError<void>> {
  const registries = ctx.runtime.registries;
  if (!registries || !location.digest)
    return failure(`Registry documents cannot be read by this server (${params.uri}).`);
  const controller = new AbortController();
  const sub = token.onCancellationRequested(() => controller.abort());
  try {
    const reach = await registryReach(ctx, params.credentials);
    return await registries.read(location.locator, location.digest, reach, controller.signal);
  } catch (err) {
    return failure(`${location.locator}@${location.digest} could not be read: ${messageOf(err)}`);
  } finally {
    sub.dispose();
  }
}

export const blobDocumentsFeature: Feature = {
  id: 'blobDocuments',
  register(ctx) {
    ctx.connection.onRequest(
      ReadBlobRequest,
      async (params: ReadBlobParams, token): Promise<ReadBlobResult | ResponseError<void>> => {
        const location = typeof params?.uri === 'string' ? parseBlobUri(params.uri) : undefined;
        if (!location) return failure(`${String(params?.uri)} is not an oci-blob: URI.`);
        if (location.source === 'registry') return readFromRegistry(ctx, location, params, token);
        const layouts = ctx.runtime.layouts;
        const root = layouts ? await layoutRootOf(ctx, params.uri) : undefined;
        if (!layouts || !root)
          return failure(`The content source of ${params.uri} cannot be read by this server.`);
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const source = await layouts.source(root);
          const piece = location.digest
            ? { digest: location.digest }
            : { root: location.root as RootFileName };
          const read = await readSourceText(source, piece, {
            signal: controller.signal,
            maxBytes: MAX_BLOB_DOCUMENT_BYTES,
          });
          return 'problem' in read ? failure(read.problem) : read;
        } catch (err) {
          ctx.connection.console.error(formatError(`oci-manifest: reading ${params.uri} failed`, err));
          return failure(
            `${params.uri} could not be read: ${err instanceof Error ? err.message : String(err)}`,
          );
        } finally {
          sub.dispose();
        }
      },
    );
  },
};
