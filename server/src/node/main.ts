/**
 * The node entry of the language server. `node dist/server.js --stdio` serves any LSP editor; the VS Code
 * client starts it with `--node-ipc`. Everything else lives in `startServer`.
 */
import {
  createConnection,
  LogMessageNotification,
  MessageType,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  type Connection,
} from 'vscode-languageserver/node';
import { showControls } from '../core/controls';
import { formatError } from '../lsp/runner';
import { startServer } from '../lsp/server';
import { createLayoutAccess } from './layoutGraph';
import { createAuthoringAccess } from './content/inputs';
import { createVerifyAccess } from './verifyAccess';
import { createRegistryAccess } from './registryDocuments';
import { createPushAccess } from './registry/push';

let shutdownRequested = false;
let connection: Connection;
if (process.argv.slice(2).includes('--stdio')) {
  // Our own reader, to hear about a corrupt stream: after a frame whose Content-Length lies (not a number, or
  // cutting a message), vscode-jsonrpc reports an error and then can only misread what follows, so the server
  // would serve nothing while looking alive. It says so and exits with 1; the client then restarts it.
  const reader = new StreamMessageReader(process.stdin);
  connection = createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
  reader.onError((err) => exitOnCorruptStream(err));
  // createConnection exits when stdin ends only for the streams it opens itself.
  const ended = (): never => process.exit(shutdownRequested ? 0 : 1);
  process.stdin.once('end', ended);
  process.stdin.once('close', ended);
} else {
  // createConnection reads the transport from the command line (--node-ipc, --socket=N, --pipe=NAME).
  connection = createConnection(ProposedFeatures.all);
}
connection.onShutdown(() => {
  shutdownRequested = true;
});

let exiting = false;
function exitOnCorruptStream(err: Error): void {
  if (exiting) return;
  exiting = true;
  const why = showControls(err.message.split('\n')[0] ?? '');
  const message = `oci-manifest: the message stream from the client is corrupt (${why}); exiting so that the client restarts the server.`;
  process.stderr.write(`${message}\n`);
  const exit = (): never => process.exit(1);
  // The writer still works: tell the client in its log too, then go (at most a second later).
  setTimeout(exit, 1000);
  connection
    .sendNotification(LogMessageNotification.type, { type: MessageType.Error, message })
    .then(exit, exit);
}

// With --stdio, stdout is the protocol stream: stray console output must go to the client's log instead.
console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
console.info = console.log;
console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));

// One bad document or a bug must not take the server down for every other document.
process.on('uncaughtException', (err) =>
  connection.console.error(formatError('oci-manifest: uncaught exception', err)),
);
process.on('unhandledRejection', (err) =>
  connection.console.error(formatError('oci-manifest: unhandled rejection', err)),
);

const registries = createRegistryAccess();
startServer(connection, {
  pid: process.pid,
  layouts: createLayoutAccess(Date.now, registries),
  registries,
  verify: createVerifyAccess(),
  authoring: createAuthoringAccess(),
  push: createPushAccess(),
  timer: {
    setImmediate(callback) {
      const handle = setImmediate(callback);
      return { dispose: () => clearImmediate(handle) };
    },
    setTimeout(callback, ms) {
      const handle = setTimeout(callback, ms);
      return { dispose: () => clearTimeout(handle) };
    },
  },
});
