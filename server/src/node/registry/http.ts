/**
 * One HTTP exchange with a registry, a token service or blob storage, bounded in time and size: the mechanics
 * under the registry client (client.ts), which decides what to send where.
 *
 * Time: a request must connect within the connect timeout, and the whole exchange (connect, headers, body) must
 * end within the request timeout; while a body streams, each further 64 KiB received extends that deadline by
 * the timeout again, so a large blob may take as long as it keeps coming at 64 KiB per timeout, and a server
 * sending a byte now and then is cut off. An abort signal stops the exchange at once, body included.
 *
 * Size: bodies are read through {@link capped} (a cap, then an error or a cut), bodies that are not used
 * (errors, redirects, challenges) are dropped after 64 KiB by {@link discard}.
 */
import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import * as tls from 'node:tls';
import { BlobSourceError } from '../../core/content/source';

/** Each time this much more of a body arrives, its deadline moves on by the timeout. */
export const PROGRESS_BYTES = 64 * 1024;
/** The most read (and dropped) of a body that is not used: an error page, a redirect, a 401. */
export const MAX_DISCARDED_BODY = 64 * 1024;

/** How exchanges are made: the connection pools, the timeouts and the trust settings. */
export interface ExchangeContext {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  connectTimeoutMs: number;
  timeoutMs: number;
  userAgent: string;
  /** True for a URL whose certificate need not verify (a listed insecure registry itself, never anything else). */
  skipVerify(url: URL): boolean;
  /** Extra trusted certificates (PEM), added to the system's. */
  ca?: string | Buffer | (string | Buffer)[];
}

export interface ExchangeOptions {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  signal: AbortSignal;
}

/** The URL as safe to show: no user info, no query, no fragment. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function abortError(): Error {
  const e = new Error('The request was cancelled.');
  e.name = 'AbortError';
  return e;
}

export function secondsOf(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeNetError(err: unknown, host: string): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${host}: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host name of ${host}`;
    case 'ECONNRESET':
      return `${host} closed the connection`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} is unreachable`;
    default:
      if (typeof e?.code === 'string' && /CERT|SSL|TLS|EPROTO/i.test(e.code))
        return `TLS with ${host} failed (${e.code})`;
      return `request to ${host} failed (${e?.code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

/** True for the error a plain HTTP server gives a TLS handshake (and TLS failures generally). */
export function isTlsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return /EPROTO|SSL|TLS|CERT|ECONNRESET/i.test(code);
}

/** The cause of an `io` BlobSourceError made by {@link exchange} (the node error), if any. */
export function causeOf(err: unknown): unknown {
  return (err as { cause?: unknown })?.cause;
}

/**
 * One HTTP exchange with its deadline and abort; resolves with the response (body unread). The deadline
 * (connect, headers and body) stays armed while the body streams, moved on by every PROGRESS_BYTES.
 */
export function exchange(ctx: ExchangeContext, url: URL, opts: ExchangeOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(abortError());
    const secure = url.protocol === 'https:';
    const lib = secure ? https : http;
    const headers: Record<string, string> = { 'User-Agent': ctx.userAgent, ...opts.headers };
    if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    const req = lib.request(url, {
      method: opts.method,
      headers,
      agent: secure ? ctx.httpsAgent : ctx.httpAgent,
      ...(secure && ctx.skipVerify(url) ? { rejectUnauthorized: false } : {}),
      ...(secure && ctx.ca !== undefined ? { ca: withSystemRoots(ctx.ca) } : {}),
    });
    const shown = url.host;
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    let res: IncomingMessage | undefined;
    let detach: (() => void) | undefined;
    const fail = (err: Error): void => {
      // Once the response has started, its stream carries the error to the reader.
      if (res) res.destroy(err);
      req.destroy(err);
    };
    const onAbort = (): void => fail(abortError());
    allowManyListeners(opts.signal);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const seconds = secondsOf(ctx.timeoutMs);
    let expired = false;
    // Our own timer (socket timeouts fire late on TLS sockets, and restart with every byte).
    const deadline = setTimeout(() => {
      expired = true;
      fail(
        new BlobSourceError(
          'timeout',
          res
            ? `${shown} sent its answer too slowly (less than ${PROGRESS_BYTES / 1024} KiB in ${seconds})`
            : connectTimer
              ? `could not connect to ${shown} within ${seconds}`
              : `${shown} did not answer within ${seconds}`,
        ),
      );
    }, ctx.timeoutMs);
    const cleanup = (): void => {
      if (connectTimer) clearTimeout(connectTimer);
      clearTimeout(deadline);
      detach?.();
      opts.signal.removeEventListener('abort', onAbort);
    };
    req.on('socket', (socket) => {
      // The socket is already flowing (the HTTP parser reads it); one more listener only observes.
      let unrewarded = 0;
      const progress = (chunk: Buffer): void => {
        if (!res || expired) return;
        unrewarded += chunk.length;
        if (unrewarded >= PROGRESS_BYTES) {
          unrewarded = 0;
          deadline.refresh();
        }
      };
      socket.on('data', progress);
      detach = () => socket.removeListener('data', progress);
      const connecting = (socket as { connecting?: boolean }).connecting;
      if (connecting) {
        connectTimer = setTimeout(
          () =>
            fail(
              new BlobSourceError(
                'timeout',
                `could not connect to ${shown} within ${secondsOf(ctx.connectTimeoutMs)}`,
              ),
            ),
          ctx.connectTimeoutMs,
        );
        socket.once('connect', () => {
          if (connectTimer) clearTimeout(connectTimer);
          connectTimer = undefined;
        });
      }
    });
    req.on('error', (err) => {
      cleanup();
      if (err instanceof BlobSourceError || err.name === 'AbortError') reject(err);
      else reject(Object.assign(new BlobSourceError('io', describeNetError(err, shown)), { cause: err }));
    });
    req.on('response', (response) => {
      res = response;
      if (connectTimer) clearTimeout(connectTimer);
      // The deadline and the abort listener stay armed while the body streams.
      response.once('close', cleanup);
      response.on('error', () => undefined);
      resolve(response);
    });
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

const raised = new WeakSet<AbortSignal>();
/**
 * One signal serves every request of a run (an audit has dozens in flight): no "possible memory leak" warning
 * for more than 10 listeners, which are removed as each request ends.
 */
export function allowManyListeners(signal: AbortSignal): void {
  if (raised.has(signal)) return;
  raised.add(signal);
  setMaxListeners(0, signal);
}

let systemRoots: string[] | undefined;
/** Extra certificates on top of the system's (node's `ca` option replaces them otherwise). */
function withSystemRoots(ca: string | Buffer | (string | Buffer)[]): (string | Buffer)[] {
  systemRoots ??= [...tls.rootCertificates];
  return [...systemRoots, ...(Array.isArray(ca) ? ca : [ca])];
}

export function contentLength(res: IncomingMessage): number | undefined {
  const v = res.headers['content-length'];
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** One header's value as a string (several values joined with `, `), or undefined. */
export function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The body, at most `max` bytes: the response is destroyed once the cap is reached or the consumer stops.
 * With `overflow`, reaching the cap is an error (thrown once the `max`-th byte arrives) instead.
 */
export async function* capped(
  res: IncomingMessage,
  max: number,
  overflow?: () => Error,
): AsyncGenerator<Uint8Array, void, undefined> {
  let n = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (n + chunk.length >= max) {
        if (overflow) throw overflow();
        yield chunk.subarray(0, max - n);
        return;
      }
      n += chunk.length;
      yield chunk;
    }
  } finally {
    if (!res.complete) res.destroy();
  }
}

/** A whole body of at most `max` bytes; more is the error `tooMuch` makes (found after `max` + 1 bytes). */
export async function readBody(res: IncomingMessage, max: number, tooMuch: () => Error): Promise<Buffer> {
  const length = contentLength(res);
  if (length !== undefined && length > max) {
    res.destroy();
    throw tooMuch();
  }
  const parts: Buffer[] = [];
  for await (const chunk of capped(res, max + 1, tooMuch)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/**
 * Drops a body that is not used. A short one is read to its end, so that the connection can serve the next
 * request; a long one, or one without a length that goes on past MAX_DISCARDED_BODY, closes the connection.
 */
export function discard(res: IncomingMessage): void {
  // A HEAD answer has no body, whatever its Content-Length says: the connection stays usable.
  if ((res as { req?: { method?: string } }).req?.method === 'HEAD') {
    res.resume();
    return;
  }
  const length = contentLength(res);
  if (length !== undefined && length > MAX_DISCARDED_BODY) {
    res.destroy();
    return;
  }
  let n = 0;
  res.on('data', (chunk: Buffer) => {
    n += chunk.length;
    if (n > MAX_DISCARDED_BODY) res.destroy();
  });
}

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    allowManyListeners(signal);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
