/**
 * What the editor's registry features (lsp/features/registries.ts, readBlob of `oci-blob://registry/…`, the
 * tag hover) need from a host with a network: the one registry client per host (node/registry/client.ts), used
 * through node/registryDocuments.ts. A host without a network leaves it out and those requests fail with a
 * sentence. It lives outside lsp/ so that the Node adapter does not depend on the LSP glue.
 */
import type { ContentSource } from '../core/content/source';
import type { ServedManifest } from '../core/verify/served';
import type {
  OpenReferenceResult,
  RegistryCatalogResult,
  RegistryReferrersResult,
  RegistryTagsResult,
  VerifyCredentials,
} from '../protocol';

/** How to reach registries: the user's insecure hosts, and credentials for one host when the client sent some. */
export interface RegistryReach {
  insecure: readonly string[];
  /** Credentials for the host of the request (SecretStorage); kept for that host's later requests. Never logged. */
  credentials?: VerifyCredentials;
}

/** A document read from a registry for the editor. */
export interface RegistryDocumentText {
  text: string;
  /** Where it came from (`host/repo@digest`), for messages. */
  where: string;
}

export interface RegistryAccess {
  /** Resolves a reference to the manifest served (by digest), with an index's entries. Throws a sentence. */
  open(reference: string, reach: RegistryReach, signal: AbortSignal): Promise<OpenReferenceResult>;
  /**
   * The text of the blob `digest` of the repository `locator` (`host[:port]/name`): a manifest or index or a JSON
   * blob as served (exact bytes, also when they are not the ones asked for), else a JSON summary of its
   * descriptor and the answer to a `HEAD`. Throws a sentence when the registry lacks it or cannot be reached.
   */
  read(
    locator: string,
    digest: string,
    reach: RegistryReach,
    signal: AbortSignal,
  ): Promise<RegistryDocumentText>;
  /** How the document `locator`/`digest` was served (for `oci/registry-*` findings), once it was read. */
  served(locator: string, digest: string): Omit<ServedManifest, 'text' | 'parsed'> | undefined;
  /**
   * The repository as a content source (for the cross-document checks of its documents), over the host's one
   * client, reached as {@link configure} last said.
   */
  source(locator: string): ContentSource;
  /** The insecure hosts (user settings) for what is asked without a request ({@link source}). */
  configure(insecure: readonly string[]): void;
  catalog(registry: string, reach: RegistryReach, signal: AbortSignal): Promise<RegistryCatalogResult>;
  tags(repository: string, reach: RegistryReach, signal: AbortSignal): Promise<RegistryTagsResult>;
  referrers(
    repository: string,
    digest: string,
    reach: RegistryReach,
    signal: AbortSignal,
  ): Promise<RegistryReferrersResult>;
  /**
   * What the tag names now (a `HEAD` of the manifest), cached for a short while; undefined when the registry
   * has no such tag. Throws a sentence when it cannot be asked.
   */
  resolveTag(
    host: string,
    repository: string,
    tag: string,
    reach: RegistryReach,
    signal: AbortSignal,
  ): Promise<{ digest?: string; mediaType?: string; size?: number; at: number } | undefined>;
  /** Stops every client. */
  close(): void;
}
