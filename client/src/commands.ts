import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../server/src/protocol';

/** What the commands act on. */
export interface CommandContext {
  showOutput(): void;
  restartServer(): Promise<void>;
}

/** Every command the extension contributes, in one table keyed by the shared ids. */
const COMMANDS: Record<keyof typeof COMMAND_IDS, (ctx: CommandContext) => unknown> = {
  showOutput: (ctx) => ctx.showOutput(),
  restartServer: (ctx) => ctx.restartServer(),
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return (Object.keys(COMMANDS) as (keyof typeof COMMAND_IDS)[]).map((key) =>
    vscode.commands.registerCommand(COMMAND_IDS[key], () => COMMANDS[key](ctx)),
  );
}
