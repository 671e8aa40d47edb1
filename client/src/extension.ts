import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  DocumentKindNotification,
  mightBeManifest,
  SETTINGS_SECTION,
  type DocumentKindParams,
  type InitializationOptions,
} from '../../server/src/protocol';
import { registerAuthoring } from './authoring';
import { registerCommands } from './commands';
import { registerPush } from './push';
import { Log } from './log';
import { KindStatus } from './statusBar';
import { registerBlobDocuments } from './views/blobDocuments';
import { registerLayoutsView, type LayoutsViewApi } from './views/layouts';
import { registerVerify, storedCredentials } from './verify';
import { registerRegistries, type RegistriesViewApi } from './views/registries';

/** What the extension exposes to other extensions and to its own e2e tests. */
export interface ExtensionApi {
  client(): LanguageClient | undefined;
  /** True once a document that may be a manifest was opened and the server started. */
  serverStarted(): boolean;
  kindOf(uri: vscode.Uri): DocumentKindParams | undefined;
  statusText(): string | undefined;
  /** The OCI Layouts view's tree (the e2e tests assert its items). */
  layoutsView(): LayoutsViewApi;
  /** The Registries view's tree. */
  registriesView(): RegistriesViewApi;
}

let client: LanguageClient | undefined;

/** Restarts allowed within {@link RESTART_WINDOW_MS} before the client gives up (the library's default policy). */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

/**
 * Decides what happens when the connection fails. A write to a server that just died fails (EPIPE) before the
 * client sees the connection close; the library's default handler counts such errors and, after three, shuts the
 * client down for good, so a server killed while messages were in flight (a busy machine) was never restarted.
 * Here an error never shuts the client down: the close that follows decides, and it restarts the server unless
 * it crashed {@link MAX_RESTARTS} times within {@link RESTART_WINDOW_MS}.
 */
export function restartingErrorHandler(log: Log, now: () => number = Date.now): ErrorHandler {
  const restarts: number[] = [];
  return {
    error: () => ({ action: ErrorAction.Continue, handled: true }),
    closed: () => {
      const t = now();
      while (restarts.length && t - restarts[0]! > RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length >= MAX_RESTARTS) {
        const message = `The OCI Manifest language server stopped ${MAX_RESTARTS + 1} times in the last ${RESTART_WINDOW_MS / 60000} minutes and will not be restarted; run "OCI: Restart Server" to try again.`;
        log.error(message);
        return { action: CloseAction.DoNotRestart, message };
      }
      restarts.push(t);
      log.info('The OCI Manifest language server stopped; restarting it.');
      return { action: CloseAction.Restart, handled: true };
    },
  };
}

/** Documents the server looks at: JSON, and extensionless blobs inside OCI layouts. The server decides what to serve. */
export const DOCUMENT_SELECTOR = [
  { language: 'json' },
  { language: 'jsonc' },
  { scheme: 'file', pattern: '**/blobs/*/*' },
];

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi> {
  const log = new Log();
  const status = new KindStatus();
  context.subscriptions.push(log, status);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  const initializationOptions: InitializationOptions = { hostReportsJsonSyntax: true };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: log.channel,
    initializationOptions,
    synchronize: { configurationSection: SETTINGS_SECTION },
    errorHandler: restartingErrorHandler(log),
  };

  const start = async (): Promise<void> => {
    client = new LanguageClient('ociManifest', 'OCI Manifest', serverOptions, clientOptions);
    client.onNotification(DocumentKindNotification, (p) => status.update(p));
    await client.start();
    log.info('The OCI Manifest language server is running.');
  };

  context.subscriptions.push(
    ...registerCommands({
      showOutput: () => log.channel.show(),
      restartServer: async () => {
        log.info('Restarting the language server.');
        try {
          if (client) await client.stop();
        } catch (err) {
          log.error('Stopping the language server failed', err);
        }
        await start();
      },
    }),
    { dispose: () => void client?.stop() },
  );

  // Start the server only when a document that may be a manifest is open: an unrelated JSON file costs nothing.
  let starting: Promise<void> | undefined;
  const ensureStarted = (): Promise<void> =>
    (starting ??= start().catch((err) => log.error('The OCI Manifest language server failed to start', err)));
  const consider = (doc: vscode.TextDocument): void => {
    if (starting || !vscode.languages.match(DOCUMENT_SELECTOR, doc)) return;
    if (!mightBeManifest(doc.uri.path, doc.getText())) return;
    void ensureStarted();
  };
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(consider),
    vscode.workspace.onDidChangeTextDocument((e) => consider(e.document)),
  );
  vscode.workspace.textDocuments.forEach(consider);
  context.subscriptions.push(
    registerBlobDocuments({
      client: () => client,
      ensureStarted,
      credentials: (locator) => storedCredentials(context.secrets, locator),
    }),
  );
  const layouts = registerLayoutsView(context, { client: () => client, ensureStarted, log });
  registerVerify(context, { client: () => client, ensureStarted, log });
  registerAuthoring(context, { client: () => client, ensureStarted, log });
  const registries = registerRegistries(context, { client: () => client, ensureStarted, log });
  registerPush(context, { client: () => client, ensureStarted, log });

  return {
    client: () => client,
    serverStarted: () => client !== undefined,
    kindOf: (uri) => status.kindOf(uri.toString()),
    statusText: () => status.text,
    layoutsView: () => layouts,
    registriesView: () => registries,
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
