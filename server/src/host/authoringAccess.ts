/**
 * What the authoring requests (lsp/features/authoring.ts: convert, compare, create an index, promote labels) need
 * from a host with a file system: inputs resolved to a document's text and the content sources its config and
 * manifests can be read from. The node entry implements it with the resolver the CLI uses
 * (server/src/node/content/inputs.ts), so the editor and the CLI accept the same inputs.
 */
import type { ContentSource } from '../core/content/source';

/** An input resolved: its exact text, where its blobs are, and how to release them. */
export interface OpenedInput {
  /** The input as given (a path, `oci:DIR:TAG`), for messages. */
  label: string;
  text: string;
  /** In priority order: embedded data, then the layout or archive. */
  sources: ContentSource[];
  /** The index entry it was found through (an entry of a layout's index.json), when there was one. */
  descriptor?: Record<string, unknown>;
  /** The file it was read from, when it is a plain file. */
  file?: string;
  /** The OCI layout folder it belongs to, when it belongs to one. */
  layout?: string;
  /** The same folder as a `file:` URI. */
  layoutUri?: string;
  close(): Promise<void>;
}

export interface AuthoringAccess {
  /**
   * Resolves an input: a `file:` URI or a path, `oci:DIR[:TAG|@DIGEST]`, `oci-archive:FILE[:TAG]`. Rejects with an
   * error whose message is a full sentence (no such file, no such tag, not an image archive…).
   */
  open(input: string, options?: { platform?: string; signal?: AbortSignal }): Promise<OpenedInput>;
  /**
   * The sources for a document that is open in the editor (its text is the editor's): its embedded data and the
   * layout its file sits in, if any, with that layout's `file:` URI. Any URI that is not a file has embedded data
   * only.
   */
  sourcesFor(uri: string): { sources: ContentSource[]; layoutUri?: string };
}
