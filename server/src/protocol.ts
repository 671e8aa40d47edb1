/**
 * The one contract shared by the client and the server: the typed settings with their defaults, and the
 * custom messages. The client imports only this file from the server side.
 */

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
}

export const DEFAULT_SETTINGS: Settings = {
  'diagnostics.delay': 150,
  'diagnostics.contentDetection': true,
  'diagnostics.maxFullCheckSize': 16 * 1024 * 1024,
  'diagnostics.severity': {},
  'trace.server': 'off',
};

/** The configuration section the server asks for. */
export const SETTINGS_SECTION = 'ociManifest';

/** Reads a raw `ociManifest` configuration object (nested or flat keys) into typed settings with defaults. */
export function readSettings(raw: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS, 'diagnostics.severity': {} };
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
      if (level === 'error' || level === 'warning' || level === 'info' || level === 'hint' || level === 'off') {
        out['diagnostics.severity'][code] = level;
      }
    }
  }
  const trace = get('trace.server');
  if (trace === 'off' || trace === 'messages' || trace === 'verbose') out['trace.server'] = trace;
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
} as const;

/** Request client → server: facts about the running server (the e2e tests use the pid to test restarts). */
export const SERVER_INFO_REQUEST = 'ociManifest/serverInfo';

export interface ServerInfo {
  pid: number;
  version: string;
}

const NAME_PATTERN = /(^|[/\\])(oci-layout|index\.json|[^/\\]+\.(manifest|index)\.json)$|[/\\]blobs[/\\][a-z0-9+._-]+[/\\][^/\\]+$/i;
const CONTENT_HINT = /"(schemaVersion|imageLayoutVersion|mediaType|manifests|layers|rootfs|diff_ids|fsLayers)"\s*:/;

/**
 * A cheap, loose pre-filter the client uses to decide whether to start the server at all: true for anything
 * that might be a manifest by name or by its first 64 KiB. The server makes the real decision.
 */
export function mightBeManifest(fileName: string, text: string): boolean {
  return NAME_PATTERN.test(fileName) || CONTENT_HINT.test(text.slice(0, 65536));
}
