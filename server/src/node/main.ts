/**
 * The node entry of the language server. `node dist/server.js --stdio` serves any LSP editor; the VS Code
 * client starts it with `--node-ipc`. Everything else lives in `startServer`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { formatError } from '../lsp/runner';
import { startServer } from '../lsp/server';
import { createBlobProbe } from './blobs';
import { createOciLayoutProbe } from './layout';
import { createLayoutAccess } from './layoutGraph';
import { createVerifyAccess } from './verifyAccess';

// createConnection reads the transport from the command line (--stdio, --node-ipc, --socket=N).
const connection = createConnection(ProposedFeatures.all);

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

startServer(connection, {
  pid: process.pid,
  besideOciLayout: createOciLayoutProbe(),
  statBlob: createBlobProbe(),
  layouts: createLayoutAccess(),
  verify: createVerifyAccess(),
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
