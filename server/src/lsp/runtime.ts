import type { Disposable } from 'vscode-languageserver';
import type { BlobFacts } from '../core';
import type { LayoutAccess } from './layoutAccess';
import type { VerifyAccess } from './verifyAccess';

/**
 * What the server needs from its host that the pure core cannot do: file-system facts and timers.
 * The node entry (`server/src/node/main.ts`) supplies it; a browser entry could supply another.
 */
export interface RuntimeEnvironment {
  /**
   * True when an `oci-layout` file sits in the same folder as the document (so an `index.json` there is an
   * image index). Omitted where there is no file system; the server then assumes false.
   */
  besideOciLayout?(uri: string): boolean;
  /**
   * What the OCI image layout the document belongs to holds for `digest` (`blobs/<alg>/<encoded>`: present,
   * and its size), for hovers; undefined when the document is not in a layout or there is no file system.
   */
  statBlob?(uri: string, digest: string): BlobFacts | undefined;
  /**
   * OCI image layouts on disk, for links, definitions, references, code lenses, the layout graph and workspace
   * diagnostics; omitted where there is no file system (those features then stay within the open document).
   */
  readonly layouts?: LayoutAccess;
  /**
   * Digest verification against blob content on disk and in registries (the verify requests); omitted where
   * there is no file system or network (verification then uses embedded `data` only).
   */
  readonly verify?: VerifyAccess;
  /** The server's process id, answered to `ociManifest/serverInfo` (0 where there is none). */
  readonly pid?: number;
  readonly timer: {
    setImmediate(callback: () => void): Disposable;
    setTimeout(callback: () => void, ms: number): Disposable;
  };
}
