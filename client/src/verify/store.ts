import * as vscode from 'vscode';

/** How the last verification judged one descriptor. */
export type VerifyStatus = 'verified' | 'mismatch' | 'missing';

/** One descriptor's result as the client keeps it. */
export interface StoredResult {
  digest: string;
  status: VerifyStatus;
  /** The document (or layout folder) the result came from. */
  uri: string;
  /** Where the content was found ("layout /path", "registry host/repo", "embedded data"). */
  source?: string;
  at: number;
}

/**
 * The results of the last verifications, by digest (the client side; the server keeps the diagnostics).
 * Other views (the layouts view) read `statusOf` and listen to `onDidChange` for status icons.
 */
export class VerifyStore implements vscode.Disposable {
  private readonly byDigest = new Map<string, StoredResult>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange: vscode.Event<void> = this.emitter.event;

  statusOf(digest: string): VerifyStatus | undefined {
    return this.byDigest.get(digest)?.status;
  }

  get(digest: string): StoredResult | undefined {
    return this.byDigest.get(digest);
  }

  /** Records a batch of results; a later result for the same digest replaces the earlier one. */
  record(results: readonly StoredResult[]): void {
    if (results.length === 0) return;
    for (const r of results) {
      // A mismatch for a digest outranks a "verified" from the same batch (two descriptors naming one digest).
      const prev = this.byDigest.get(r.digest);
      if (prev && prev.at === r.at && prev.status === 'mismatch') continue;
      this.byDigest.set(r.digest, r);
    }
    this.emitter.fire();
  }

  clear(): void {
    this.byDigest.clear();
    this.emitter.fire();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** The one store of the extension (created on first use; disposed with the extension's subscriptions). */
export const verifyStore = new VerifyStore();

/** Status of a digest in the last verification results, or undefined when it was not verified. */
export function statusOf(digest: string): VerifyStatus | undefined {
  return verifyStore.statusOf(digest);
}

/** Fires when the verification results change. */
export const onDidChange: vscode.Event<void> = verifyStore.onDidChange;
