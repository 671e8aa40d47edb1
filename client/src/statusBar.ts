import * as vscode from 'vscode';
import { COMMAND_IDS, type DocumentKindParams } from '../../server/src/protocol';

const SOURCE_TEXT: Record<string, string> = {
  mediaType: 'its top-level mediaType',
  shape: 'its fields',
  fileName: 'its file name',
  forced: 'a setting',
};

/** Shows the detected kind of the active document in the status bar. */
export class KindStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'ociManifest.kind',
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly kinds = new Map<string, DocumentKindParams>();
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.item.name = 'OCI Manifest: document kind';
    this.item.command = COMMAND_IDS.showOutput;
    this.subscription = vscode.window.onDidChangeActiveTextEditor(() => this.refresh());
  }

  update(params: DocumentKindParams): void {
    if (params.kind) this.kinds.set(params.uri, params);
    else this.kinds.delete(params.uri);
    this.refresh();
  }

  /** The kind shown for a document, if any (the e2e tests read it). */
  kindOf(uri: string): DocumentKindParams | undefined {
    return this.kinds.get(uri);
  }

  get text(): string | undefined {
    return this.item.text || undefined;
  }

  private refresh(): void {
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    const k = uri ? this.kinds.get(uri) : undefined;
    if (!k?.label) {
      this.item.hide();
      this.item.text = '';
      return;
    }
    this.item.text = `$(package) ${k.label}`;
    this.item.tooltip = `oci-manifest reads this document as ${k.label}, judging by ${SOURCE_TEXT[k.source ?? ''] ?? 'its content'}.`;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
