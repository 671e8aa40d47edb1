/**
 * One repository of a registry as a blob source (core/content/source.ts `stat`/`open`): `HEAD` and `GET` of
 * `/v2/<name>/blobs/<digest>` and `/v2/<name>/manifests/<digest>` through the registry client (client.ts),
 * which does the transport, authentication, retries and bounded reads. Several repositories of one host share
 * one client (its connections and tokens) when it is passed in.
 */
import type { BlobContent, BlobRef, BlobStat, ContentSource, OpenOptions } from '../../core/content/source';
import { parseRegistryReference, type RegistryReference } from '../../core/verify/reference';
import { RegistryClient, type RegistryOptions } from './client';

export { parseRegistryReference, isLoopback, type RegistryReference } from '../../core/verify/reference';

export class RegistryBlobSource implements ContentSource {
  readonly name = 'registry';
  readonly label: string;
  readonly host: string;
  readonly repository: string;
  readonly client: RegistryClient;
  /** The client was made here (and is closed with the source), not shared. */
  private readonly owned: boolean;

  /**
   * The repository `reference` (`host[:port]/name`, or its parts); throws on a bad reference. With `client`, the
   * source uses that client (of the same host) and leaves it open when it closes.
   */
  constructor(reference: RegistryReference | string, options: RegistryOptions = {}, client?: RegistryClient) {
    const ref = typeof reference === 'string' ? parseRegistryReference(reference) : reference;
    this.client = client ?? new RegistryClient(ref.host, options);
    this.owned = client === undefined;
    this.host = this.client.host;
    this.repository = ref.repository;
    this.label = `registry ${this.host}/${this.repository}`;
  }

  /** Closes the client's idle connections when the source made it. Call when done (the CLI and tests do). */
  close(): void {
    if (this.owned) this.client.close();
  }

  stat(ref: BlobRef, signal: AbortSignal): Promise<BlobStat | undefined> {
    return this.client.statBlob(this.repository, ref, signal);
  }

  open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined> {
    return this.client.openBlob(this.repository, ref, options);
  }
}
