/**
 * A registry as a blob source (distribution-spec: `HEAD`/`GET /v2/<name>/blobs/<digest>` and
 * `/v2/<name>/manifests/<digest>`), streaming and anonymous by default, with HTTP basic and bearer
 * token authentication (the `WWW-Authenticate` challenge flow).
 *
 * Transport rules: HTTPS always, except for loopback hosts and hosts the caller lists as insecure,
 * which are tried over HTTPS first and then plain HTTP (as Docker does; listed hosts also accept
 * certificates that do not verify). Redirects are followed (at most 5) only to HTTPS, or to the same
 * host when it may use plain HTTP; credentials are sent only to the registry host itself and to its
 * token realm. "The same host" is decided by core/verify/reference.ts however a host is written (`127.1`,
 * `[::ffff:127.0.0.1]`, `HOST.`, `host:443`); another port is another host. No message, error or log line
 * ever holds a credential, a token or a redirect's query string.
 *
 * Time: every request must connect within the connect timeout, and the whole exchange (connect, headers,
 * body) must end within the request timeout; while a body streams, each further 64 KiB received extends
 * that deadline by the timeout again, so a large blob may take as long as it keeps coming at 64 KiB per
 * timeout, and a server sending a byte now and then is cut off. Sizes: bodies are read only up to what
 * the caller can use (the descriptor's size + 1), 16 MiB when the size is not known, 1 MiB for token
 * answers; bodies of answers that are not used (errors, redirects) are dropped after 64 KiB.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import {
  BlobSourceError,
  type BlobContent,
  type BlobRef,
  type BlobStat,
  type ContentSource,
  type OpenOptions,
} from '../../core/content/source';
import { MANIFEST_MEDIA_TYPES } from '../../core/verify/verify';
import {
  canonicalUrl,
  insecureEntryMatches,
  isLoopback,
  parseRegistryReference,
  urlEndpoint,
  type RegistryReference,
} from '../../core/verify/reference';
import { dockerConfigLookup, type CredentialLookup, type RegistryCredentials } from './dockerConfig';

export type { RegistryCredentials, CredentialLookup } from './dockerConfig';
export { parseRegistryReference, isLoopback, type RegistryReference } from '../../core/verify/reference';

export interface RegistryOptions {
  /** Hosts (`host` or `host:port`) that may be reached over plain HTTP (or HTTPS without verification). */
  insecure?: readonly string[];
  /**
   * Credentials for this registry, or a lookup by host (the editor passes SecretStorage here). When
   * absent, `~/.docker/config.json` (or `$DOCKER_CONFIG`) is consulted; pass `dockerConfig: false` to
   * stay anonymous.
   */
  credentials?: RegistryCredentials | CredentialLookup;
  /** A Docker config file to read credentials from, or false for none (default: the user's). */
  dockerConfig?: string | false;
  /** Milliseconds to wait for a connection (default 10 000, at most `timeoutMs`). */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a request may take from its start to the end of its answer (default 30 000); a body
   * extends it by as much again for every 64 KiB it delivers.
   */
  timeoutMs?: number;
  /** Parallel connections (default 8). */
  maxSockets?: number;
  userAgent?: string;
  /** Receives one line per request (method, URL without query, status). Never credentials. */
  log?: (line: string) => void;
}

const MAX_REDIRECTS = 5;
const MAX_TOKEN_RESPONSE = 1024 * 1024;
/** The most read of a body whose length neither the descriptor nor the caller knows (manifests are far smaller). */
export const MAX_UNSIZED_BODY = 16 * 1024 * 1024;
/** The most read (and dropped) of a body that is not used: an error page, a redirect, a 401. */
const MAX_DISCARDED_BODY = 64 * 1024;
/** Each time this much more of a body arrives, its deadline moves on by the timeout. */
export const PROGRESS_BYTES = 64 * 1024;

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a `WWW-Authenticate` header: the first challenge's scheme and its parameters. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) {
    if (p[0] === '') break;
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** The URL as safe to show: no user info, no query, no fragment. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function abortError(): Error {
  const e = new Error('The request was cancelled.');
  e.name = 'AbortError';
  return e;
}

function describeNetError(err: unknown, host: string): string {
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

const isTlsError = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return /EPROTO|SSL|TLS|CERT|ECONNRESET/i.test(code);
};

interface SendOptions {
  method: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Send the registry's authorization (true for registry API calls). */
  authorize: boolean;
}

export class RegistryBlobSource implements ContentSource {
  readonly name = 'registry';
  readonly label: string;
  readonly host: string;
  readonly repository: string;
  private readonly plainAllowed: boolean;
  private readonly listedInsecure: boolean;
  private scheme: Promise<'https:' | 'http:'> | undefined;
  private authorization: string | undefined;
  private authInFlight: Promise<void> | undefined;
  private credentials: Promise<RegistryCredentials | undefined> | undefined;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly connectTimeout: number;
  private readonly timeout: number;

  constructor(
    reference: RegistryReference | string,
    private readonly options: RegistryOptions = {},
  ) {
    const ref = typeof reference === 'string' ? parseRegistryReference(reference) : reference;
    this.host = ref.host;
    this.repository = ref.repository;
    this.label = `registry ${this.host}/${this.repository}`;
    this.listedInsecure = (options.insecure ?? []).some((entry) => insecureEntryMatches(entry, this.host));
    this.plainAllowed = this.listedInsecure || isLoopback(this.host);
    this.timeout = options.timeoutMs ?? 30_000;
    this.connectTimeout = Math.min(options.connectTimeoutMs ?? 10_000, this.timeout);
    const maxSockets = options.maxSockets ?? 8;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    // Certificates are verified for every host; only requests to a listed insecure registry host itself
    // turn that off (per request, so redirect targets and token realms elsewhere stay verified).
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  /** Closes idle connections. Call when done (the CLI and tests do). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Where the registry itself is reached with `scheme` (`name:port`), to compare URLs with. */
  private home(scheme: string): string {
    return urlEndpoint(new URL(`${scheme}//${this.host}/`));
  }

  /** May plain HTTP be used for `url`? Only for the registry itself (`home`), when it may. */
  private mayUsePlain(url: URL, home: string): boolean {
    return this.plainAllowed && urlEndpoint(url) === home;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /**
   * One HTTP exchange with its deadline and abort; resolves with the response (body unread). The deadline
   * (connect, headers and body) stays armed while the body streams, moved on by every PROGRESS_BYTES.
   */
  private exchange(url: URL, opts: SendOptions, headers: Record<string, string>): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (opts.signal.aborted) return reject(abortError());
      const secure = url.protocol === 'https:';
      const lib = secure ? https : http;
      const req = lib.request(url, {
        method: opts.method,
        headers: { 'User-Agent': this.options.userAgent ?? 'oci-manifest', ...headers },
        agent: secure ? this.httpsAgent : this.httpAgent,
        // Only the listed registry itself may present a certificate that does not verify.
        ...(secure && this.listedInsecure && urlEndpoint(url) === this.home('https:')
          ? { rejectUnauthorized: false }
          : {}),
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
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const seconds = secondsOf(this.timeout);
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
      }, this.timeout);
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
                  `could not connect to ${shown} within ${secondsOf(this.connectTimeout)}`,
                ),
              ),
            this.connectTimeout,
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

  /** The scheme to use for the registry: https, or http for hosts that may and do not speak TLS. */
  private baseScheme(signal: AbortSignal): Promise<'https:' | 'http:'> {
    if (!this.plainAllowed) return Promise.resolve('https:');
    if (!this.scheme) {
      const probe = async (): Promise<'https:' | 'http:'> => {
        try {
          const res = await this.exchange(
            new URL(`https://${this.host}/v2/`),
            { method: 'GET', signal, authorize: false },
            {},
          );
          discard(res);
          return 'https:';
        } catch (err) {
          if (
            err instanceof BlobSourceError &&
            err.reason === 'io' &&
            isTlsError((err as { cause?: unknown }).cause)
          ) {
            this.log(`${this.host}: no TLS, using plain HTTP (allowed for this host)`);
            return 'http:';
          }
          throw err;
        }
      };
      this.scheme = probe();
      // A failed probe (a timeout, a refused connection) is not remembered.
      this.scheme.catch(() => {
        this.scheme = undefined;
      });
    }
    return this.scheme;
  }

  private getCredentials(): Promise<RegistryCredentials | undefined> {
    if (!this.credentials) {
      const c = this.options.credentials;
      if (typeof c === 'function') this.credentials = c(this.host);
      else if (c) this.credentials = Promise.resolve(c);
      else if (this.options.dockerConfig === false) this.credentials = Promise.resolve(undefined);
      else this.credentials = dockerConfigLookup(this.options.dockerConfig || undefined)(this.host);
      this.credentials = this.credentials.catch((err: unknown) => {
        throw new BlobSourceError(
          'auth',
          `no credentials for ${this.host}: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    }
    return this.credentials;
  }

  /**
   * Sends a request, following redirects under the transport rules and answering one authentication
   * challenge. Resolves with the final response (body unread).
   */
  private async send(
    path: string,
    opts: SendOptions,
  ): Promise<{ res: IncomingMessage; url: URL; start: URL }> {
    const scheme = await this.baseScheme(opts.signal);
    const start = new URL(`${scheme}//${this.host}${path}`);
    const home = urlEndpoint(start);
    let challenged = false;
    for (;;) {
      let url = start;
      let redirects = 0;
      let res: IncomingMessage;
      const sent = this.authorization;
      for (;;) {
        const headers: Record<string, string> = { ...(opts.headers ?? {}) };
        if (opts.authorize && sent && urlEndpoint(url) === home) headers.Authorization = sent;
        res = await this.exchange(url, opts, headers);
        this.log(`${opts.method} ${shownUrl(url)} ${res.statusCode ?? '?'}`);
        const status = res.statusCode ?? 0;
        if (status < 300 || status >= 400 || status === 304) break;
        const location = res.headers.location;
        discard(res);
        if (!location)
          throw new BlobSourceError('protocol', `${shownUrl(url)} answered ${status} without a Location`);
        if (++redirects > MAX_REDIRECTS)
          throw new BlobSourceError(
            'protocol',
            `${shownUrl(start)} redirected more than ${MAX_REDIRECTS} times`,
          );
        let next: URL;
        try {
          next = canonicalUrl(new URL(location, url));
        } catch {
          throw new BlobSourceError('protocol', `${shownUrl(url)} redirected to an invalid URL`);
        }
        next.username = '';
        next.password = '';
        if (next.protocol === 'http:' && !this.mayUsePlain(next, home))
          throw new BlobSourceError(
            'protocol',
            `${shownUrl(url)} redirected to plain HTTP (${shownUrl(next)}), which is refused`,
          );
        if (next.protocol !== 'https:' && next.protocol !== 'http:')
          throw new BlobSourceError(
            'protocol',
            `${shownUrl(url)} redirected to a ${next.protocol} URL, which is refused`,
          );
        url = next;
      }
      if (res.statusCode === 401 && opts.authorize && !challenged && urlEndpoint(url) === home) {
        challenged = true;
        const header = res.headers['www-authenticate'];
        discard(res);
        await this.authenticate(
          typeof header === 'string' ? header : Array.isArray(header) ? (header[0] ?? '') : '',
          sent,
          opts.signal,
          home,
        );
        continue;
      }
      return { res, url, start };
    }
  }

  /** Answers a challenge: sets `authorization` for the next requests, or throws an 'auth' error. */
  private authenticate(
    header: string,
    sent: string | undefined,
    signal: AbortSignal,
    home: string,
  ): Promise<void> {
    // Another request already answered a challenge since this one was sent: just retry with that.
    if (this.authorization !== sent) return Promise.resolve();
    // Concurrent requests that meet the same challenge share one token request.
    if (this.authInFlight) return this.authInFlight;
    const previous = sent;
    this.authInFlight = (async () => {
      const challenge = parseChallenge(header);
      if (!challenge)
        throw new BlobSourceError(
          'auth',
          `${this.host} requires authentication but sent no usable challenge`,
        );
      const creds = await this.getCredentials();
      if (challenge.scheme === 'basic') {
        if (!creds || !('password' in creds))
          throw new BlobSourceError(
            'auth',
            `${this.host} requires a user name and password; none were given or found in the Docker config`,
          );
        const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
        if (previous === basic)
          throw new BlobSourceError('auth', `${this.host} refused the user name and password`);
        this.authorization = basic;
        return;
      }
      if (challenge.scheme === 'bearer') {
        const token = await this.fetchToken(challenge.params, creds, signal, home);
        const bearer = `Bearer ${token}`;
        if (previous === bearer)
          throw new BlobSourceError('auth', `${this.host} refused the token it issued`);
        this.authorization = bearer;
        return;
      }
      throw new BlobSourceError(
        'auth',
        `${this.host} asks for "${challenge.scheme}" authentication, which is not supported`,
      );
    })();
    const done = this.authInFlight;
    done.then(
      () => (this.authInFlight = undefined),
      () => (this.authInFlight = undefined),
    );
    return done;
  }

  /** The bearer token flow: GET (or POST with a refresh token) to the realm. */
  private async fetchToken(
    params: Record<string, string>,
    creds: RegistryCredentials | undefined,
    signal: AbortSignal,
    home: string,
  ): Promise<string> {
    if (!params.realm)
      throw new BlobSourceError('auth', `${this.host} asks for a bearer token but names no realm`);
    let realm: URL;
    try {
      realm = canonicalUrl(new URL(params.realm));
    } catch {
      throw new BlobSourceError('auth', `${this.host} names an invalid token realm`);
    }
    realm.username = '';
    realm.password = '';
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.mayUsePlain(realm, home)))
      throw new BlobSourceError(
        'auth',
        `the token realm ${shownUrl(realm)} is not HTTPS, so no credentials were sent to it`,
      );
    const scope = params.scope ?? `repository:${this.repository}:pull`;
    const headers: Record<string, string> = {};
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    if (creds && 'identityToken' in creds) {
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'oci-manifest',
        scope,
      });
      if (params.service) form.set('service', params.service);
      body = form.toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (params.service) realm.searchParams.set('service', params.service);
      realm.searchParams.set('scope', scope);
      if (creds)
        headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    const res = await this.exchange(
      realm,
      { method, signal, authorize: false, ...(body !== undefined ? { body } : {}) },
      headers,
    );
    this.log(`${method} ${shownUrl(realm)} ${res.statusCode ?? '?'}`);
    const text = await readSmall(res, MAX_TOKEN_RESPONSE);
    if (res.statusCode === 401 || res.statusCode === 403)
      throw new BlobSourceError(
        'auth',
        `the token service ${shownUrl(realm)} refused ${creds ? 'the credentials' : 'anonymous access'} (${res.statusCode})`,
      );
    if ((res.statusCode ?? 0) !== 200)
      throw new BlobSourceError('auth', `the token service ${shownUrl(realm)} answered ${res.statusCode}`);
    let token: unknown;
    try {
      const j = JSON.parse(text) as { token?: unknown; access_token?: unknown };
      token = j.token ?? j.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || !token || /[\r\n]/.test(token))
      throw new BlobSourceError('auth', `the token service ${shownUrl(realm)} answered without a token`);
    return token;
  }

  private pathFor(ref: BlobRef): string {
    return `/v2/${this.repository}/${ref.manifest ? 'manifests' : 'blobs'}/${ref.digest}`;
  }

  private headersFor(ref: BlobRef): Record<string, string> {
    if (!ref.manifest) return {};
    const types = [...MANIFEST_MEDIA_TYPES];
    if (ref.mediaType && !types.includes(ref.mediaType) && !/[\r\n,]/.test(ref.mediaType))
      types.unshift(ref.mediaType);
    return { Accept: types.join(', ') };
  }

  private unexpected(res: IncomingMessage, url: URL, method: string): BlobSourceError {
    const status = res.statusCode ?? 0;
    if (status === 401 && this.authorization?.startsWith('Basic '))
      return new BlobSourceError(
        'auth',
        `${this.host} refused the user name and password (${method} ${shownUrl(url)}: 401)`,
      );
    if (status === 401 && this.authorization?.startsWith('Bearer '))
      return new BlobSourceError(
        'auth',
        `${this.host} refused the token its token service issued (${method} ${shownUrl(url)}: 401)`,
      );
    if (status === 401 || status === 403)
      return new BlobSourceError(
        'auth',
        `${method} ${shownUrl(url)} was refused (${status} ${res.statusMessage ?? ''})`.trimEnd(),
      );
    return new BlobSourceError(
      'protocol',
      `${method} ${shownUrl(url)} answered ${status} ${res.statusMessage ?? ''}`.trimEnd(),
    );
  }

  async stat(ref: BlobRef, signal: AbortSignal): Promise<BlobStat | undefined> {
    const { res, url, start } = await this.send(this.pathFor(ref), {
      method: 'HEAD',
      headers: this.headersFor(ref),
      signal,
      authorize: true,
    });
    discard(res);
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw this.unexpected(res, url, 'HEAD');
    return { size: contentLength(res), where: shownUrl(start) };
  }

  async open(ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined> {
    const { res, url, start } = await this.send(this.pathFor(ref), {
      method: 'GET',
      headers: this.headersFor(ref),
      signal: options.signal,
      authorize: true,
    });
    if (res.statusCode === 404) {
      discard(res);
      return undefined;
    }
    if (res.statusCode !== 200) {
      discard(res);
      throw this.unexpected(res, url, 'GET');
    }
    // Show the registry URL, not a redirect target (whose query may hold a signature).
    const where = shownUrl(start);
    const size = contentLength(res);
    if (ref.size !== undefined || options.maxBytes <= MAX_UNSIZED_BODY)
      return { size, where, chunks: capped(res, options.maxBytes) };
    // Neither the descriptor nor the caller bounds it: at most MAX_UNSIZED_BODY, and more is an error.
    const tooLong = (): BlobSourceError =>
      new BlobSourceError(
        'refused',
        `${where} is longer than ${MAX_UNSIZED_BODY / 1048576} MiB, the most read when the descriptor gives no valid size`,
      );
    if (size !== undefined && size > MAX_UNSIZED_BODY) {
      discard(res);
      throw tooLong();
    }
    return { size, where, chunks: capped(res, MAX_UNSIZED_BODY + 1, tooLong) };
  }
}

function secondsOf(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function contentLength(res: IncomingMessage): number | undefined {
  const v = res.headers['content-length'];
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The body, at most `max` bytes: the response is destroyed once the cap is reached or the consumer stops.
 * With `overflow`, reaching the cap is an error (thrown once the `max`-th byte arrives) instead.
 */
async function* capped(
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

/** A small body whole (a token answer): more than `max` bytes is an error, found after `max` + 1. */
async function readSmall(res: IncomingMessage, max: number): Promise<string> {
  const parts: Buffer[] = [];
  const tooMuch = (): BlobSourceError =>
    new BlobSourceError('protocol', `the token service answered with more than ${max / 1024} KiB`);
  for await (const chunk of capped(res, max + 1, tooMuch)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Drops a body that is not used. A short one is read to its end, so that the connection can serve the next
 * request; a long one, or one without a length that goes on past MAX_DISCARDED_BODY, closes the connection.
 */
function discard(res: IncomingMessage): void {
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
