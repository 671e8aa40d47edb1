/** The VS Code client starts the server with --node-ipc; other editors use --stdio (the other tests). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import {
  createProtocolConnection,
  ExitNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';
import { serverPath } from './client';

test('the server speaks over node-ipc', { timeout: 10_000 }, async () => {
  const child = fork(await serverPath(), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  const result = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    workspaceFolders: null,
  });
  assert.equal(result.serverInfo?.name, 'oci-manifest');
  await connection.sendRequest(ShutdownRequest.type);
  await connection.sendNotification(ExitNotification.type);
  assert.equal(await exited, 0);
  connection.dispose();
});

/**
 * Starts the server over stdio, initializes it, then writes `garbage` (a frame whose header lies) and returns
 * how the process ended and what it wrote to stderr; a server still running after 10 s counts as silent.
 */
async function afterCorruptFrame(
  garbage: string,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [await serverPath(), '--stdio'], { stdio: 'pipe' });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const frame = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  child.stdin.write(
    frame(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null },
      }),
    ),
  );
  // The answer to initialize: the server was serving before the bad frame.
  const deadline = Date.now() + 10_000;
  while (!stdout.includes('"id":1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(stdout.includes('"serverInfo"'), stdout);
  child.stdin.write(garbage);
  const code = await Promise.race([
    exited,
    new Promise<'silent'>((r) => setTimeout(() => r('silent'), 10_000)),
  ]);
  if (code === 'silent') child.kill('SIGKILL');
  assert.notEqual(code, 'silent', 'the server neither answered nor exited after a corrupt frame');
  return { code: code as number | null, stderr, stdout };
}

test(
  'a frame with a Content-Length that is not a number: the server logs it and exits non-zero',
  { timeout: 30_000 },
  async () => {
    const r = await afterCorruptFrame('Content-Length: ten\r\n\r\n{"jsonrpc":"2.0","method":"x"}');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /oci-manifest: the message stream from the client is corrupt \(.*Content-Length.*\); exiting so that the client restarts the server\./,
    );
  },
);

test(
  'a frame shorter than its body (the rest read as the next header): logged, exit non-zero',
  { timeout: 30_000 },
  async () => {
    const body = '{"jsonrpc":"2.0","method":"initialized","params":{}}';
    const r = await afterCorruptFrame(`Content-Length: 10\r\n\r\n${body}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the message stream from the client is corrupt/);
    // The client hears it too, as a log message, before the server goes.
    assert.match(r.stdout, /"method":"window\/logMessage".*the message stream from the client is corrupt/s);
  },
);
