/**
 * What the verification requests (lsp/features/verify.ts) need from a host with a file system and a network:
 * blob sources for a document (its OCI image layout, a registry), the layout walk of *Verify Layout*, and
 * streamed file hashing. The node entry implements it (server/src/node/verifyAccess.ts); a host without files
 * leaves it out and verification is limited to embedded `data`. It lives outside lsp/ so that the Node adapters
 * implementing it do not depend on the LSP glue (an ESLint rule keeps it so).
 */
import type { DocumentKind, Finding, Severity } from '../core';
import type { ContentSource, DescriptorResult, HasherFactory, VerifySummary } from '../core/verify';
import type { VerifyCredentials } from '../protocol';

export interface RegistryChoice {
  /** `host[:port]/name`; absent or empty for none. */
  registry?: string;
  /** Hosts that may be reached over plain HTTP. */
  insecure: readonly string[];
  /** Credentials for the registry host; when absent the user's Docker config is consulted. Never logged. */
  credentials?: VerifyCredentials;
}

export interface DocumentSources {
  /** In priority order: embedded data, the layout the document is in, the registry. */
  sources: ContentSource[];
  /** The labels of the places searched (`layout /x`, `registry host/repo`). */
  labels: string[];
  /** True when a registry is among the sources. */
  hasRegistry: boolean;
  /** Releases connections. */
  close(): void;
}

/** One file of a layout verification (offsets into `text`; 0 for binary blobs). */
export interface LayoutFileFindings {
  /** Its `file:` URI (an `oci-blob:` URI inside an image archive). */
  uri: string;
  relative: string;
  kind: DocumentKind | null;
  text: string;
  findings: Finding[];
  results: DescriptorResult[];
}

export interface LayoutVerification {
  /** The layout folder's `file:` URI (or the image archive's). */
  root: string;
  files: LayoutFileFindings[];
  summary: VerifySummary;
  text: string;
  cancelled: boolean;
}

export interface VerifyAccess {
  readonly hasher: HasherFactory;
  /** Blob sources for the document at `uri` (a `file:` URI, or any URI: then only embedded data and the registry). */
  sources(uri: string, registry: RegistryChoice): Promise<DocumentSources>;
  /**
   * The layout holding `uri` (a folder or a file inside one), or the image archive `uri` names, verified;
   * undefined when there is none. Files of an archive have `oci-blob:` URIs.
   */
  verifyLayout(
    uri: string,
    registry: RegistryChoice,
    options: {
      signal: AbortSignal;
      severities: Readonly<Record<string, Severity | 'off'>>;
      /** A missing blob is an error even where a layout may lack it (`ociManifest.verify.requireComplete`). */
      requireComplete?: boolean;
      /** Decompress each layer while hashing it (DiffIDs, tar headers). */
      deep?: boolean;
      onProgress?: (p: { done: number; total: number; bytes: number; totalBytes: number }) => void;
    },
  ): Promise<LayoutVerification | undefined>;
  /** The digest and size of a regular file (streamed), and its first `head` bytes for guessing its media type. */
  hashFile(
    uri: string,
    options: { algorithm: 'sha256' | 'sha512' | 'blake3'; head: number; signal: AbortSignal },
  ): Promise<{ digest: string; size: number; head: Uint8Array }>;
}
