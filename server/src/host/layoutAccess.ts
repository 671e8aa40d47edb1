/**
 * What the navigation features (links, definitions, references, code lenses, the layout graph, workspace
 * diagnostics) need from a host with a file system: OCI image layouts found on disk, read safely. The node
 * entry implements it (server/src/node/layoutGraph.ts); a host without files leaves it out and the features
 * work within the open document only. It lives outside lsp/ so that the Node adapters implementing it do not
 * depend on the LSP glue (an ESLint rule keeps it so).
 */
import type { BlobFacts, DocumentKind } from '../core';
import type { ContentSource } from '../core/content/source';
import type { LayoutGraph } from '../protocol';

/** One JSON document of a layout, as read from disk. */
export interface LayoutJsonFile {
  /** Its `file:` URI. */
  uri: string;
  /** Relative to the layout root with `/`: `index.json`, `oci-layout`, `blobs/sha256/<hex>`. */
  relative: string;
  text: string;
  /** Changes whenever the file changes (its modification time and size), for caches. */
  version: string;
  /** The kind the layout's graph gives it (a manifest, an index or a config it names), when it names it. */
  kind?: DocumentKind;
}

export interface LayoutJsonFiles {
  files: LayoutJsonFile[];
  /** Set (to a sentence) when some files were left out because a bound was reached. */
  incomplete?: string;
  /** How many entries `blobs/` holds. */
  blobCount: number;
}

/** Bounds for {@link LayoutAccess.jsonFiles}. */
export interface LayoutFileLimits {
  /** Give up (return no blobs, `incomplete` set) when `blobs/` holds more entries than this. */
  maxBlobs: number;
  /** JSON blobs larger than this are skipped. */
  maxFileBytes: number;
  /** Stop after reading this many bytes of JSON in all. */
  maxTotalBytes: number;
}

export interface LayoutAccess {
  /**
   * The `file:` URI of the layout folder holding `uri` (a file or folder at any depth), if any; for an image
   * archive (a `.tar` file) the archive's own URI, and for an `oci-blob:` document (protocol.ts) its source's.
   */
  rootOf(uri: string): Promise<string | undefined>;
  /** The content source of the layout or archive at `rootUri` (as `rootOf` gives it), shared and kept open. */
  source(rootUri: string): Promise<ContentSource>;
  /**
   * True when `uri` sits in a layout's root folder, beside its `oci-layout` file (so an `index.json` there is
   * the layout's index). Synchronous and cached for a moment: it is asked on every validation.
   */
  besideLayoutFile(uri: string): boolean;
  /**
   * What the layout holds for `digest` at `blobs/<alg>/<encoded>` (present, its size, or why it is not read),
   * for hovers; undefined for a digest that cannot name a blob.
   */
  blobFacts(rootUri: string, digest: string): Promise<BlobFacts | undefined>;
  /** The image graph of the layout at `rootUri` (cached; rebuilt when a file it read changed). */
  graph(rootUri: string): Promise<LayoutGraph>;
  /**
   * For each digest whose blob is a regular file inside the layout's `blobs/`, the blob file's `file:` URI.
   * Digests that are invalid, absent or unsafe (a link leaving the layout) are left out.
   */
  blobUris(rootUri: string, digests: readonly string[]): Promise<Map<string, string>>;
  /** `oci-layout`, `index.json` and the JSON blobs of the layout, within `limits`. */
  jsonFiles(rootUri: string, limits: LayoutFileLimits): Promise<LayoutJsonFiles>;
  /** Layout folders (as `file:` URIs) under the given folders, found by a bounded walk. */
  findLayouts(folderUris: readonly string[]): Promise<string[]>;
}
