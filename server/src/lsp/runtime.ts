import type { Disposable } from 'vscode-languageserver';
import type { AuthoringAccess } from '../host/authoringAccess';
import type { LayoutAccess } from '../host/layoutAccess';
import type { RegistryAccess } from '../host/registryAccess';
import type { PushAccess } from '../host/pushAccess';
import type { VerifyAccess } from '../host/verifyAccess';

/**
 * What the server needs from its host that the pure core cannot do: file-system facts and timers.
 * The node entry (`server/src/node/main.ts`) supplies it; a browser entry could supply another.
 */
export interface RuntimeEnvironment {
  /**
   * OCI image layouts on disk, for kind detection (an `index.json` beside an `oci-layout` file), hovers, links,
   * definitions, references, code lenses, the layout graph and workspace diagnostics; omitted where there is no
   * file system (those features then stay within the open document).
   */
  readonly layouts?: LayoutAccess;
  /**
   * Digest verification against blob content on disk and in registries (the verify requests); omitted where
   * there is no file system or network (verification then uses embedded `data` only).
   */
  readonly verify?: VerifyAccess;
  /**
   * Inputs of the authoring requests (convert, compare, create an index, promote labels) read from files, OCI
   * layouts and archives; omitted where there is no file system (those requests then work on open documents and
   * their embedded data only).
   */
  readonly authoring?: AuthoringAccess;
  /**
   * Registries for the editor (Open Manifest from Registry, `oci-blob://registry/…` documents, the Registries
   * view, tag hovers); omitted where there is no network.
   */
  readonly registries?: RegistryAccess;
  /** Push to registries (the push request); omitted where there is no file system or network. */
  readonly push?: PushAccess;
  /** The server's process id, answered to `ociManifest/serverInfo` (0 where there is none). */
  readonly pid?: number;
  readonly timer: {
    setImmediate(callback: () => void): Disposable;
    setTimeout(callback: () => void, ms: number): Disposable;
  };
}
