// Registries that stall, trickle or never stop: the request timeout bounds connect, headers and small bodies;
// a large body may take longer while it keeps coming; bodies whose size nobody knows, error pages and token
// answers are capped. Raw TCP servers send what node's HTTP server would not (a header a byte at a time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { verifyDocument } from '../../server/src/core/verify/index';
import { BlobSourceError } from '../../server/src/core/content/source';
import { RegistryBlobSource } from '../../server/src/node/registry/blobSource';
import { MAX_UNSIZED_BODY, PROGRESS_BYTES } from '../../server/src/node/registry/client';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const layerOf = (content: Buffer): string =>
  JSON.stringify({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: sha(content),
    size: content.length,
  });

interface Served {
  host: string;
  /** Bytes of streamed bodies written so far. */
  sent: () => number;
  /** Resolves when every connection that streamed a body (drip or flood) has closed. */
  streamsClosed: () => Promise<void>;
  close: () => Promise<void>;
}

/** What a request handler may do: stream a body that the test then watches. */
interface Streamer {
  /** Writes `chunk` every `ms` until the socket closes. */
  drip(chunk: string | Buffer, ms: number): void;
  /** Writes `chunk` as fast as the socket takes it until it closes. */
  flood(chunk: Buffer): void;
}

/** A raw TCP server: `onRequest` gets the socket, the request's first line and a streamer, once per request. */
async function rawServer(
  onRequest: (socket: net.Socket, line: string, stream: Streamer) => void,
): Promise<Served> {
  let sent = 0;
  const all = new Set<net.Socket>();
  const streaming = new Set<net.Socket>();
  const waiters: (() => void)[] = [];
  const track = (socket: net.Socket): void => {
    streaming.add(socket);
    socket.once('close', () => {
      streaming.delete(socket);
      if (streaming.size === 0) waiters.splice(0).forEach((w) => w());
    });
  };
  const streamer = (socket: net.Socket): Streamer => ({
    drip(chunk, ms) {
      track(socket);
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(chunk);
        sent += chunk.length;
      }, ms);
      socket.once('close', () => clearInterval(timer));
    },
    flood(chunk) {
      track(socket);
      const pump = (): void => {
        while (!socket.destroyed && socket.write(chunk)) sent += chunk.length;
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    },
  });
  const s = net.createServer((socket) => {
    all.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => all.delete(socket));
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      // The client tries TLS first on loopback (a handshake record starts with 0x16): refuse it, as a plain
      // HTTP server's TLS error does, so that it goes on with plain HTTP.
      if (buffered === '' && d[0] === 0x16) return void socket.destroy();
      buffered += d.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        onRequest(socket, head.split('\r\n')[0]!, streamer(socket));
      }
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(s.address() as net.AddressInfo).port}`,
    sent: () => sent,
    streamsClosed: () => (streaming.size === 0 ? Promise.resolve() : new Promise((r) => waiters.push(r))),
    close: () =>
      new Promise((r) => {
        for (const c of all) c.destroy();
        s.close(() => r());
      }),
  };
}

/** One chunk of a chunked body. */
const chunked = (body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]);

const source = (host: string, timeoutMs = 1000) =>
  new RegistryBlobSource(`${host}/app`, { dockerConfig: false, connectTimeoutMs: timeoutMs, timeoutMs });

test('headers a byte at a time: the timeout bounds the whole request', { timeout: 30_000 }, async () => {
  const srv = await rawServer((socket, _line, stream) => {
    socket.write('HTTP/1.1 200 OK\r\n');
    stream.drip('X', 200);
  });
  const src = source(srv.host);
  try {
    const r = await verifyDocument(layerOf(Buffer.from('x')), { kind: 'descriptor', sources: [src] });
    assert.equal(r.results[0]!.status, 'unreadable');
    assert.equal(r.results[0]!.error?.reason, 'timeout');
    assert.match(r.results[0]!.error!.message, new RegExp(`${srv.host} did not answer within 1 s$`));
  } finally {
    src.close();
    await srv.close();
  }
});

test('a small body a byte at a time: cut off when the timeout passes', { timeout: 30_000 }, async () => {
  const content = Buffer.alloc(1000, 7);
  const srv = await rawServer((socket, line, stream) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${content.length}\r\n\r\n`);
    if (!line.startsWith('HEAD')) stream.drip(Buffer.from([7]), 200);
  });
  const src = source(srv.host);
  try {
    const r = await verifyDocument(layerOf(content), { kind: 'descriptor', sources: [src] });
    assert.equal(r.results[0]!.status, 'unreadable');
    assert.equal(r.results[0]!.error?.reason, 'timeout');
    assert.match(
      r.results[0]!.error!.message,
      new RegExp(
        `${srv.host} sent its answer too slowly \\(less than ${PROGRESS_BYTES / 1024} KiB in 1 s\\)$`,
      ),
    );
    assert.ok(srv.sent() < content.length, `${srv.sent()} bytes were sent`);
  } finally {
    src.close();
    await srv.close();
  }
});

test('a large body that keeps coming may take longer than the timeout', { timeout: 30_000 }, async () => {
  // 12 × 64 KiB, one every 250 ms: three times the 1 s timeout in all, never 1 s without 64 KiB.
  const chunk = Buffer.alloc(PROGRESS_BYTES, 3);
  const content = Buffer.concat(Array.from({ length: 12 }, () => chunk));
  const s = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Length': content.length });
    if (req.method === 'HEAD') return res.end();
    let i = 0;
    const timer = setInterval(() => {
      res.write(chunk);
      if (++i === 12) {
        clearInterval(timer);
        res.end();
      }
    }, 250);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const src = source(`127.0.0.1:${(s.address() as net.AddressInfo).port}`);
  try {
    const r = await verifyDocument(layerOf(content), { kind: 'descriptor', sources: [src] });
    assert.equal(r.results[0]!.status, 'verified', JSON.stringify(r.results[0]));
  } finally {
    src.close();
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test('cancelling a trickling download stops it at once', { timeout: 30_000 }, async () => {
  const content = Buffer.alloc(1000, 9);
  let started!: () => void;
  const first = new Promise<void>((r) => (started = r));
  const srv = await rawServer((socket, line, stream) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${content.length}\r\n\r\n`);
    if (line.startsWith('HEAD')) return;
    started();
    stream.drip(Buffer.from([9]), 100);
  });
  const src = source(srv.host, 20_000);
  const controller = new AbortController();
  try {
    const running = verifyDocument(layerOf(content), {
      kind: 'descriptor',
      sources: [src],
      signal: controller.signal,
    });
    await first;
    controller.abort();
    const r = await running;
    assert.equal(r.cancelled, true);
    assert.equal(r.results[0]!.status, 'cancelled');
    await srv.streamsClosed();
  } finally {
    src.close();
    await srv.close();
  }
});

test(
  'a body whose size nobody knows (chunked, descriptor without a size) is refused past 16 MiB',
  { timeout: 60_000 },
  async () => {
    const srv = await rawServer((socket, line, stream) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      stream.flood(chunked(Buffer.alloc(64 * 1024, 0x7b)));
    });
    const src = source(srv.host, 20_000);
    try {
      const content = await src.open(
        { digest: `sha256:${'c'.repeat(64)}`, manifest: true },
        { signal: new AbortController().signal, maxBytes: Number.MAX_SAFE_INTEGER },
      );
      let got = 0;
      const error = await (async () => {
        try {
          for await (const chunk of content!.chunks) got += chunk.length;
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      assert.ok(error instanceof BlobSourceError, String(error));
      assert.equal(error.reason, 'refused');
      assert.match(
        error.message,
        /is longer than 16 MiB, the most read when the descriptor gives no valid size$/,
      );
      assert.ok(got <= MAX_UNSIZED_BODY, `${got} bytes delivered`);
      await srv.streamsClosed();
      assert.ok(
        srv.sent() < MAX_UNSIZED_BODY + 16 * 1024 * 1024,
        `the server got to send ${srv.sent()} bytes`,
      );
    } finally {
      src.close();
      await srv.close();
    }
  },
);

test(
  'a declared length over 16 MiB without a known size is refused before reading',
  { timeout: 30_000 },
  async () => {
    const srv = await rawServer((socket, _line, stream) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${2 ** 40}\r\n\r\n`);
      stream.flood(Buffer.alloc(64 * 1024));
    });
    const src = source(srv.host, 20_000);
    try {
      await assert.rejects(
        src.open(
          { digest: `sha256:${'d'.repeat(64)}`, manifest: true },
          { signal: new AbortController().signal, maxBytes: Number.MAX_SAFE_INTEGER },
        ),
        (err: unknown) => err instanceof BlobSourceError && err.reason === 'refused',
      );
      await srv.streamsClosed();
    } finally {
      src.close();
      await srv.close();
    }
  },
);

test('an endless error page is dropped, not drained', { timeout: 30_000 }, async () => {
  const srv = await rawServer((socket, line, stream) => {
    if (line.startsWith('HEAD')) return void socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n');
    socket.write('HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n');
    stream.flood(chunked(Buffer.alloc(16 * 1024, 0x3c)));
  });
  const src = source(srv.host, 20_000);
  try {
    const r = await verifyDocument(layerOf(Buffer.alloc(10)), { kind: 'descriptor', sources: [src] });
    assert.equal(r.results[0]!.status, 'unreadable');
    assert.match(r.results[0]!.error!.message, /answered 500 Internal Server Error$/);
    // The connection is closed once 64 KiB were dropped (a drain would go on for as long as the server sends).
    await srv.streamsClosed();
  } finally {
    src.close();
    await srv.close();
  }
});

test('an endless token answer ends the token flow after 1 MiB', { timeout: 30_000 }, async () => {
  const srv = await rawServer((socket, line, stream) => {
    if (line.includes('/token')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      return stream.flood(chunked(Buffer.alloc(64 * 1024, 0x20)));
    }
    socket.write(
      `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="http://${srv.host}/token",service="s"\r\nContent-Length: 0\r\n\r\n`,
    );
  });
  const src = source(srv.host, 20_000);
  try {
    const r = await verifyDocument(layerOf(Buffer.alloc(10)), { kind: 'descriptor', sources: [src] });
    assert.equal(r.results[0]!.status, 'unreadable');
    assert.match(r.results[0]!.error!.message, /the token service answered with more than 1024 KiB/);
    await srv.streamsClosed();
  } finally {
    src.close();
    await srv.close();
  }
});
