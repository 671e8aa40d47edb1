/**
 * A registry repository as a content source (core/content/source.ts): the registry client of
 * node/registry/ (transport, authentication, retries, redirects, bounded reads) for one repository. A registry
 * must hold every blob its manifests name, so it is `complete`: a blob missing from it is an error. It has no
 * root files and cannot list what it holds.
 */
import type {
  BlobContent,
  BlobRef,
  BlobStat,
  ContentOrigin,
  ContentSource,
  OpenOptions,
} from '../../core/content/source';
import { RegistryBlobSource } from '../registry/blobSource';
import type { RegistryClient, RegistryOptions } from '../registry/client';

export class RegistryContentSource implements ContentSource {
  readonly name = 'registry';
  readonly completeness = 'complete' as const;
  readonly label: string;

  constructor(readonly client: RegistryBlobSource) {
    this.label = client.label;
  }

  stat(ref: BlobRef, signal: AbortSignal): Promise<BlobStat | undefined> {
    return this.client.stat(ref, signal);
  }

  open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined> {
    return this.client.open(ref, options);
  }

  /** A blob as a reference (`host/repository@digest`): the URL depends on the scheme the registry speaks. */
  describe(piece: { digest: string } | { path: string }): ContentOrigin | undefined {
    if (!('digest' in piece)) return undefined;
    return { where: `${this.client.host}/${this.client.repository}@${piece.digest}` };
  }

  close(): void {
    this.client.close();
  }
}

/**
 * The registry repository `reference` (`host[:port]/name`) as a content source; throws on a bad reference. With
 * `client` (a registry client of the same host), the source shares its connections and tokens.
 */
export function registrySource(
  reference: string,
  options: RegistryOptions = {},
  client?: RegistryClient,
): RegistryContentSource {
  return new RegistryContentSource(new RegistryBlobSource(reference, options, client));
}
