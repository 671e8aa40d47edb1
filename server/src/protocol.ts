/**
 * The one contract shared by the client and the server: the typed settings with their defaults, and the
 * custom messages. The client imports only this file from the server side.
 */

/**
 * Markdown that quotes documents (hovers on the server, the layout view's tooltips in the client) is built
 * with one set of helpers, so that no document text is ever rendered as a link, image or HTML.
 */
export { mdCode, mdFence, mdText } from './core/markdown';

/**
 * Registry credentials are kept per registry host; the client stores and finds them under the key the server's
 * registry client compares hosts by (`127.1:5000` and `127.0.0.1:5000`, `host:443` and `host` are one).
 */
export { registryHostKey } from './core/verify/reference';

export type SeverityOverride = 'error' | 'warning' | 'info' | 'hint' | 'off';

/** Settings under `ociManifest.*` (package.json's `contributes.configuration` must match; a test checks). */
export interface Settings {
  /** Milliseconds to wait after an edit before validating (0 = at once). */
  'diagnostics.delay': number;
  /** Serve JSON documents recognised as manifests by their content, not only by file name. */
  'diagnostics.contentDetection': boolean;
  /** Above this many characters only the basic checks run. */
  'diagnostics.maxFullCheckSize': number;
  /** Per-rule severity overrides, e.g. `{ "oci/annotation-key-form": "off" }`. */
  'diagnostics.severity': Record<string, SeverityOverride>;
  /** Trace the LSP traffic in the output channel. */
  'trace.server': 'off' | 'messages' | 'verbose';
  /** Show problems in the JSON files of small OCI image layouts in the workspace without opening them. */
  'layouts.workspaceDiagnostics': boolean;
  /** The repository to look in for blobs not found locally (`registry.example.com/team/app`); '' for none. */
  'verify.registry': string;
  /** Registry hosts (`host` or `host:port`) that may be reached over plain HTTP. */
  'verify.insecureRegistries': string[];
  /** Every blob must be present: a blob missing from a layout (which the spec allows) is an error. */
  'verify.requireComplete': boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  'diagnostics.delay': 150,
  'diagnostics.contentDetection': true,
  'diagnostics.maxFullCheckSize': 16 * 1024 * 1024,
  'diagnostics.severity': {},
  'trace.server': 'off',
  'layouts.workspaceDiagnostics': true,
  'verify.registry': '',
  'verify.insecureRegistries': [],
  'verify.requireComplete': false,
};

/** The configuration section the server asks for. */
export const SETTINGS_SECTION = 'ociManifest';

/** Reads a raw `ociManifest` configuration object (nested or flat keys) into typed settings with defaults. */
export function readSettings(raw: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS, 'diagnostics.severity': {}, 'verify.insecureRegistries': [] };
  if (typeof raw !== 'object' || raw === null) return out;
  const get = (dotted: string): unknown => {
    const flat = (raw as Record<string, unknown>)[dotted];
    if (flat !== undefined) return flat;
    let cur: unknown = raw;
    for (const part of dotted.split('.')) {
      if (typeof cur !== 'object' || cur === null) return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  };
  const delay = get('diagnostics.delay');
  if (typeof delay === 'number' && Number.isFinite(delay) && delay >= 0) out['diagnostics.delay'] = delay;
  const cd = get('diagnostics.contentDetection');
  if (typeof cd === 'boolean') out['diagnostics.contentDetection'] = cd;
  const max = get('diagnostics.maxFullCheckSize');
  if (typeof max === 'number' && Number.isFinite(max) && max > 0) out['diagnostics.maxFullCheckSize'] = max;
  const sev = get('diagnostics.severity');
  if (typeof sev === 'object' && sev !== null) {
    for (const [code, level] of Object.entries(sev)) {
      if (
        level === 'error' ||
        level === 'warning' ||
        level === 'info' ||
        level === 'hint' ||
        level === 'off'
      ) {
        out['diagnostics.severity'][code] = level;
      }
    }
  }
  const trace = get('trace.server');
  if (trace === 'off' || trace === 'messages' || trace === 'verbose') out['trace.server'] = trace;
  const wd = get('layouts.workspaceDiagnostics');
  if (typeof wd === 'boolean') out['layouts.workspaceDiagnostics'] = wd;
  const reg = get('verify.registry');
  if (typeof reg === 'string') out['verify.registry'] = reg.trim();
  const complete = get('verify.requireComplete');
  if (typeof complete === 'boolean') out['verify.requireComplete'] = complete;
  const insecure = get('verify.insecureRegistries');
  if (Array.isArray(insecure))
    out['verify.insecureRegistries'] = insecure.filter(
      (h): h is string => typeof h === 'string' && h.trim() !== '',
    );
  return out;
}

/** Options the client passes in `initialize`. */
export interface InitializationOptions {
  /** The host editor already reports JSON syntax errors (VS Code's JSON support), so the server skips them. */
  hostReportsJsonSyntax?: boolean;
  /**
   * Settings for clients that cannot answer `workspace/configuration` (the `ociManifest` object, nested or
   * flat keys, optionally wrapped as `{ "ociManifest": {...} }`). Clients that can answer it need not send them.
   */
  settings?: unknown;
}

/** Notification server → client: the detected kind of a document, for the status bar. */
export const DOCUMENT_KIND_NOTIFICATION = 'ociManifest/documentKind';

export interface DocumentKindParams {
  uri: string;
  /** The kind's id (`image-manifest`…) or null when the document is not served. */
  kind: string | null;
  /** Human label, e.g. "OCI image index". */
  label: string | null;
  /** How the kind was decided: mediaType, shape, fileName or forced. */
  source: string | null;
}

/** Command ids contributed by the extension (package.json lists the same; a test checks). */
export const COMMAND_IDS = {
  showOutput: 'ociManifest.showOutput',
  restartServer: 'ociManifest.restartServer',
  verifyDigests: 'ociManifest.verifyDigests',
  verifyLayout: 'ociManifest.verifyLayout',
  verifyLayoutDeep: 'ociManifest.verifyLayoutDeep',
  computeDigest: 'ociManifest.computeDigest',
  insertDescriptor: 'ociManifest.insertDescriptor',
  copyDocumentDigest: 'ociManifest.copyDocumentDigest',
  setRegistryCredentials: 'ociManifest.setRegistryCredentials',
  openLayout: 'ociManifest.openLayout',
  refreshLayouts: 'ociManifest.refreshLayouts',
  closeLayout: 'ociManifest.closeLayout',
  openLayoutItem: 'ociManifest.openLayoutItem',
  verifyLayoutItem: 'ociManifest.verifyLayoutItem',
  copyDigest: 'ociManifest.copyDigest',
  copyDescriptor: 'ociManifest.copyDescriptor',
  revealBlob: 'ociManifest.revealBlob',
} as const;

/** Request client → server: facts about the running server (the e2e tests use the pid to test restarts). */
export const SERVER_INFO_REQUEST = 'ociManifest/serverInfo';

export interface ServerInfo {
  pid: number;
  version: string;
}

const NAME_PATTERN =
  /(^|[/\\])(oci-layout|index\.json|[^/\\]+\.(manifest|index)\.json)$|[/\\]blobs[/\\][a-z0-9+._-]+[/\\][^/\\]+$/i;
const CONTENT_HINT =
  /"(schemaVersion|imageLayoutVersion|mediaType|manifests|layers|rootfs|diff_ids|fsLayers)"\s*:/;

/**
 * A cheap, loose pre-filter the client uses to decide whether to start the server at all: true for anything
 * that might be a manifest by name or by its first 64 KiB. The server makes the real decision.
 */
export function mightBeManifest(fileName: string, text: string): boolean {
  return NAME_PATTERN.test(fileName) || CONTENT_HINT.test(text.slice(0, 65536));
}

// ---- OCI image layouts: the image graph (issue 6) --------------------------------------------------------------

/**
 * Request client → server: the image graph of the OCI image layout that a folder or file belongs to (the
 * nearest folder at or above it holding an `oci-layout` file), for the OCI Layouts tree view. The answer is
 * plain JSON, cached by the server per layout and rebuilt when a file it read changes on disk.
 */
export const LAYOUT_GRAPH_REQUEST = 'ociManifest/layoutGraph';

export interface LayoutGraphParams {
  /** A `file:` URI: the layout folder itself, or any folder or file inside it (`index.json`, a blob). */
  uri: string;
}

/** The graph, or null when the URI is not inside an OCI image layout or the server has no file system. */
export type LayoutGraphResult = LayoutGraph | null;

/**
 * How far a node could be followed.
 * - `ok`: present; for manifests and indexes also read and understood.
 * - `missing`: no file `blobs/<alg>/<encoded>` (or no `index.json`).
 * - `unreadable`: there, but not read: too large, a special file, a symbolic link leaving the layout, an I/O error.
 * - `invalid`: read, but not JSON, or not the manifest or index the descriptor says it is.
 * - `unchecked`: not looked at because a bound (depth, node count, bytes) was reached; see `LayoutGraph.truncated`.
 */
export type LayoutNodeStatus = 'ok' | 'missing' | 'unreadable' | 'invalid' | 'unchecked';

/** Where a descriptor sits in the document that holds it. */
export type LayoutEdgeRole = 'manifest' | 'config' | 'layer' | 'blob' | 'subject';

/**
 * The image graph of one layout. Blobs are stored once each in `blobs` (keyed by digest) and referred to
 * from edges by `target`, so a config shared by two manifests, or a manifest tagged twice, is one node.
 * Walking it: `index.entries` → `blobs[edge.target]` → its `children` → … Stop at edges marked `cycle`
 * (the target is an ancestor; possible only in a corrupt layout). Referrers: a manifest whose `subject`
 * names a node is listed in that node's `referrers` (and has `subject` set); the view shows referrers under
 * their subject, so an `index.json` entry marked `referrer` need not be shown again at the top.
 */
export interface LayoutGraph {
  /** The layout folder's `file:` URI (or the image archive's). */
  root: string;
  /**
   * Set when the layout is an image archive read in place: `oci-layout` for an OCI layout tarball, `docker-save`
   * for a legacy `docker save` tarball, whose graph lists the images of its `manifest.json` (each entry a config
   * edge labelled by its first tag, with the layers under it) in `index.entries`.
   */
  archive?: 'oci-layout' | 'docker-save';
  /** `imageLayoutVersion` from the `oci-layout` file, when it could be read. */
  layoutVersion?: string;
  index: LayoutIndexNode;
  /** Every blob the walk reached (manifests, indexes, configs, layers, artifact blobs), by digest. */
  blobs: Record<string, LayoutBlobNode>;
  /** Set (to a sentence saying which bound) when the walk stopped early; nodes not reached are `unchecked`. */
  truncated?: string;
}

/** The layout's `index.json`. */
export interface LayoutIndexNode {
  /** Always `index.json`, relative to the layout root. */
  path: string;
  /** Its `file:` URI. */
  uri?: string;
  status: LayoutNodeStatus;
  /** A sentence saying what is wrong, when `status` is not `ok`. */
  problem?: string;
  /** The document kind it was read as (`image-index`, or `docker-manifest-list` for a Docker list). */
  kind?: string;
  /** Its `manifests[]`, in order. */
  entries: LayoutEdge[];
}

/** One blob of the layout. */
export interface LayoutBlobNode {
  digest: string;
  /** `blobs/<alg>/<encoded>`, relative to the layout root. */
  path: string;
  /** The blob file's `file:` URI, when the file is there (open it as JSON for manifests, indexes and configs). */
  uri?: string;
  status: LayoutNodeStatus;
  problem?: string;
  /**
   * For manifests and indexes that were read: the document kind (`image-manifest`, `image-index`,
   * `docker-manifest`, `docker-manifest-list`, `artifact-manifest`…).
   */
  kind?: string;
  /** The document's own `mediaType` / `artifactType`, when it was read and has them. */
  mediaType?: string;
  artifactType?: string;
  /** For manifests and indexes that were read: their descriptors in document order (the `subject` last). */
  children?: LayoutEdge[];
  /** The digest this manifest's `subject` names, when it has a valid one. */
  subject?: string;
  /** Digests of the manifests whose `subject` names this blob (signatures, SBOMs, attestations), in discovery order. */
  referrers?: string[];
  /**
   * Set on a referrer that no descriptor reachable from `index.json` names: it was found among the layout's
   * blobs (its `subject` names a node of the graph), and is shown under its subject.
   */
  unreferenced?: true;
  /** The blob's length, when no descriptor says it (an unreferenced referrer). */
  size?: number;
}

/** One descriptor: the pointer from a document to a blob, with what it says about the blob. */
export interface LayoutEdge {
  role: LayoutEdgeRole;
  /** The descriptor's JSON path in the document holding it, e.g. `["manifests", 0]`, `["layers", 2]`. */
  path: (string | number)[];
  /** The key in `LayoutGraph.blobs`; absent when the descriptor has no valid digest (then `problem` says why). */
  target?: string;
  /** The `digest` as written, when it is a string. */
  digest?: string;
  mediaType?: string;
  /** The descriptor's `size`, when it is a number. */
  size?: number;
  artifactType?: string;
  /** The tag, from the `org.opencontainers.image.ref.name` annotation. */
  refName?: string;
  /** `linux/arm64/v8`, from the descriptor's `platform`. */
  platform?: string;
  /** A short label for a tree item: the tag, else the platform, else the short media type, else the role. */
  label: string;
  /** The rest, for the item's description: e.g. `linux/amd64 · OCI manifest · 611 B · sha256:86e7da5f560b`. */
  description: string;
  /** `31.9 KiB`. */
  sizeText?: string;
  /** `sha256:86e7da5f560b`. */
  shortDigest?: string;
  /** The descriptor object as written (for "Copy Descriptor"). */
  descriptor: Record<string, unknown>;
  /** The target is an ancestor of this edge: do not expand it. */
  cycle?: true;
  /** The target's `subject` names another node of the graph: the view shows it under that node. */
  referrer?: true;
  /** Why the descriptor cannot be followed (a missing or invalid digest). */
  problem?: string;
}

/**
 * The command the "Verify" code lens above each descriptor runs (`COMMAND_IDS.verifyDigests`, contributed by
 * the client). From a lens its one argument is a {@link VerifyDigestsArgs}; the client can pass `[args.path]`
 * as `paths` of {@link VERIFY_DOCUMENT_REQUEST} to verify just that descriptor.
 */
export const VERIFY_DIGESTS_COMMAND = COMMAND_IDS.verifyDigests;

export interface VerifyDigestsArgs {
  /** The document holding the descriptor. */
  uri: string;
  /** The descriptor's JSON path in it, e.g. `["layers", 0]`; `[]` for the whole document. */
  path: (string | number)[];
  /** The descriptor's digest, as written. */
  digest: string;
}

// ---- Digest verification (issue 5) ------------------------------------------------------------------------------

/** Basic credentials for one registry host, from the client's SecretStorage. Never logged. */
export interface VerifyCredentials {
  username: string;
  password: string;
}

/** How one descriptor came out (the engine's statuses). */
export type VerifyResultStatus =
  /** The content was found, has `size` bytes and hashes to `digest`. */
  | 'verified'
  | 'size-mismatch'
  | 'digest-mismatch'
  /** No source had it. */
  | 'missing'
  /** A source has it (or may have it) but could not deliver it; see `error`. */
  | 'unreadable'
  /**
   * The content has the right size and digest, but the descriptor names it as a manifest or an index and it is
   * not one (binary, not JSON, an image config…); see `reason`.
   */
  | 'invalid'
  /**
   * The content has the right size and digest, but it is a manifest or an index too large to check in full:
   * its descriptors were followed, its content was not linted; see `reason`.
   */
  | 'unchecked'
  /**
   * Not read: the digest is malformed or uses an algorithm nobody can compute, or the size is not a non-negative
   * integer; see `reason`.
   */
  | 'skipped'
  /** The signal was aborted before this descriptor was decided. */
  | 'cancelled';

/** Counts of a verification (descriptors). */
export interface VerifyCounts {
  total: number;
  verified: number;
  sizeMismatch: number;
  digestMismatch: number;
  missing: number;
  unreadable: number;
  invalid: number;
  unchecked: number;
  skipped: number;
  cancelled: number;
}

/**
 * Request client → server: verify every descriptor of an open document against its content (the OCI image
 * layout it is in, embedded `data`, then the registry). Findings (`oci/blob-*`) are merged into the document's
 * diagnostics and kept while the descriptor's text is unchanged. Supports `workDoneToken` progress and
 * cancellation (which stops the reads).
 */
export const VERIFY_DOCUMENT_REQUEST = 'ociManifest/verifyDocument';

export interface VerifyDocumentParams {
  uri: string;
  /** The repository to look in (`host[:port]/name`); defaults to the `ociManifest.verify.registry` setting. */
  registry?: string;
  /** Credentials for the registry's host; when absent the user's Docker config is consulted by the server. */
  credentials?: VerifyCredentials;
  /** Verify only the descriptors at these paths (e.g. from a code lens); all when absent. */
  paths?: (string | number)[][];
  workDoneToken?: string | number;
}

export interface VerifyDescriptorResult {
  path: (string | number)[];
  status: VerifyResultStatus;
  /** The descriptor's `digest` value (its range in the document as verified). */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  digest?: string;
  size?: number;
  actualSize?: number;
  actualDigest?: string;
  /** Where the content came from (a file path or URL). */
  where?: string;
  /** The source's name: `layout`, `data` or `registry`. */
  source?: string;
}

export interface VerifyDocumentResult {
  /** e.g. `12 verified, 1 mismatch, 2 not found`. */
  summary: string;
  counts: VerifyCounts;
  results: VerifyDescriptorResult[];
  cancelled: boolean;
  /** What was searched, in order (`layout /x`, `registry host/repo`…). */
  searched: string[];
  /** True when some content was not found and no registry was given (the client may offer to set one). */
  registryMightHelp: boolean;
  /** The document version the results belong to; null when the document is not open. */
  version: number | null;
  /** Milliseconds since the epoch. */
  at: number;
}

/**
 * Request client → server: verify an OCI image layout folder (`oci-layout`, `index.json`, every manifest reached,
 * every blob). Each file's findings are published as its diagnostics.
 */
export const VERIFY_LAYOUT_REQUEST = 'ociManifest/verifyLayout';

export interface VerifyLayoutParams {
  /** A `file:` URI of the layout folder (or a file or folder inside it), or of an image archive (`.tar`). */
  uri: string;
  /**
   * Deep verification: decompress every layer in the pass that hashes it, and check the config's
   * `rootfs.diff_ids` and the layer's tar headers (the `oci-manifest verify --deep` of the editor).
   */
  deep?: boolean;
  registry?: string;
  credentials?: VerifyCredentials;
  workDoneToken?: string | number;
}

export interface VerifyLayoutFileResult {
  /** A `file:` URI, or an `oci-blob:` URI for a document inside an image archive. */
  uri: string;
  /** Relative to the layout root: `index.json`, `blobs/sha256/…`. */
  relative: string;
  findings: number;
  results: { path: (string | number)[]; status: VerifyResultStatus; digest?: string }[];
}

export interface VerifyLayoutResult {
  /** The layout folder's `file:` URI (or the image archive's). */
  root: string;
  /** e.g. `5 verified, 0 mismatches, 0 not found; 6 blobs, 1 unreferenced, 0 misnamed`. */
  summary: string;
  counts: VerifyCounts;
  files: VerifyLayoutFileResult[];
  cancelled: boolean;
  at: number;
}

/** Request client → server: the descriptor of a file on disk (streamed hash; special files are refused). */
export const COMPUTE_DIGEST_REQUEST = 'ociManifest/computeDigest';

export interface ComputeDigestParams {
  /** A `file:` URI. */
  uri: string;
  /** `sha256` (default), `sha512` or `blake3`. */
  algorithm?: string;
}

export interface ComputeDigestResult {
  /** Guessed from the content: a JSON document's own `mediaType`, gzip/zstd/tar magic, else `application/octet-stream`. */
  mediaType: string;
  digest: string;
  size: number;
}

// ---- Blobs as read-only documents (issue 14) --------------------------------------------------------------------

/**
 * The scheme of read-only documents whose text is a blob, or a root file, read from a content source by the
 * server: the manifests, indexes and configs inside an image archive today, and documents fetched from a
 * registry next. The client serves such a URI with a TextDocumentContentProvider that asks the server for the
 * text ({@link READ_BLOB_REQUEST}); the server lints, hovers, links and cross-checks the document like a file
 * (the LSP works on any URI), and its links to other blobs of the same source are URIs of this scheme too.
 *
 * Format: `oci-blob://<source>/<piece>?<locator>`, built and read by {@link blobUri} and {@link parseBlobUri}.
 * - `<source>` (the authority) is the kind of content source: `archive` (an image archive file: an OCI layout
 *   tarball or a `docker save` tarball), `layout` (an OCI image layout folder), `registry` (a repository).
 * - `<piece>` is a blob by its digest, `/<algorithm>/<encoded>/<first 12 characters of encoded>.json` (the last
 *   segment is for the editor's tab, and ends in `.json` so that editors open the blob as JSON; it is derived
 *   from the digest, so that one blob always has one URI), or one of the source's root files, `/<name>`
 *   (`index.json`, `oci-layout`, `manifest.json`, `repositories`).
 * - `<locator>` is the whole query, percent-encoded once: a `file:` URI of the archive or the layout folder, or
 *   `host[:port]/repository` for a registry. It never holds credentials.
 *
 * Example: `oci-blob://archive/sha256/86e7da5f560b…a3/86e7da5f560b.json?file%3A%2F%2F%2Ftmp%2Fimage.tar`.
 */
export const BLOB_SCHEME = 'oci-blob';

/** The kinds of content source a {@link BLOB_SCHEME} URI can name. */
export type BlobSourceKind = 'archive' | 'layout' | 'registry';

/** What a {@link BLOB_SCHEME} URI names: a source, and a blob by digest or a root file by name. */
export interface BlobLocation {
  source: BlobSourceKind;
  /** Where the source is: a `file:` URI (archive, layout) or `host[:port]/repository` (registry). */
  locator: string;
  /** The blob's digest; absent for a root file. */
  digest?: string;
  /** The root file's name; absent for a blob. */
  root?: string;
}

const BLOB_SOURCES: readonly BlobSourceKind[] = ['archive', 'layout', 'registry'];
const BLOB_ROOT_FILES: readonly string[] = ['index.json', 'oci-layout', 'manifest.json', 'repositories'];

/** The {@link BLOB_SCHEME} URI of a blob or a root file of a source. */
export function blobUri(location: BlobLocation): string {
  const query = encodeURIComponent(location.locator);
  if (location.digest === undefined)
    return `${BLOB_SCHEME}://${location.source}/${encodeURIComponent(location.root ?? 'index.json')}?${query}`;
  const colon = location.digest.indexOf(':');
  const algorithm = location.digest.slice(0, colon);
  const encoded = location.digest.slice(colon + 1);
  const title = `${encoded.slice(0, 12)}.json`;
  return `${BLOB_SCHEME}://${location.source}/${encodeURIComponent(algorithm)}/${encodeURIComponent(encoded)}/${encodeURIComponent(title)}?${query}`;
}

/** Reads a {@link BLOB_SCHEME} URI (as either side spells it); undefined for anything else. */
export function parseBlobUri(uri: string): BlobLocation | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${BLOB_SCHEME}:`) return undefined;
  const source = url.host as BlobSourceKind;
  if (!BLOB_SOURCES.includes(source) || url.search.length < 2) return undefined;
  let locator: string;
  let parts: string[];
  try {
    locator = decodeURIComponent(url.search.slice(1));
    parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (parts.length === 1 && BLOB_ROOT_FILES.includes(parts[0]!)) return { source, locator, root: parts[0]! };
  if (parts.length === 3 && parts[0] && parts[1])
    return { source, locator, digest: `${parts[0]}:${parts[1]}` };
  return undefined;
}

/**
 * Request client → server: the text of a {@link BLOB_SCHEME} document, read from its content source (at most
 * 16 MiB, UTF-8; a binary blob such as a layer is refused with a message). The client's content provider sends
 * it when the editor opens such a URI.
 */
export const READ_BLOB_REQUEST = 'ociManifest/readBlob';

export interface ReadBlobParams {
  /** A {@link BLOB_SCHEME} URI. */
  uri: string;
}

export interface ReadBlobResult {
  /** The document's text. */
  text: string;
  /** Where it was read from, for messages (`/tmp/image.tar!blobs/sha256/ab12…`). */
  where: string;
}
