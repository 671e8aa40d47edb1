import type { Connection } from 'vscode-languageserver';
import { readSettings, SETTINGS_SECTION, type Settings } from '../protocol';
import { formatError } from './runner';

/** The `ociManifest` section of a settings object that may or may not be wrapped in it. */
export function sectionOf(raw: unknown): unknown {
  if (typeof raw === 'object' && raw !== null && SETTINGS_SECTION in raw)
    return (raw as Record<string, unknown>)[SETTINGS_SECTION];
  return raw;
}

/**
 * Settings per document (the client may scope them to a folder), fetched with `workspace/configuration`
 * when the client supports it, else the global fallback (initialization options or the last
 * `didChangeConfiguration` payload). `reset()` drops everything; `epoch` counts resets, so a cached
 * analysis made under older settings can be recognised.
 */
export class SettingsCache {
  private readonly resolved = new Map<string, Settings>();
  private readonly pending = new Map<string, Promise<Settings>>();
  private resets = 0;
  /** Used when the client cannot answer `workspace/configuration`. */
  fallback: Settings = readSettings(undefined);
  /** True when the client answers `workspace/configuration` (set from its capabilities in `initialize`). */
  useConfigurationRequest = false;

  constructor(private readonly connection: Connection) {}

  get epoch(): number {
    return this.resets;
  }

  /** The settings for `uri` when already known (synchronously), else undefined. */
  peek(uri: string): Settings | undefined {
    return this.useConfigurationRequest ? this.resolved.get(uri) : this.fallback;
  }

  /** The settings for `uri`, current at the moment the promise resolves. Never rejects. */
  get(uri: string): Promise<Settings> {
    const known = this.peek(uri);
    if (known) return Promise.resolve(known);
    const pending = this.pending.get(uri);
    if (pending) return pending;
    const p: Promise<Settings> = this.fetch(uri).finally(() => {
      if (this.pending.get(uri) === p) this.pending.delete(uri);
    });
    this.pending.set(uri, p);
    return p;
  }

  forget(uri: string): void {
    this.resolved.delete(uri);
  }

  reset(): void {
    this.resets++;
    this.resolved.clear();
    this.pending.clear();
  }

  private async fetch(uri: string): Promise<Settings> {
    // A reset while the request was in flight makes its answer stale: ask again.
    for (let attempt = 0; ; attempt++) {
      const epoch = this.resets;
      let settings: Settings;
      try {
        // The document's settings, and the unscoped ones: settings that a workspace must not set (scope
        // `machine`, e.g. the insecure registries) are read only from the latter (see readSettings).
        const [scoped, userLevel]: unknown[] = await this.connection.workspace.getConfiguration([
          { scopeUri: uri, section: SETTINGS_SECTION },
          { section: SETTINGS_SECTION },
        ]);
        settings = readSettings(scoped, userLevel);
      } catch (err) {
        this.connection.console.error(
          formatError('oci-manifest: reading the ociManifest settings failed; using the defaults', err),
        );
        settings = this.fallback;
      }
      if (epoch === this.resets || attempt >= 3) {
        if (epoch === this.resets) this.resolved.set(uri, settings);
        return settings;
      }
    }
  }
}
