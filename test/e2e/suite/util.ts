// Helpers shared by the end-to-end suites (bundled into each suite file by esbuild).
import * as vscode from 'vscode';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A file in the e2e workspace (test/e2e/workspace). */
export const uri = (name: string) => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, name);

/** A diagnostic's code whether or not it carries a documentation link. */
export const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);

/** The diagnostics oci-manifest published for a document. */
export const ours = (u: vscode.Uri) =>
  vscode.languages.getDiagnostics(u).filter((d) => d.source === 'oci-manifest');

/** Polls `probe` every 100 ms until it returns a truthy value, failing with `what` after `ms`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}.`);
    await sleep(100);
  }
}
