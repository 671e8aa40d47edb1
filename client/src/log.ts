import * as vscode from 'vscode';

/** The one output channel, "OCI Manifest"; errors reveal it. */
export class Log {
  readonly channel: vscode.LogOutputChannel;
  constructor() {
    this.channel = vscode.window.createOutputChannel('OCI Manifest', { log: true });
  }
  info(message: string): void {
    this.channel.info(message);
  }
  error(message: string, err?: unknown): void {
    this.channel.error(
      err === undefined
        ? message
        : `${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
