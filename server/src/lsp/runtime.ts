import type { Disposable } from 'vscode-languageserver';

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
  /** The server's process id, answered to `ociManifest/serverInfo` (0 where there is none). */
  readonly pid?: number;
  readonly timer: {
    setImmediate(callback: () => void): Disposable;
    setTimeout(callback: () => void, ms: number): Disposable;
  };
}
