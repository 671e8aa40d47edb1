/**
 * THE diagnostics publisher: every `textDocument/publishDiagnostics` the server sends goes through here, for
 * open documents and for files on disk alike, so the two never step on each other.
 * - Open documents: in the push model the server publishes each validated version (`document`); in the pull
 *   model the client asks and nothing is pushed for them.
 * - Files on disk that are not open: features report what they found per owner (`file`: workspace
 *   diagnostics of a layout, the findings of *Verify Layout*); the owners' lists are merged (the same
 *   diagnostic from two owners shows once) and pushed.
 * - Handing over: when a file opens, the document's own diagnostics replace the disk ones (pushed ones are
 *   cleared in the pull model, where the client keeps pulled and pushed diagnostics apart); when it closes,
 *   what the disk says comes back.
 */
import type { Connection, Diagnostic } from 'vscode-languageserver';
import { uriKey } from './convert';

/** What was last pushed for a URI with a non-empty list: the open document's diagnostics, or the disk's. */
type Shown = 'document' | 'disk';

export class DiagnosticsPublisher {
  /** Per file (uriKey): per owner, the file's diagnostics on disk. */
  private readonly disk = new Map<string, { uri: string; owners: Map<string, Diagnostic[]> }>();
  private readonly shown = new Map<string, Shown>();
  private readonly open = new Set<string>();

  constructor(
    private readonly connection: Connection,
    /** True when the client pulls the diagnostics of open documents. */
    private readonly pullModel: () => boolean,
  ) {}

  private send(uri: string, diagnostics: Diagnostic[], version?: number): void {
    void this.connection
      .sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics })
      .catch(() => undefined);
  }

  /** Push model: the diagnostics of an open document's version (an empty list is sent only to clear one). */
  document(uri: string, version: number, diagnostics: Diagnostic[]): void {
    const key = uriKey(uri);
    if (diagnostics.length === 0 && !this.shown.has(key)) return;
    this.send(uri, diagnostics, version);
    if (diagnostics.length) this.shown.set(key, 'document');
    else this.shown.delete(key);
  }

  /** A document was opened: its own diagnostics take over from the disk's. */
  opened(uri: string): void {
    const key = uriKey(uri);
    this.open.add(key);
    // Pushed: the document's first publish replaces the disk's list (even with an empty one, since it is shown).
    // Pulled: the pushed list would show beside the pulled one, so it goes now.
    if (this.pullModel() && this.shown.get(key) === 'disk') {
      this.send(uri, []);
      this.shown.delete(key);
    }
  }

  /** A document was closed: what the disk says shows again (or nothing). */
  closed(uri: string): void {
    const key = uriKey(uri);
    this.open.delete(key);
    const merged = this.merged(key);
    if (merged.length) {
      this.send(this.disk.get(key)?.uri ?? uri, merged);
      this.shown.set(key, 'disk');
    } else if (this.shown.has(key)) {
      this.send(uri, []);
      this.shown.delete(key);
    }
  }

  /** Sets (or, with undefined or an empty list, clears) what `owner` found in the file `uri` on disk. */
  file(owner: string, uri: string, diagnostics: Diagnostic[] | undefined): void {
    const key = uriKey(uri);
    let entry = this.disk.get(key);
    if (diagnostics?.length) {
      if (!entry) this.disk.set(key, (entry = { uri, owners: new Map() }));
      if (entry.owners.get(owner) === diagnostics) return;
      entry.owners.set(owner, diagnostics);
    } else {
      if (!entry?.owners.delete(owner)) return;
      if (entry.owners.size === 0) this.disk.delete(key);
    }
    if (!this.open.has(key)) this.flush(key, uri);
  }

  /** Clears every file of `owner` whose key is not in `keep`. */
  retainFiles(owner: string, keep: ReadonlySet<string>): void {
    for (const [key, entry] of [...this.disk]) {
      if (keep.has(key) || !entry.owners.has(owner)) continue;
      this.file(owner, entry.uri, undefined);
    }
  }

  /** The owners' diagnostics for a file, each distinct diagnostic once. */
  private merged(key: string): Diagnostic[] {
    const entry = this.disk.get(key);
    if (!entry) return [];
    if (entry.owners.size === 1) return entry.owners.values().next().value!;
    const seen = new Set<string>();
    const out: Diagnostic[] = [];
    for (const list of entry.owners.values()) {
      for (const d of list) {
        const id = `${String(d.code)}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${d.message}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(d);
      }
    }
    return out;
  }

  private flush(key: string, uri: string): void {
    const merged = this.merged(key);
    if (merged.length) {
      this.send(uri, merged);
      this.shown.set(key, 'disk');
    } else if (this.shown.get(key) === 'disk') {
      this.send(uri, []);
      this.shown.delete(key);
    }
  }
}
