/**
 * The one contract shared by the client and the server: the settings (declared once, in {@link SETTINGS}), the
 * command ids, and the custom messages, each a typed `RequestType`/`NotificationType` binding its method to its
 * params and result, which both sides pass to `sendRequest`/`onRequest` instead of a method string. The client
 * imports only this file from the server side.
 *
 * Its one import is those message-type classes: the message objects are values, so they need the classes, and
 * vscode-languageserver-protocol's platform-neutral entry is already in both bundles (the language client and server
 * are built on it), so the client bundle does not grow. Besides, it re-exports the few pure core functions whose
 * answers the client must share with the server (below). An ESLint rule allows nothing else here.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

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

/** The levels a rule's severity can be set to (`off` drops the rule). */
export const SEVERITY_LEVELS = ['error', 'warning', 'info', 'hint', 'off'] as const;
export type SeverityOverride = (typeof SEVERITY_LEVELS)[number];

/** How much of the LSP traffic the client traces. */
export const TRACE_LEVELS = ['off', 'messages', 'verbose'] as const;

/** Settings under `ociManifest.*`, typed; {@link SETTINGS} declares each one. */
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
  'trace.server': (typeof TRACE_LEVELS)[number];
  /** Show problems in the JSON files of small OCI image layouts in the workspace without opening them. */
  'layouts.workspaceDiagnostics': boolean;
  /** The repository to look in for blobs not found locally (`registry.example.com/team/app`); '' for none. */
  'verify.registry': string;
  /** Registry hosts (`host` or `host:port`) that may be reached over plain HTTP. Never from a workspace. */
  'verify.insecureRegistries': string[];
  /** Every blob must be present: a blob missing from a layout (which the spec allows) is an error. */
  'verify.requireComplete': boolean;
  /** Registries (`host[:port]`) and repositories (`host[:port]/name`) shown in the Registries view. User settings only. */
  registries: string[];
}

/**
 * One setting, declared once: package.json's `contributes.configuration` entry is generated from it (`schema`,
 * `default`, `scope`, `description`), and so is the README's settings table (`summary`); `read` is how the server
 * takes a raw value (undefined: invalid, the default applies).
 */
export interface SettingSpec<T> {
  /** The JSON Schema of the value in package.json (type, enum, items, minimum…). */
  schema: Record<string, unknown>;
  default: T;
  /**
   * Where the setting may be set (VS Code's scopes). `machine`: only in the user's own settings (and a remote
   * machine's), never in a workspace's or folder's `.vscode/settings.json`, so a cloned repository cannot change it;
   * the server also reads it only from the unscoped configuration (see {@link readSettings}).
   */
  scope: 'machine' | 'window' | 'resource';
  /** package.json's `markdownDescription`. */
  description: string;
  /** One line for the README's settings table. */
  summary: string;
  read(raw: unknown): T | undefined;
}

const isFiniteAtLeast = (min: number, raw: unknown): raw is number =>
  typeof raw === 'number' && Number.isFinite(raw) && raw >= min;
const oneOf = <T extends string>(list: readonly T[], raw: unknown): raw is T =>
  typeof raw === 'string' && (list as readonly string[]).includes(raw);

/** Every setting under `ociManifest.*` (the key without the section). */
export const SETTINGS: { [K in keyof Settings]: SettingSpec<Settings[K]> } = {
  'diagnostics.delay': {
    schema: { type: 'number', minimum: 0 },
    default: 150,
    scope: 'resource',
    description:
      'Milliseconds to wait after an edit before the manifest is validated again. `0` validates on every keystroke. A document is always validated at once when it is opened.',
    summary:
      'Milliseconds after an edit before validating again (`0`: every keystroke). Opening validates at once.',
    read: (raw) => (isFiniteAtLeast(0, raw) ? raw : undefined),
  },
  'diagnostics.contentDetection': {
    schema: { type: 'boolean' },
    default: true,
    scope: 'resource',
    description:
      'Validate any JSON document whose content is an OCI or Docker manifest, index, config, descriptor or layout file. When off, only files named `*.manifest.json`, `*.index.json`, `oci-layout`, or `index.json` next to an `oci-layout` file are validated.',
    summary: 'Serve any JSON document whose content is a manifest; off: only the file-name patterns above.',
    read: (raw) => (typeof raw === 'boolean' ? raw : undefined),
  },
  'diagnostics.maxFullCheckSize': {
    schema: { type: 'number', minimum: 1 },
    default: 16 * 1024 * 1024,
    scope: 'resource',
    description:
      'Documents larger than this many characters get only the JSON and structure checks, so that the editor stays responsive. One info diagnostic says so.',
    summary: 'Above this many characters only the basic checks run.',
    read: (raw) => (isFiniteAtLeast(0, raw) && raw > 0 ? raw : undefined),
  },
  'diagnostics.severity': {
    schema: { type: 'object', additionalProperties: { type: 'string', enum: [...SEVERITY_LEVELS] } },
    default: {},
    scope: 'resource',
    description:
      'Override the severity of rules by code, e.g. `{ "oci/annotation-key-form": "off", "oci/media-type-unknown": "hint" }`. See the [rule table](https://github.com/oci-manifest/oci-manifest/blob/main/docs/rules.md).',
    summary: 'Per-rule severity: `{ "oci/annotation-key-form": "off", "oci/media-type-unknown": "hint" }`.',
    read: (raw) =>
      typeof raw === 'object' && raw !== null && !Array.isArray(raw)
        ? Object.fromEntries(Object.entries(raw).filter(([, level]) => oneOf(SEVERITY_LEVELS, level)))
        : undefined,
  },
  'trace.server': {
    schema: { type: 'string', enum: [...TRACE_LEVELS] },
    default: 'off',
    scope: 'window',
    description:
      'Trace the communication between VS Code and the OCI Manifest language server in the **OCI Manifest** output channel.',
    summary: 'Trace LSP messages in the **OCI Manifest** output channel.',
    read: (raw) => (oneOf(TRACE_LEVELS, raw) ? raw : undefined),
  },
  'layouts.workspaceDiagnostics': {
    schema: { type: 'boolean' },
    default: true,
    scope: 'resource',
    description:
      'Show problems in the JSON files of the OCI image layouts in the workspace (folders with an `oci-layout` file: `index.json`, `oci-layout` and the manifest, index and config blobs) in the Problems panel without opening them. Only small layouts are checked: at most 200 blobs, 4 MiB per JSON file and 16 MiB of JSON per layout.',
    summary:
      'Show problems in the JSON files of small OCI image layouts in the workspace without opening them.',
    read: (raw) => (typeof raw === 'boolean' ? raw : undefined),
  },
  'verify.registry': {
    schema: { type: 'string' },
    default: '',
    scope: 'resource',
    description:
      'The repository that **OCI: Verify Digests** and **OCI: Verify Layout** look in for blobs that are not in the local OCI image layout or embedded in the descriptor, as `host[:port]/name`, e.g. `registry.example.com/team/app`. Credentials come from your Docker config (`~/.docker/config.json`) or from **OCI: Set Registry Credentials…**. When empty you are asked once per session.',
    summary:
      'The repository (`host[:port]/name`) Verify Digests and Verify Layout look in for blobs not found locally.',
    read: (raw) => (typeof raw === 'string' ? raw.trim() : undefined),
  },
  'verify.insecureRegistries': {
    schema: { type: 'array', items: { type: 'string' } },
    default: [],
    scope: 'machine',
    description:
      'Registry hosts (`host` or `host:port`) that may be reached over plain HTTP or HTTPS without certificate checks. Loopback addresses are always allowed over HTTP. Only your user (or remote machine) settings can set this, never a workspace: a cloned repository must not turn off these checks.',
    summary:
      'Registry hosts reached over plain HTTP. User or machine settings only: a workspace cannot set it.',
    read: (raw) =>
      Array.isArray(raw)
        ? raw.filter((h): h is string => typeof h === 'string' && h.trim() !== '')
        : undefined,
  },
  'verify.requireComplete': {
    schema: { type: 'boolean' },
    default: false,
    scope: 'resource',
    description:
      "Make **OCI: Verify Layout** and **OCI: Verify Digests** treat every missing blob as an error. By default a blob missing from an OCI image layout is a warning (the image layout spec lets a layout lack blobs that a registry provides, e.g. after pulling one platform of a multi-platform image) and a referrer's subject kept elsewhere is information; turn this on when the layout must be self-contained. The CLI's `oci-manifest verify --require-complete` does the same.",
    summary:
      'Every missing blob is an error, also where a layout may lack it (a self-contained layout is wanted).',
    read: (raw) => (typeof raw === 'boolean' ? raw : undefined),
  },
  registries: {
    schema: { type: 'array', items: { type: 'string' } },
    default: [],
    scope: 'machine',
    description:
      'Registries (`host[:port]`, e.g. `registry.example.com` or `localhost:5000`) and repositories (`host[:port]/name`) shown in the **Registries** view. A hover on a tag-pinned reference (`host/repo:tag`) in a document asks which digest the tag names now only for these hosts, loopback hosts and `ociManifest.verify.insecureRegistries`: no other string in a document makes the editor reach the network. Only your user (or remote machine) settings can set this, never a workspace.',
    summary:
      'Registries (`host[:port]`) and repositories (`host[:port]/name`) in the Registries view; tag hovers reach only these (and loopback).',
    read: (raw) =>
      Array.isArray(raw)
        ? raw.filter((h): h is string => typeof h === 'string' && h.trim() !== '').map((h) => h.trim())
        : undefined,
  },
};

/** The settings' keys, in the table's order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as (keyof Settings)[];

/** A fresh copy of a default (objects and arrays are not shared between settings objects). */
const copy = <T>(value: T): T =>
  (Array.isArray(value)
    ? [...value]
    : typeof value === 'object' && value !== null
      ? { ...value }
      : value) as T;

/** The configuration section the server asks for. */
export const SETTINGS_SECTION = 'ociManifest';

/**
 * Reads a raw `ociManifest` configuration object (nested or flat keys) into typed settings with defaults. Settings
 * scoped `machine` are taken from `userLevel` when it is given: the configuration asked for without a document
 * (`workspace/configuration` without `scopeUri`), which a workspace folder's settings do not reach.
 */
export function readSettings(raw: unknown, userLevel: unknown = raw): Settings {
  const out = {} as Record<keyof Settings, unknown>;
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key] as SettingSpec<unknown>;
    const value = spec.read(lookup(spec.scope === 'machine' ? userLevel : raw, key));
    out[key] = value === undefined ? copy(spec.default) : value;
  }
  return out as Settings;
}

/** `raw[dotted]` (a flat key) or `raw.a.b` (nested). */
function lookup(raw: unknown, dotted: string): unknown {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const flat = (raw as Record<string, unknown>)[dotted];
  if (flat !== undefined) return flat;
  let cur: unknown = raw;
  for (const part of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
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
export const DocumentKindNotification = new NotificationType<DocumentKindParams>('ociManifest/documentKind');

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
  convertToOci: 'ociManifest.convertToOci',
  convertToDocker: 'ociManifest.convertToDocker',
  compareWith: 'ociManifest.compareWith',
  createIndex: 'ociManifest.createIndex',
  promoteLabels: 'ociManifest.promoteLabels',
  openFromRegistry: 'ociManifest.openFromRegistry',
  refreshRegistries: 'ociManifest.refreshRegistries',
  addRegistryRepository: 'ociManifest.addRegistryRepository',
  openRegistryItem: 'ociManifest.openRegistryItem',
  verifyRegistryItem: 'ociManifest.verifyRegistryItem',
  copyRegistryDigest: 'ociManifest.copyRegistryDigest',
  copyRegistryReference: 'ociManifest.copyRegistryReference',
  pushManifest: 'ociManifest.pushManifest',
} as const;

/** Request client → server: facts about the running server (the e2e tests use the pid to test restarts). */
export const ServerInfoRequest = new RequestType0<ServerInfo, void>('ociManifest/serverInfo');

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
export const LayoutGraphRequest = new RequestType<LayoutGraphParams, LayoutGraphResult, void>(
  'ociManifest/layoutGraph',
);

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
 * as `paths` of {@link VerifyDocumentRequest} to verify just that descriptor.
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
  /**
   * Looked up without being read (a registry `HEAD`, when only presence is checked: `oci-manifest audit`
   * without `--deep`): the source has it, with `size` bytes. Its digest was not computed.
   */
  | 'present'
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
  present: number;
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
export const VerifyDocumentRequest = new RequestType<VerifyDocumentParams, VerifyDocumentResult, void>(
  'ociManifest/verifyDocument',
);

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
export const VerifyLayoutRequest = new RequestType<VerifyLayoutParams, VerifyLayoutResult, void>(
  'ociManifest/verifyLayout',
);

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
export const ComputeDigestRequest = new RequestType<ComputeDigestParams, ComputeDigestResult, void>(
  'ociManifest/computeDigest',
);

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
 * text ({@link ReadBlobRequest}); the server lints, hovers, links and cross-checks the document like a file
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
export const ReadBlobRequest = new RequestType<ReadBlobParams, ReadBlobResult, void>('ociManifest/readBlob');

export interface ReadBlobParams {
  /** A {@link BLOB_SCHEME} URI. */
  uri: string;
  /** For a `registry` URI: credentials for its host (else the server's, or the Docker config's). Never logged. */
  credentials?: VerifyCredentials;
}

export interface ReadBlobResult {
  /** The document's text. */
  text: string;
  /** Where it was read from, for messages (`/tmp/image.tar!blobs/sha256/ab12…`). */
  where: string;
}

// ---- Authoring: convert, compare, build an index, promote labels (issue 16) ----------------------------------------

/**
 * An input of the authoring requests: a `file:` URI (the editor's text when the document is open, else the file),
 * or what the CLI takes: `oci:DIR[:TAG]`, `oci:DIR@DIGEST`, `oci-archive:FILE[:TAG]`. A document's config and
 * manifests are read from the OCI layout (or archive) it belongs to.
 */
export type AuthoringInput = string;

/** The image formats a document converts between. */
export type ImageFormatName = 'oci' | 'docker';

/**
 * Request client → server: convert a document to OCI or Docker schema 2 (minimal edits: only media types change,
 * and a list's entries name their converted manifests). Nothing is written: the client opens the result.
 */
export const ConvertDocumentRequest = new RequestType<ConvertDocumentParams, ConvertDocumentResult, void>(
  'ociManifest/convertDocument',
);

export interface ConvertDocumentParams {
  input: AuthoringInput;
  to: ImageFormatName;
}

/** A manifest converted with the list naming it: a new blob that must be stored with the list. */
export interface ConvertedBlobInfo {
  mediaType: string;
  digest: string;
  size: number;
  text: string;
}

export interface ConvertDocumentResult {
  /** The converted text (absent when refused). */
  text?: string;
  /** Its digest and size in bytes (absent when refused). */
  digest?: string;
  size?: number;
  /** One line per media type changed: `config.mediaType: application/vnd.docker… → application/vnd.oci…`. */
  changes: string[];
  /** Non-empty: nothing was converted; one sentence per thing the other format cannot hold. */
  refusals: string[];
  notes: string[];
  /** The manifests of a list, converted with it. */
  blobs: ConvertedBlobInfo[];
  /** The `file:` URI of the OCI layout the document belongs to, where `blobs` can be written. */
  layout?: string;
}

/** Request client → server: what changed between two documents, semantically (aligned by platform and role). */
export const CompareRequest = new RequestType<CompareParams, CompareResult, void>('ociManifest/compare');

export interface CompareParams {
  a: AuthoringInput;
  b: AuthoringInput;
}

export interface CompareResult {
  /** `identical`, `same-content` (whitespace, key order), `media-types-only` (e.g. Docker vs OCI) or `different`. */
  verdict: 'identical' | 'same-content' | 'media-types-only' | 'different';
  /** True for identical and same-content (the CLI's exit 0). */
  same: boolean;
  /** One sentence. */
  summary: string;
  /** One line per change. */
  changes: string[];
  notes: string[];
  a: { label: string; digest: string; size: number; kind?: string };
  b: { label: string; digest: string; size: number; kind?: string };
  /** The whole report as Markdown (every quoted value escaped), for a preview. */
  markdown: string;
}

/** Request client → server: a new image index listing the inputs (platforms read from their configs). */
export const CreateIndexRequest = new RequestType<CreateIndexParams, CreateIndexResult, void>(
  'ociManifest/createIndex',
);

export interface CreateIndexParams {
  inputs: AuthoringInput[];
  /** The index's own annotations. */
  annotations?: Record<string, string>;
  /** A Docker manifest list instead of an OCI image index. */
  docker?: boolean;
}

export interface CreateIndexResult {
  /** The new index (absent when refused). */
  text?: string;
  digest?: string;
  size?: number;
  /** One line per entry: `linux/arm64 sha256:…`. */
  entries: string[];
  /** Non-empty: nothing was built. */
  problems: string[];
  notes: string[];
  /** The error- and warning-level findings of the result, one line each (`oci/code: message`). */
  findings: string[];
}

/**
 * Request client → server: the edits that add a manifest's (or, for an index, its images') OCI config labels to
 * its annotations, for the document as open in the editor. The client applies them.
 */
export const PromoteLabelsRequest = new RequestType<PromoteLabelsParams, PromoteLabelsResult, void>(
  'ociManifest/promoteLabels',
);

export interface PromoteLabelsParams {
  /** An open document's URI. */
  uri: string;
}

export interface PromoteLabelsResult {
  /** The document version the edits apply to. */
  version: number | null;
  edits: {
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    newText: string;
  }[];
  /** The annotations added, as `key=value`. */
  promoted: string[];
  /** Labels left out, with why. */
  skipped: string[];
  /** Non-empty: nothing to do and why. */
  problems: string[];
  /** The digest and size of the document once the edits are applied. */
  digest: string;
  size: number;
}

// ---- Registries in the editor (issue 15) ---------------------------------------------------------------------------

/**
 * A manifest or index of a repository by digest, as the Registries view and Open Manifest from Registry list it:
 * an index's entries (with their platform), or the referrers of a manifest.
 */
export interface RegistryEntry {
  digest: string;
  mediaType?: string;
  size?: number;
  /** `linux/arm64/v8` for an index entry with a platform. */
  platform?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** `host[:port]/repository@digest`. */
  reference: string;
  /** The {@link BLOB_SCHEME} URI of the document (`oci-blob://registry/…`). */
  uri: string;
}

/**
 * Request client → server: resolve a reference (`host[:port]/repo[:tag][@digest]`, `docker://` optional) to the
 * manifest the registry serves, with its exact bytes checked against `Docker-Content-Digest` and the `@digest`
 * asked for. The document is then opened by its {@link BLOB_SCHEME} URI, which names it by digest (one URI per
 * blob); its text comes from {@link ReadBlobRequest}. Fails (a `ResponseError` with a sentence) when the reference
 * is invalid, the registry cannot be reached or has no such manifest.
 */
export const OpenReferenceRequest = new RequestType<OpenReferenceParams, OpenReferenceResult, void>(
  'ociManifest/openReference',
);

export interface OpenReferenceParams {
  reference: string;
  /** Credentials for the reference's host (SecretStorage); else the server's, or the Docker config's. */
  credentials?: VerifyCredentials;
}

export interface OpenReferenceResult {
  /** The reference in its canonical spelling (`host/repo:tag`, `host/repo@digest`). */
  reference: string;
  /** `host[:port]/repository`: the locator of the document's URI. */
  repository: string;
  /** The digest the document is named by: the one asked for, else the digest of the bytes served. */
  digest: string;
  mediaType?: string;
  size: number;
  /** `index` (an image index or manifest list), `manifest`, or `other`. */
  kind: 'index' | 'manifest' | 'other';
  /** The document's {@link BLOB_SCHEME} URI. */
  uri: string;
  /** For an index: its entries, with their platforms. */
  entries: RegistryEntry[];
  /** Set when the bytes were not the ones asked for or announced (the document shows the error too). */
  mismatch?: string;
}

/** Request client → server: the repositories of a registry (`/v2/_catalog`), where the registry allows it. */
export const RegistryCatalogRequest = new RequestType<RegistryCatalogParams, RegistryCatalogResult, void>(
  'ociManifest/registryCatalog',
);

export interface RegistryCatalogParams {
  /** `host[:port]`. */
  registry: string;
  credentials?: VerifyCredentials;
}

export interface RegistryCatalogResult {
  /** False when the registry has no catalog or refuses it (the user types repository names instead). */
  available: boolean;
  repositories: string[];
  truncated: boolean;
  /** Why the catalog is not available, as a sentence. */
  reason?: string;
}

/** Request client → server: the tags of a repository (`/v2/<name>/tags/list`). */
export const RegistryTagsRequest = new RequestType<RegistryTagsParams, RegistryTagsResult, void>(
  'ociManifest/registryTags',
);

export interface RegistryTagsParams {
  /** `host[:port]/repository`. */
  repository: string;
  credentials?: VerifyCredentials;
}

export interface RegistryTagsResult {
  /** False when the registry does not know the repository (404). */
  found: boolean;
  tags: string[];
  truncated: boolean;
}

/**
 * Request client → server: the referrers of a manifest: the referrers API, or the fallback tag
 * `<alg>-<encoded>` when the registry has none (distribution-spec).
 */
export const RegistryReferrersRequest = new RequestType<
  RegistryReferrersParams,
  RegistryReferrersResult,
  void
>('ociManifest/registryReferrers');

export interface RegistryReferrersParams {
  /** `host[:port]/repository`. */
  repository: string;
  digest: string;
  credentials?: VerifyCredentials;
}

export interface RegistryReferrersResult {
  referrers: RegistryEntry[];
  /** `api`: the referrers API answered; `tag`: the fallback tag was read. */
  via: 'api' | 'tag';
  tag?: string;
  warnings: string[];
}

// ---- Push (issue 16) ---------------------------------------------------------------------------------------------

/**
 * Request client → server: push a manifest or index to a registry (*Push Manifest to Registry…*), or, with
 * `dryRun`, only check it: the digest, the findings and what the target repository holds (nothing is written).
 * A `file:` document is pushed as its bytes on disk (the client saves it first); any other open document as its
 * text in UTF-8. The checks and the push are the CLI's (`oci-manifest push`). Cancellable.
 */
export const PushManifestRequest = new RequestType<PushManifestParams, PushManifestResult, void>(
  'ociManifest/pushManifest',
);

export interface PushManifestParams {
  uri: string;
  /** `HOST[:PORT]/REPO[:TAG][@DIGEST]` (docker:// optional). Without a tag (and no `tags`) it is pushed by digest. */
  reference: string;
  /** More tags (the reference's own comes first). */
  tags?: string[];
  /** Push despite error-level findings. */
  force?: boolean;
  /** Repositories of the same registry to mount missing blobs from. */
  mountFrom?: string[];
  /** Check only; nothing is written. */
  dryRun?: boolean;
  /** Credentials for the registry's host (the client's SecretStorage); else the user's Docker config. Never logged. */
  credentials?: VerifyCredentials;
}

export interface PushManifestResult {
  /** The digest of the bytes pushed (or that would be). */
  digest: string;
  size: number;
  /** The `Content-Type` sent: the document's `mediaType`. */
  mediaType: string;
  /** The repository, as `host/repository`. */
  repository: string;
  /** The tags set (or that would be). */
  tags: string[];
  /** True once the registry stored it. */
  pushed: boolean;
  /** One sentence on the checks: findings, and what the repository holds. */
  checks: string;
  /** How many error-level findings the document has. */
  errors: number;
  /** The error- and warning-level findings, one line each (`line:col code: message`). */
  findings: string[];
  /** Why it was (or would be) refused; empty when it was pushed (or would be). */
  refusals: string[];
  /** True when only error-level findings stop it: pushing with `force` would go on. */
  forceWouldHelp: boolean;
  /**
   * What the repository lacks: a blob or (for an index) a manifest, with the repository among `mountFrom` that holds
   * it (it is mounted from there when the push goes on).
   */
  missing: { path: string; digest: string; manifest: boolean; mountableFrom?: string }[];
  /** What was done, one sentence each (the tags and how, the referrers list). */
  result: string[];
}
