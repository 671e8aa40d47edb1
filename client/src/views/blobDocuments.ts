/**
 * Read-only documents whose text is a blob (or a root file) read from a content source by the language server:
 * the `oci-blob:` scheme of protocol.ts (`BLOB_SCHEME`, `blobUri`). The OCI Layouts view opens the manifests,
 * indexes and configs inside an image archive this way, and Open Manifest from Registry… and the Registries view
 * open documents fetched from a registry (`oci-blob://registry/…`, read with the host's stored credentials). The
 * server reads the content (`ociManifest/readBlob`, bounded) and then lints, hovers and links the open document
 * like a file.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import {
  BLOB_SCHEME,
  parseBlobUri,
  ReadBlobRequest,
  type ReadBlobParams,
  type VerifyCredentials,
} from '../../../server/src/protocol';

export interface BlobDocumentsOptions {
  client(): LanguageClient | undefined;
  ensureStarted(): Promise<void>;
  /** Credentials for a registry host (`host[:port]/name`), from SecretStorage, sent with a registry document's read. */
  credentials?(locator: string): Promise<VerifyCredentials | undefined>;
}

class BlobDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly options: BlobDocumentsOptions) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    await this.options.ensureStarted();
    const client = this.options.client();
    if (!client || client.state === State.Stopped)
      throw new Error('The OCI Manifest language server is not running; see OCI: Show Output.');
    const params: ReadBlobParams = { uri: uri.toString() };
    const location = parseBlobUri(params.uri);
    if (location?.source === 'registry') {
      const credentials = await this.options.credentials?.(location.locator);
      if (credentials) params.credentials = credentials;
    }
    const result = await client.sendRequest(ReadBlobRequest, params, token);
    return result.text;
  }
}

/** Registers the content provider of the `oci-blob:` scheme. */
export function registerBlobDocuments(options: BlobDocumentsOptions): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(BLOB_SCHEME, new BlobDocuments(options));
}
