import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../server/src/protocol';

export type CommandKey = keyof typeof COMMAND_IDS;

/**
 * Registers the handler of one contributed command by its key in COMMAND_IDS (the shared table that
 * package.json must match; a unit test checks it and the e2e suite runs every command). Feature modules
 * (verification, the layouts view) register their own commands through this.
 */
export function registerCommand(
  key: CommandKey,
  handler: (...args: unknown[]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(COMMAND_IDS[key], handler);
}

/** What the core commands act on. */
export interface CommandContext {
  showOutput(): void;
  restartServer(): Promise<void>;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    registerCommand('showOutput', () => ctx.showOutput()),
    registerCommand('restartServer', () => ctx.restartServer()),
  ];
}
