/**
 * What the command modules share: notifications that are never waited for (a command returns while the user
 * reads), a command argument as a URI, the language server started on demand, and error texts.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Log } from './log';

/** What a command module needs from the extension. */
export interface CommandDeps {
  client(): LanguageClient | undefined;
  /** Starts the language server if it is not running yet (it otherwise starts when a manifest is opened). */
  ensureStarted?(): Promise<void>;
  log: Log;
}

/** Tells the user something without waiting for the notification to be closed. */
export const say = (message: string): void => void vscode.window.showInformationMessage(message);
export const warn = (message: string): void => void vscode.window.showWarningMessage(message);
export const fail = (message: string): void => void vscode.window.showErrorMessage(message);

/** A command's argument as a URI: a `Uri`, a URI string, or an object with a `uri`. */
export function toUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (arg && typeof arg === 'object' && 'uri' in arg) return toUri((arg as { uri: unknown }).uri);
  // An item of the OCI Layouts view: its layout (or archive).
  if (arg && typeof arg === 'object' && 'root' in arg) return toUri((arg as { root: unknown }).root);
  return undefined;
}

export const isCancellation = (err: unknown): boolean =>
  err instanceof vscode.CancellationError ||
  (typeof err === 'object' && err !== null && (err as { code?: number }).code === -32800);

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The running language client, started if need be; undefined (and said) when it cannot run. */
export async function runningClient(deps: CommandDeps): Promise<LanguageClient | undefined> {
  if (!deps.client()?.isRunning()) await deps.ensureStarted?.();
  const c = deps.client();
  if (c?.isRunning()) return c;
  say('The OCI Manifest language server is not running; see OCI: Show Output.');
  return undefined;
}

/** Values typed before (references), most recent first, kept in `memento` under `key`, at most `max`. */
export class RecentValues {
  constructor(
    private readonly memento: vscode.Memento,
    private readonly key: string,
    private readonly max: number,
  ) {}

  get values(): string[] {
    return this.memento.get<string[]>(this.key) ?? [];
  }

  remember(value: string): Thenable<void> {
    return this.memento.update(
      this.key,
      [value, ...this.values.filter((v) => v !== value)].slice(0, this.max),
    );
  }
}

/**
 * A quick pick of the recent values that also takes what is typed (offered first when it is new). Resolves to the
 * value chosen, or undefined when the pick is dismissed or nothing was typed.
 */
export function pickOrType(
  recent: RecentValues,
  options: { title: string; placeholder: string; ignoreFocusOut?: boolean },
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick();
    pick.title = options.title;
    pick.placeholder = options.placeholder;
    pick.ignoreFocusOut = options.ignoreFocusOut ?? false;
    const values = recent.values;
    const recents = values.map((label) => ({ label, description: 'recent' }));
    pick.items = recents;
    pick.onDidChangeValue((v) => {
      const typed = v.trim();
      pick.items = typed && !values.includes(typed) ? [{ label: typed }, ...recents] : recents;
    });
    let done = false;
    pick.onDidAccept(() => {
      done = true;
      const chosen = pick.selectedItems[0]?.label ?? pick.value.trim();
      pick.hide();
      resolve(chosen || undefined);
    });
    pick.onDidHide(() => {
      pick.dispose();
      if (!done) resolve(undefined);
    });
    pick.show();
  });
}
