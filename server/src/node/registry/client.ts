/**
 * THE registry client (distribution-spec): one per registry host, shared by verification, open-by-reference,
 * audit, referrers and push. It owns the connection pools, the authentication state and the token cache of
 * its host; every request goes through {@link RegistryClient.request}, which applies the rules below.
 *
 * ## API (all methods take an optional `signal`; none prints or returns a credential)
 * ```ts
 * const client = new RegistryClient('registry.example.com', { insecure, credentials, timeoutMs });
 * const m = await client.getManifest('team/app', '1.0');      // FetchedManifest | undefined (404)
 * m.bytes; m.digest; m.mediaType; m.headers;                  // exact bytes, verified digest, Content-Type
 * await client.headManifest('team/app', '1.0');               // tag → announced digest, media type, size
 * await client.getManifest('team/app', digest, { size });     // a child by digest (size from its descriptor)
 * await client.fetchBlob('team/app', { digest, size });       // a config or other small blob, verified
 * await client.listTags('team/app');                          // Listing { items, invalid, pages, truncated }
 * await client.catalog();                                     // every repository (`/v2/_catalog`)
 * await client.statBlob('team/app', { digest, manifest: false });  // HEAD: size, or undefined (404)
 * await client.referrers('team/app', digest, { artifactType }); // API, or the fallback tag on 404
 * await client.putManifest('team/app', 'v2', bytes, mediaType); // PUT exact bytes; digest, OCI-Subject
 * client.close();
 * ```
 * `parseImageReference` (core/verify/imageReference.ts) turns `host/repo:tag@digest` into the host (the
 * client's), the repository and the tag or digest; `manifestTarget(ref)` says which to ask for.
 *
 * ## Rules
 * - **Transport.** HTTPS always, except for loopback hosts and hosts the caller lists as insecure, which are
 *   tried over HTTPS first and then plain HTTP (as Docker does; listed hosts also accept certificates that do
 *   not verify). Redirects are followed (at most 5) only to HTTPS, or to the same host when it may use plain
 *   HTTP. "The same host" is decided by core/verify/reference.ts however a host is written; another port is
 *   another host. One connection pool per client (keep-alive, `maxSockets`).
 * - **Credentials** (given, or from the Docker config and its helpers) go only to the registry itself and, in
 *   the bearer flow, to its token realm; a redirect to blob storage elsewhere carries no `Authorization`. No
 *   message, error or log line ever holds a credential, a token or a URL's query string.
 * - **Authentication.** The first request to a host learns how it authenticates (nothing, basic, or bearer
 *   with its realm and service) while the others wait, so that concurrent requests do not all meet the same
 *   challenge. Bearer tokens are cached per scope set until shortly before they expire (`expires_in`,
 *   `issued_at`); concurrent requests for the same scope share one token request; a request for a new scope
 *   asks the known realm first, so it costs one round trip after the token. One challenge is answered per
 *   request: a registry that refuses what it was given is an error, not a loop.
 * - **Retries.** 429 and 5xx answers (except 501 and 505) to GET, HEAD and PUT are retried up to `retries`
 *   times with exponential backoff (`retryDelayMs`, doubling), or after the `Retry-After` the registry gives;
 *   a registry asking to wait longer than `maxRetryDelayMs` is an error. A connection reset on a kept-alive
 *   socket is retried once.
 * - **Time and size** (http.ts): one deadline per request moved on by body progress; a body is read only up
 *   to what the caller can use: a descriptor's size + 1 (longer is cut off and reported), 16 MiB when no size
 *   is known, 1 MiB for token answers; unused bodies are dropped after 64 KiB.
 * - **Exactness.** A manifest is returned as the bytes served, never re-serialised; its digest is computed and
 *   compared with `Docker-Content-Digest` and with the digest asked for: a difference is a
 *   {@link ManifestMismatchError}, never a silent success.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import {
  BlobSourceError,
  type BlobContent,
  type BlobRef,
  type BlobStat,
  type OpenOptions,
} from '../../core/content/source';
import {
  computeDigest,
  isRegisteredAlgorithm,
  validateDigest,
  type RegisteredAlgorithm,
} from '../../core/digest';
import {
  CATALOG_SCOPE,
  filterReferrers,
  mediaTypeOf,
  nextLink,
  parseChallenge,
  readTokenAnswer,
  referrerDescriptors,
  referrersTag,
  repositoryScope,
  retryAfterMs,
  scopeKey,
  type ReferrerDescriptor,
  type TokenAnswer,
} from '../../core/verify/distribution';
import { isTag, registryEndpoint } from '../../core/verify/imageReference';
import {
  canonicalUrl,
  insecureEntryMatches,
  isLoopback,
  normalizeHost,
  REPOSITORY,
  urlEndpoint,
} from '../../core/verify/reference';
import { MANIFEST_MEDIA_TYPES } from '../../core/verify/verify';
import type { ServedManifest } from '../../core/verify/served';
import { dockerConfigLookup, type CredentialLookup, type RegistryCredentials } from './dockerConfig';
import {
  abortError,
  allowManyListeners,
  capped,
  causeOf,
  contentLength,
  discard,
  exchange,
  header,
  isTlsError,
  readBody,
  shownUrl,
  sleep,
  type ExchangeContext,
} from './http';

export { shownUrl, PROGRESS_BYTES } from './http';
export { parseChallenge } from '../../core/verify/distribution';
export type { RegistryCredentials, CredentialLookup } from './dockerConfig';

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
  /** Extra certificates (PEM) trusted for HTTPS on top of the system's, e.g. a private CA's. */
  ca?: string | Buffer | (string | Buffer)[];
  /** How often a request answered 429 or 5xx is sent again (default 3). */
  retries?: number;
  /** The wait before the first retry when the registry names none, doubled for each next one (default 250 ms). */
  retryDelayMs?: number;
  /** The longest wait before a retry, `Retry-After` included (default 30 s); a registry asking more fails. */
  maxRetryDelayMs?: number;
}

/** The most read of a body whose length neither the descriptor nor the caller knows (manifests are far smaller). */
export const MAX_UNSIZED_BODY = 16 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const MAX_TOKEN_RESPONSE = 1024 * 1024;
/** Entries asked for per page of a tag list or the catalog. */
const PAGE_SIZE = 1000;
/** A listing stops after this many pages (far above real registries: a hostile one could go on forever). */
const MAX_PAGES = 10_000;
/** A listing keeps at most this many names. */
const MAX_LISTED = 1_000_000;

/** The index media type the referrers API answers with. */
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** One request to the registry (see {@link RegistryClient.request}). */
export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** The path and query below the registry, starting with `/v2/`. */
  path: string;
  /** The token scopes the request needs, e.g. `repository:team/app:pull` (distribution.ts `repositoryScope`). */
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  signal?: AbortSignal;
  /** Send again on 429 and 5xx (default: for GET, HEAD, PUT and DELETE, which are idempotent). */
  retry?: boolean;
}

/** The registry's answer: the response with its body unread (read it, or `discard` it), and where it came from. */
export interface RegistryResponse {
  res: IncomingMessage;
  status: number;
  /** The URL that answered (after redirects). Never shown: it may hold a signed query. */
  url: URL;
  /** The registry URL asked (before redirects). */
  start: URL;
  /** `start` as shown in messages (no query). */
  where: string;
}

/** A manifest as served (see {@link RegistryClient.getManifest}). */
export interface FetchedManifest {
  repository: string;
  /** The tag or digest asked for. */
  reference: string;
  /** The exact bytes served. */
  bytes: Uint8Array;
  /**
   * The digest of the bytes, with the algorithm of the digest asked for or announced (sha256 otherwise),
   * checked against both.
   */
  digest: string;
  /** `Content-Type` without parameters, as the registry sent it. */
  mediaType?: string;
  /** The response headers (lowercase names; several values joined with `, `; `set-cookie` left out). */
  headers: Record<string, string>;
  /** The registry URL, as safe to show. */
  where: string;
}

/** What a `HEAD` of a manifest says (announced by the registry, not checked against any bytes). */
export interface ManifestHead {
  /** `Docker-Content-Digest`, when the registry sent a valid one. */
  digest?: string;
  mediaType?: string;
  size?: number;
  headers: Record<string, string>;
  where: string;
}

/** How a tag list or the catalog is read. */
export interface ListOptions {
  signal?: AbortSignal;
  /** Stop after this many names (the listing is then `truncated`). */
  limit?: number;
  /** Names asked for per page (default and most 1000). */
  pageSize?: number;
}

/** A tag list or the catalog. */
export interface Listing {
  /** The names in the registry's order (valid names only). */
  items: string[];
  /** Names the registry listed that are not valid tags or repository names (never put into a URL). */
  invalid: string[];
  pages: number;
  /** True when the listing stopped at its bound before the registry's end. */
  truncated: boolean;
}

/** The referrers of a manifest (see {@link RegistryClient.referrers}). */
export interface ReferrersResult {
  subject: string;
  /** The referrer descriptors (after the `artifactType` filter, when one was given). */
  manifests: ReferrerDescriptor[];
  /** `api`: the referrers API answered; `tag`: it answered 404 and the fallback tag was read. */
  via: 'api' | 'tag';
  /** The fallback tag read (with `via: 'tag'`). */
  tag?: string;
  /** Who applied the `artifactType` filter: the registry (`OCI-Filters-Applied`) or this client. */
  filteredBy?: 'registry' | 'client';
  /** Sentences worth telling the user (an index that is not one, entries dropped, `OCI-Subject` without the API). */
  warnings: string[];
}

/** The answer to a manifest `PUT`. */
export interface PutManifestResult {
  /** The digest of the bytes sent (the registry's `Docker-Content-Digest` agreed). */
  digest: string;
  /** The `Location` the registry answered with, as safe to show. */
  location?: string;
  /** `OCI-Subject`: the registry processed the manifest's `subject` (it has the referrers API). */
  subject?: string;
  /** The tags asked for with `?tag=` that the registry says it set (`OCI-Tag`); absent when it sent no `OCI-Tag`. */
  tags?: string[];
  headers: Record<string, string>;
}

/**
 * A manifest or blob whose bytes are not what was asked for: a digest other than the one requested or the one
 * the registry announced, or a length other than the descriptor's. The bytes are kept, so that a front end can
 * show what was served with the error on it.
 */
export class ManifestMismatchError extends BlobSourceError {
  constructor(
    message: string,
    readonly bytes: Uint8Array,
    /** The digest of the bytes. */
    readonly actualDigest: string,
    /** The digest they should have had (asked for, or announced in `Docker-Content-Digest`). */
    readonly expectedDigest: string | undefined,
    /** `request`: the digest asked for; `header`: `Docker-Content-Digest`; `size`: the descriptor's size. */
    readonly against: 'request' | 'header' | 'size',
    /** The registry URL that served them, as safe to show. */
    readonly where: string,
  ) {
    super('protocol', message);
    this.name = 'ManifestMismatchError';
  }

  /** The mismatch as a served document records it (core/verify/served.ts: `oci/registry-digest-mismatch`). */
  get served(): NonNullable<ServedManifest['mismatch']> {
    return {
      message: this.message,
      actualDigest: this.actualDigest,
      ...(this.expectedDigest ? { expectedDigest: this.expectedDigest } : {}),
    };
  }
}

/** A registry's answer that is not what the operation expects, with its HTTP status. */
export class RegistryAnswerError extends BlobSourceError {
  constructor(
    readonly status: number,
    ...args: ConstructorParameters<typeof BlobSourceError>
  ) {
    super(...args);
    this.name = 'RegistryAnswerError';
  }
}

type AuthMode =
  /** No answer yet. */
  | { kind: 'unknown' }
  /** Answers came without a challenge (a later one is still answered). */
  | { kind: 'open' }
  | { kind: 'basic'; header: string }
  | { kind: 'bearer'; realm: URL; service?: string };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const retryableStatus = (s: number): boolean => s === 429 || (s >= 500 && s <= 599 && s !== 501 && s !== 505);
const neverAborted = new AbortController().signal;

/** Resolves with `p`, or rejects as soon as `signal` aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal === neverAborted) return p;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    allowManyListeners(signal);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Response headers as a plain record, without `set-cookie` (a session is nobody's business). */
function headersOf(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (k === 'set-cookie' || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The algorithm of a valid digest with a registered algorithm, else undefined. */
function algorithmOf(digest: string | undefined): RegisteredAlgorithm | undefined {
  if (digest === undefined) return undefined;
  const v = validateDigest(digest);
  return v.ok && isRegisteredAlgorithm(v.algorithm) ? v.algorithm : undefined;
}

export class RegistryClient {
  /** The registry host in its canonical spelling, as written in references (`docker.io` for Docker Hub). */
  readonly host: string;
  /** Where requests go (`registry-1.docker.io` for Docker Hub, the host otherwise). */
  readonly endpoint: string;
  /** True when plain HTTP may be used (a loopback host, or one listed as insecure). */
  readonly mayUsePlainHttp: boolean;
  private readonly listedInsecure: boolean;
  private readonly ctx: ExchangeContext;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private scheme: Promise<'https:' | 'http:'> | undefined;
  private credentials: Promise<RegistryCredentials | undefined> | undefined;
  private auth: AuthMode = { kind: 'unknown' };
  /** While the first request learns how the host authenticates, the others wait on this. */
  private learning: Promise<void> | undefined;
  private endLearning: (() => void) | undefined;
  /** Set when learning failed (the host did not answer): requests no longer wait for each other. */
  private gateOpen = false;
  private readonly tokens = new Map<string, TokenAnswer>();
  private readonly tokenFlights = new Map<string, Promise<string>>();
  /** Stops token requests (shared by callers, so not bound to one caller's signal) when the client closes. */
  private readonly lifetime = new AbortController();
  /** Some answer carried `OCI-Subject`: the registry says it processes subjects (it has the referrers API). */
  private sawSubjectHeader = false;

  constructor(
    host: string,
    private readonly options: RegistryOptions = {},
  ) {
    this.host = normalizeHost(host);
    this.endpoint = registryEndpoint(this.host);
    this.listedInsecure = (options.insecure ?? []).some(
      (entry) => insecureEntryMatches(entry, this.host) || insecureEntryMatches(entry, this.endpoint),
    );
    this.mayUsePlainHttp = this.listedInsecure || isLoopback(this.endpoint);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const maxSockets = options.maxSockets ?? 8;
    this.ctx = {
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      // Certificates are verified for every host; only requests to a listed insecure registry host itself
      // turn that off (per request, so redirect targets and token realms elsewhere stay verified).
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
      timeoutMs,
      connectTimeoutMs: Math.min(options.connectTimeoutMs ?? 10_000, timeoutMs),
      userAgent: options.userAgent ?? 'oci-manifest',
      skipVerify: (url) => this.listedInsecure && urlEndpoint(url) === this.home('https:'),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    };
    this.retries = Math.max(0, options.retries ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  }

  /** Closes idle connections and stops token requests. Call when done (the CLI and tests do). */
  close(): void {
    this.lifetime.abort();
    this.ctx.httpAgent.destroy();
    this.ctx.httpsAgent.destroy();
  }

  /** Where the registry itself is reached with `scheme` (`name:port`), to compare URLs with. */
  private home(scheme: string): string {
    return urlEndpoint(new URL(`${scheme}//${this.endpoint}/`));
  }

  /** May plain HTTP be used for `url`? Only for the registry itself (`home`), when it may. */
  private mayUsePlain(url: URL, home: string): boolean {
    return this.mayUsePlainHttp && urlEndpoint(url) === home;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** The scheme to use for the registry: https, or http for hosts that may and do not speak TLS. */
  private baseScheme(signal: AbortSignal): Promise<'https:' | 'http:'> {
    if (!this.mayUsePlainHttp) return Promise.resolve('https:');
    if (!this.scheme) {
      const probe = async (): Promise<'https:' | 'http:'> => {
        try {
          const res = await exchange(this.ctx, new URL(`https://${this.endpoint}/v2/`), {
            method: 'GET',
            headers: {},
            signal,
          });
          discard(res);
          return 'https:';
        } catch (err) {
          if (err instanceof BlobSourceError && err.reason === 'io' && isTlsError(causeOf(err))) {
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

  /**
   * The URL of a manifest as shown in messages and links (`http://127.0.0.1:5000/v2/app/manifests/1`), with the
   * scheme the registry speaks (learned once, by a TLS attempt on hosts that may use plain HTTP).
   */
  async manifestUrl(repository: string, reference: string, signal?: AbortSignal): Promise<string> {
    const scheme = await this.baseScheme(signal ?? neverAborted);
    return shownUrl(new URL(`${scheme}//${this.endpoint}${this.path(repository, 'manifests', reference)}`));
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
   * THE way to talk to the registry: authentication (a known scheme applied up front, one challenge answered),
   * redirects under the transport rules, retries of 429 and 5xx. Resolves with the final answer, body unread:
   * the caller reads it (http.ts `readBody`, `capped`) or drops it (`discard`). Rejects with a
   * {@link BlobSourceError} for what is not an HTTP answer (no connection, a timeout, a refused redirect, a
   * failed token flow, an abort).
   */
  async request(spec: RegistryRequest): Promise<RegistryResponse> {
    const signal = spec.signal ?? neverAborted;
    const scheme = await this.baseScheme(signal);
    const start = new URL(`${scheme}//${this.endpoint}${spec.path}`);
    const home = urlEndpoint(start);
    const retry = spec.retry ?? IDEMPOTENT.has(spec.method);
    let resets = 0;
    for (let attempt = 0; ; attempt++) {
      let out: { res: IncomingMessage; url: URL };
      try {
        out = await this.authorized(start, home, spec, signal);
      } catch (err) {
        // A kept-alive connection the server had closed: send once more on a new one.
        const code = (causeOf(err) as NodeJS.ErrnoException | undefined)?.code;
        if (retry && resets++ === 0 && (code === 'ECONNRESET' || code === 'EPIPE')) continue;
        throw err;
      }
      const status = out.res.statusCode ?? 0;
      if (retry && retryableStatus(status) && attempt < this.retries) {
        const asked = retryAfterMs(header(out.res, 'retry-after'), Date.now());
        discard(out.res);
        const wait = asked ?? this.retryDelayMs * 2 ** attempt;
        if (wait > this.maxRetryDelayMs)
          throw new BlobSourceError(
            'protocol',
            `${spec.method} ${shownUrl(start)} answered ${status} and asked to wait ${Math.ceil(wait / 1000)} s before trying again, longer than the ${Math.round(this.maxRetryDelayMs / 1000)} s oci-manifest waits`,
          );
        this.log(`${spec.method} ${shownUrl(start)} ${status}: trying again in ${wait} ms`);
        await sleep(wait, signal);
        continue;
      }
      return { res: out.res, status, url: out.url, start, where: shownUrl(start) };
    }
  }

  /** Waits while another request learns how the host authenticates; returns when this one may go. */
  private async gate(signal: AbortSignal): Promise<void> {
    while (this.auth.kind === 'unknown' && !this.gateOpen) {
      if (!this.learning) {
        this.learning = new Promise<void>((r) => (this.endLearning = r));
        return;
      }
      await untilAborted(this.learning, signal);
    }
  }

  /** The host's authentication is known (or learning failed, `ok` false): let the waiting requests go. */
  private learned(ok: boolean): void {
    if (!ok && this.auth.kind === 'unknown') this.gateOpen = true;
    const end = this.endLearning;
    this.endLearning = undefined;
    this.learning = undefined;
    end?.();
  }

  /** One request with the authorization its scopes need, answering one challenge. */
  private async authorized(
    start: URL,
    home: string,
    spec: RegistryRequest,
    signal: AbortSignal,
  ): Promise<{ res: IncomingMessage; url: URL }> {
    await this.gate(signal);
    let ok = false;
    try {
      let challenged = false;
      for (;;) {
        const sent = await this.authorizationFor(spec.scopes, signal);
        const out = await this.follow(start, home, spec, sent, signal);
        if (out.res.statusCode === 401 && urlEndpoint(out.url) === home && !challenged) {
          challenged = true;
          const challenge = header(out.res, 'www-authenticate') ?? '';
          discard(out.res);
          await this.answer(challenge, spec.scopes, sent, home, signal);
          continue;
        }
        if (this.auth.kind === 'unknown' && out.res.statusCode !== 401) this.auth = { kind: 'open' };
        ok = true;
        return out;
      }
    } finally {
      this.learned(ok);
    }
  }

  /** The `Authorization` the host's known scheme gives a request for `scopes` (none while none is known). */
  private async authorizationFor(
    scopes: readonly string[],
    signal: AbortSignal,
  ): Promise<string | undefined> {
    switch (this.auth.kind) {
      case 'basic':
        return this.auth.header;
      case 'bearer':
        return `Bearer ${await this.token(scopes, signal)}`;
      default:
        return undefined;
    }
  }

  /** Sends a request and follows redirects under the transport rules. */
  private async follow(
    start: URL,
    home: string,
    spec: RegistryRequest,
    authorization: string | undefined,
    signal: AbortSignal,
  ): Promise<{ res: IncomingMessage; url: URL }> {
    let url = start;
    let redirects = 0;
    for (;;) {
      const headers: Record<string, string> = { ...(spec.headers ?? {}) };
      // Credentials go to the registry itself only: never to a redirect target elsewhere.
      if (authorization && urlEndpoint(url) === home) headers.Authorization = authorization;
      const res = await exchange(this.ctx, url, {
        method: spec.method,
        headers,
        signal,
        ...(spec.body !== undefined && url === start ? { body: spec.body } : {}),
      });
      this.log(`${spec.method} ${shownUrl(url)} ${res.statusCode ?? '?'}`);
      if (res.headers['oci-subject'] !== undefined) this.sawSubjectHeader = true;
      const status = res.statusCode ?? 0;
      if (status < 300 || status >= 400 || status === 304) return { res, url };
      const location = res.headers.location;
      discard(res);
      if (!location)
        throw new BlobSourceError('protocol', `${shownUrl(url)} answered ${status} without a Location`);
      if (++redirects > MAX_REDIRECTS)
        throw new BlobSourceError(
          'protocol',
          `${shownUrl(start)} redirected more than ${MAX_REDIRECTS} times`,
        );
      // A body is not sent again to another place (a PUT that is redirected is refused).
      if (spec.body !== undefined)
        throw new BlobSourceError(
          'protocol',
          `${shownUrl(url)} redirected a ${spec.method}, which is refused`,
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
  }

  /** Answers a challenge: learns the host's scheme (and a token for `scopes`), or throws an 'auth' error. */
  private async answer(
    challengeHeader: string,
    scopes: readonly string[],
    sent: string | undefined,
    home: string,
    signal: AbortSignal,
  ): Promise<void> {
    const challenge = parseChallenge(challengeHeader);
    if (!challenge)
      throw new BlobSourceError('auth', `${this.host} requires authentication but sent no usable challenge`);
    if (challenge.scheme === 'basic') {
      const creds = await this.getCredentials();
      if (!creds || !('password' in creds))
        throw new BlobSourceError(
          'auth',
          `${this.host} requires a user name and password; none were given or found in the Docker config`,
        );
      const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      if (sent === basic)
        throw new BlobSourceError('auth', `${this.host} refused the user name and password`);
      this.auth = { kind: 'basic', header: basic };
      return;
    }
    if (challenge.scheme !== 'bearer')
      throw new BlobSourceError(
        'auth',
        `${this.host} asks for "${challenge.scheme}" authentication, which is not supported`,
      );
    const realm = this.realmOf(challenge.params.realm, home);
    const service = challenge.params.service;
    const known = this.auth.kind === 'bearer' ? this.auth : undefined;
    if (!known || known.realm.href !== realm.href || known.service !== service) {
      // Another token service: what the old one issued means nothing here.
      this.tokens.clear();
      this.auth = { kind: 'bearer', realm, ...(service !== undefined ? { service } : {}) };
    }
    // The registry knows what it checks: the scopes it names are asked for too.
    const named = (challenge.params.scope ?? '').split(' ').filter(Boolean);
    const stale = sent?.startsWith('Bearer ') ? sent.slice(7) : undefined;
    await this.token(scopes, signal, stale, [...scopes, ...named]);
  }

  /** The realm of a bearer challenge, if credentials may go there (HTTPS, or plain HTTP to the registry itself). */
  private realmOf(text: string | undefined, home: string): URL {
    if (!text) throw new BlobSourceError('auth', `${this.host} asks for a bearer token but names no realm`);
    let realm: URL;
    try {
      realm = canonicalUrl(new URL(text));
    } catch {
      throw new BlobSourceError('auth', `${this.host} names an invalid token realm`);
    }
    realm.username = '';
    realm.password = '';
    realm.hash = '';
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.mayUsePlain(realm, home)))
      throw new BlobSourceError(
        'auth',
        `the token realm ${shownUrl(realm)} is not HTTPS, so no credentials were sent to it`,
      );
    return realm;
  }

  /**
   * A token for `scopes`: the cached one while it lasts (unless it is `stale`, the one just refused), else one
   * token request shared by every caller asking for the same scopes meanwhile.
   */
  private token(
    scopes: readonly string[],
    signal: AbortSignal,
    stale?: string,
    ask: readonly string[] = scopes,
  ): Promise<string> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && Date.now() < cached.expiresAt && cached.token !== stale)
      return Promise.resolve(cached.token);
    let flight = this.tokenFlights.get(key);
    if (!flight) {
      const started = this.fetchToken(ask).then((answer) => {
        // A token that is already due (a lifetime shorter than its margin) serves the request that asked for it.
        if (answer.expiresAt > Date.now()) this.tokens.set(key, answer);
        else this.tokens.delete(key);
        return answer.token;
      });
      flight = started;
      this.tokenFlights.set(key, started);
      const clear = (): void => {
        if (this.tokenFlights.get(key) === started) this.tokenFlights.delete(key);
      };
      started.then(clear, clear);
    }
    return untilAborted(flight, signal);
  }

  /** The bearer token flow: GET (or POST with a refresh token) to the realm. */
  private async fetchToken(scopes: readonly string[]): Promise<TokenAnswer> {
    if (this.auth.kind !== 'bearer') throw new BlobSourceError('auth', `${this.host} named no token service`);
    const { realm: known, service } = this.auth;
    const realm = new URL(known.href);
    const creds = await this.getCredentials();
    const wanted = [...new Set(scopes)];
    const headers: Record<string, string> = {};
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    if (creds && 'identityToken' in creds) {
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'oci-manifest',
      });
      if (wanted.length) form.set('scope', wanted.join(' '));
      if (service) form.set('service', service);
      body = form.toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service) realm.searchParams.set('service', service);
      for (const s of wanted) realm.searchParams.append('scope', s);
      if (creds)
        headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    const res = await exchange(this.ctx, realm, {
      method,
      headers,
      signal: this.lifetime.signal,
      ...(body !== undefined ? { body } : {}),
    });
    this.log(`${method} ${shownUrl(realm)} ${res.statusCode ?? '?'}`);
    const text = (
      await readBody(
        res,
        MAX_TOKEN_RESPONSE,
        () =>
          new BlobSourceError(
            'protocol',
            `the token service answered with more than ${MAX_TOKEN_RESPONSE / 1024} KiB`,
          ),
      )
    ).toString('utf8');
    if (res.statusCode === 401 || res.statusCode === 403)
      throw new BlobSourceError(
        'auth',
        `the token service ${shownUrl(realm)} refused ${creds ? 'the credentials' : 'anonymous access'} (${res.statusCode})`,
      );
    if ((res.statusCode ?? 0) !== 200)
      throw new BlobSourceError('auth', `the token service ${shownUrl(realm)} answered ${res.statusCode}`);
    const answer = readTokenAnswer(text, Date.now());
    if (!answer)
      throw new BlobSourceError('auth', `the token service ${shownUrl(realm)} answered without a token`);
    return answer;
  }

  /** The error for an answer that is not what the operation expects; reads a registry error's code, if any. */
  async unexpected(r: RegistryResponse, method: string): Promise<RegistryAnswerError> {
    const status = r.status;
    const said = await this.errorText(r.res);
    const at = `${method} ${r.where}`;
    if (status === 401 && this.auth.kind === 'basic')
      return new RegistryAnswerError(
        status,
        'auth',
        `${this.host} refused the user name and password (${at}: 401)`,
      );
    if (status === 401 && this.auth.kind === 'bearer')
      return new RegistryAnswerError(
        status,
        'auth',
        `${this.host} refused the token its token service issued (${at}: 401)`,
      );
    if (status === 401 || status === 403)
      return new RegistryAnswerError(
        status,
        'auth',
        `${at} was refused (${status} ${r.res.statusMessage ?? ''})`.trimEnd() + said,
      );
    return new RegistryAnswerError(
      status,
      'protocol',
      `${at} answered ${status} ${r.res.statusMessage ?? ''}`.trimEnd() + said,
    );
  }

  /** `: CODE: message` from a registry's JSON error body (small bodies only), or ''. */
  private async errorText(res: IncomingMessage): Promise<string> {
    const type = mediaTypeOf(header(res, 'content-type'));
    const length = contentLength(res);
    if (type !== 'application/json' || length === undefined || length > 64 * 1024) {
      discard(res);
      return '';
    }
    try {
      const body = await readBody(res, 64 * 1024, () => new Error('too long'));
      const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
      const e = Array.isArray(j.errors) ? j.errors[0] : undefined;
      if (!e) return '';
      const code = typeof e.code === 'string' ? e.code : '';
      const message = typeof e.message === 'string' ? e.message.slice(0, 200) : '';
      return code || message ? ` (${[code, message].filter(Boolean).join(': ')})` : '';
    } catch {
      return '';
    }
  }

  /** `/v2/<name>/<kind>/<reference>`, after checking the parts cannot change the path. */
  private path(
    repository: string,
    kind: 'manifests' | 'blobs' | 'referrers' | 'tags',
    reference?: string,
  ): string {
    if (!REPOSITORY.test(repository))
      throw new BlobSourceError('refused', `${JSON.stringify(repository)} is not a repository name`);
    if (reference !== undefined && !isTag(reference) && !validateDigest(reference).ok)
      throw new BlobSourceError('refused', `${JSON.stringify(reference)} is neither a tag nor a digest`);
    return `/v2/${repository}/${kind}${reference !== undefined ? `/${reference}` : ''}`;
  }

  private acceptFor(mediaType: string | undefined, accept?: readonly string[]): string {
    const types = [...(accept ?? MANIFEST_MEDIA_TYPES)];
    if (mediaType && !types.includes(mediaType) && !/[\r\n,]/.test(mediaType)) types.unshift(mediaType);
    return types.join(', ');
  }

  /**
   * A manifest or index by tag or digest, with the exact bytes served. Undefined when the registry answers 404.
   * The digest of the bytes is compared with `Docker-Content-Digest` and with the digest asked for; with
   * `size` (a descriptor's), at most `size` + 1 bytes are read and another length is an error too. Those
   * errors are {@link ManifestMismatchError}s (holding the bytes); others are `BlobSourceError`s.
   */
  async getManifest(
    repository: string,
    reference: string,
    options: {
      signal?: AbortSignal;
      /** The media types to accept (default: every OCI and Docker manifest and index type). */
      accept?: readonly string[];
      /** The descriptor's media type, asked for first. */
      mediaType?: string;
      /** The descriptor's size. */
      size?: number;
    } = {},
  ): Promise<FetchedManifest | undefined> {
    const r = await this.request({
      method: 'GET',
      path: this.path(repository, 'manifests', reference),
      scopes: [repositoryScope(repository)],
      headers: { Accept: this.acceptFor(options.mediaType, options.accept) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (r.status === 404) {
      discard(r.res);
      return undefined;
    }
    if (r.status !== 200) throw await this.unexpected(r, 'GET');
    const max = options.size !== undefined ? options.size : MAX_UNSIZED_BODY;
    const bytes = await readBody(r.res, max, () =>
      options.size !== undefined
        ? new BlobSourceError(
            'protocol',
            `${r.where} is longer than the ${options.size} bytes its descriptor gives; reading stopped there`,
          )
        : new BlobSourceError(
            'refused',
            `${r.where} is longer than ${MAX_UNSIZED_BODY / 1048576} MiB, more than a manifest may be`,
          ),
    );
    const headers = headersOf(r.res);
    const digest = this.checkDigest(
      bytes,
      r.where,
      validateDigest(reference).ok ? reference : undefined,
      headers,
    );
    if (options.size !== undefined && bytes.length !== options.size)
      throw new ManifestMismatchError(
        `${r.where} served ${bytes.length} bytes, but the descriptor's size is ${options.size}`,
        bytes,
        digest,
        undefined,
        'size',
        r.where,
      );
    const mediaType = mediaTypeOf(headers['content-type']);
    return {
      repository,
      reference,
      bytes,
      digest,
      ...(mediaType ? { mediaType } : {}),
      headers,
      where: r.where,
    };
  }

  /**
   * The digest of `bytes`, checked against the digest asked for and the one announced in
   * `Docker-Content-Digest`: a difference is a {@link ManifestMismatchError}.
   */
  private checkDigest(
    bytes: Uint8Array,
    where: string,
    asked: string | undefined,
    headers: Record<string, string>,
  ): string {
    const announced = headers['docker-content-digest']?.trim();
    const computed = new Map<RegisteredAlgorithm, string>();
    const of = (alg: RegisteredAlgorithm): string => {
      let d = computed.get(alg);
      if (!d) computed.set(alg, (d = computeDigest(alg, bytes)));
      return d;
    };
    if (asked !== undefined) {
      const alg = algorithmOf(asked);
      if (!alg)
        throw new BlobSourceError(
          'refused',
          `the digest ${asked} uses an algorithm oci-manifest cannot compute`,
        );
      if (of(alg) !== asked)
        throw new ManifestMismatchError(
          `${where} served content that hashes to ${of(alg)}, not to the digest asked for`,
          bytes,
          of(alg),
          asked,
          'request',
          where,
        );
    }
    if (announced !== undefined && announced !== '') {
      const alg = algorithmOf(announced);
      if (!alg)
        throw new BlobSourceError(
          'protocol',
          `${where} announced the Docker-Content-Digest ${JSON.stringify(announced.slice(0, 100))}, which is not a digest oci-manifest can check`,
        );
      if (of(alg) !== announced)
        throw new ManifestMismatchError(
          `${where} announced the Docker-Content-Digest ${announced}, but the content it served hashes to ${of(alg)}`,
          bytes,
          of(alg),
          announced,
          'header',
          where,
        );
    }
    return asked ?? (announced || of('sha256'));
  }

  /** A `HEAD` of a manifest: what the registry announces (digest, media type, size) without the bytes. */
  async headManifest(
    repository: string,
    reference: string,
    options: { signal?: AbortSignal; accept?: readonly string[] } = {},
  ): Promise<ManifestHead | undefined> {
    const r = await this.request({
      method: 'HEAD',
      path: this.path(repository, 'manifests', reference),
      scopes: [repositoryScope(repository)],
      headers: { Accept: this.acceptFor(undefined, options.accept) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    discard(r.res);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw await this.unexpected(r, 'HEAD');
    const headers = headersOf(r.res);
    const announced = headers['docker-content-digest']?.trim();
    const mediaType = mediaTypeOf(headers['content-type']);
    const size = contentLength(r.res);
    return {
      ...(announced && validateDigest(announced).ok ? { digest: announced } : {}),
      ...(mediaType ? { mediaType } : {}),
      ...(size !== undefined ? { size } : {}),
      headers,
      where: r.where,
    };
  }

  /** `HEAD` of a blob (or, with `manifest`, a manifest) by digest: its size; undefined when the registry lacks it. */
  async statBlob(repository: string, ref: BlobRef, signal?: AbortSignal): Promise<BlobStat | undefined> {
    const r = await this.request({
      method: 'HEAD',
      path: this.path(repository, ref.manifest ? 'manifests' : 'blobs', ref.digest),
      scopes: [repositoryScope(repository)],
      headers: ref.manifest ? { Accept: this.acceptFor(ref.mediaType) } : {},
      ...(signal ? { signal } : {}),
    });
    discard(r.res);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw await this.unexpected(r, 'HEAD');
    const size = contentLength(r.res);
    return { ...(size !== undefined ? { size } : {}), where: r.where };
  }

  /**
   * A blob (or manifest) by digest as a bounded stream (a content source's `open`): at most `maxBytes`, and when
   * the descriptor gives no size, at most 16 MiB (more is an error). Undefined when the registry lacks it.
   */
  async openBlob(repository: string, ref: BlobRef, options: OpenOptions): Promise<BlobContent | undefined> {
    const r = await this.request({
      method: 'GET',
      path: this.path(repository, ref.manifest ? 'manifests' : 'blobs', ref.digest),
      scopes: [repositoryScope(repository)],
      headers: ref.manifest ? { Accept: this.acceptFor(ref.mediaType) } : {},
      signal: options.signal,
    });
    if (r.status === 404) {
      discard(r.res);
      return undefined;
    }
    if (r.status !== 200) throw await this.unexpected(r, 'GET');
    // Show the registry URL, not a redirect target (whose query may hold a signature).
    const where = r.where;
    const size = contentLength(r.res);
    if (ref.size !== undefined || options.maxBytes <= MAX_UNSIZED_BODY)
      return { size, where, chunks: capped(r.res, options.maxBytes) };
    // Neither the descriptor nor the caller bounds it: at most MAX_UNSIZED_BODY, and more is an error.
    const tooLong = (): BlobSourceError =>
      new BlobSourceError(
        'refused',
        `${where} is longer than ${MAX_UNSIZED_BODY / 1048576} MiB, the most read when the descriptor gives no valid size`,
      );
    if (size !== undefined && size > MAX_UNSIZED_BODY) {
      discard(r.res);
      throw tooLong();
    }
    return { size, where, chunks: capped(r.res, MAX_UNSIZED_BODY + 1, tooLong) };
  }

  /**
   * A small blob (an image config, an SBOM) by its descriptor, whole and checked: its length against `size` and
   * its digest against `digest` ({@link ManifestMismatchError} otherwise). Undefined when the registry lacks it.
   * Read only up to `size` + 1 bytes, and never more than `maxBytes` (default 16 MiB).
   */
  async fetchBlob(
    repository: string,
    descriptor: { digest: string; size: number; mediaType?: string },
    options: { signal?: AbortSignal; maxBytes?: number } = {},
  ): Promise<{ bytes: Uint8Array; where: string } | undefined> {
    const alg = algorithmOf(descriptor.digest);
    if (!alg)
      throw new BlobSourceError(
        'refused',
        `the digest ${descriptor.digest} is not one oci-manifest can compute`,
      );
    const max = options.maxBytes ?? MAX_UNSIZED_BODY;
    if (descriptor.size > max)
      throw new BlobSourceError(
        'refused',
        `the blob is ${descriptor.size} bytes, more than the ${max} read whole`,
      );
    const content = await this.openBlob(
      repository,
      { digest: descriptor.digest, size: descriptor.size, manifest: false },
      { signal: options.signal ?? neverAborted, maxBytes: descriptor.size + 1 },
    );
    if (!content) return undefined;
    const parts: Buffer[] = [];
    let n = 0;
    for await (const chunk of content.chunks) {
      parts.push(Buffer.from(chunk));
      n += chunk.length;
    }
    const bytes = Buffer.concat(parts, n);
    const digest = computeDigest(alg, bytes);
    if (bytes.length !== descriptor.size)
      throw new ManifestMismatchError(
        bytes.length > descriptor.size
          ? `${content.where} is longer than the ${descriptor.size} bytes its descriptor gives; reading stopped there`
          : `${content.where} served ${bytes.length} bytes, but the descriptor's size is ${descriptor.size}`,
        bytes,
        digest,
        undefined,
        'size',
        content.where,
      );
    if (digest !== descriptor.digest)
      throw new ManifestMismatchError(
        `${content.where} served content that hashes to ${digest}, not to the descriptor's digest`,
        bytes,
        digest,
        descriptor.digest,
        'request',
        content.where,
      );
    return { bytes, where: content.where };
  }

  /** The tags of a repository (`/v2/<name>/tags/list`, every page). Undefined when the repository is unknown (404). */
  listTags(repository: string, options: ListOptions = {}): Promise<Listing | undefined> {
    return this.paginate(
      this.path(repository, 'tags') + '/list',
      [repositoryScope(repository)],
      'tags',
      isTag,
      options,
    );
  }

  /** The repositories of the registry (`/v2/_catalog`, every page). Undefined when the registry has no catalog (404). */
  catalog(options: ListOptions = {}): Promise<Listing | undefined> {
    return this.paginate('/v2/_catalog', [CATALOG_SCOPE], 'repositories', (s) => REPOSITORY.test(s), options);
  }

  /**
   * Reads a paginated list: `n` entries per page, following the `Link: <…>; rel="next"` header (which must stay
   * on the registry), else `last=` when a page came back full, until a short page, a repeated URL or a bound.
   */
  private async paginate(
    path: string,
    scopes: readonly string[],
    key: 'tags' | 'repositories',
    valid: (name: string) => boolean,
    options: ListOptions,
  ): Promise<Listing | undefined> {
    const limit = Math.min(options.limit ?? MAX_LISTED, MAX_LISTED);
    const n = Math.max(1, Math.min(options.pageSize ?? PAGE_SIZE, PAGE_SIZE));
    const out: Listing = { items: [], invalid: [], pages: 0, truncated: false };
    let next: string | undefined = `${path}?n=${n}`;
    const seen = new Set<string>();
    const listed = new Set<string>();
    /** The registry paginates with Link: a page without one is the last. */
    let linked = false;
    while (next !== undefined) {
      if (out.pages >= MAX_PAGES || out.items.length >= limit) {
        out.truncated = true;
        break;
      }
      seen.add(next);
      const r = await this.request({
        method: 'GET',
        path: next,
        scopes,
        headers: { Accept: 'application/json' },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (r.status === 404 && out.pages === 0) {
        discard(r.res);
        return undefined;
      }
      if (r.status !== 200) throw await this.unexpected(r, 'GET');
      const text = await readPage(r);
      out.pages++;
      let page: unknown;
      try {
        page = (JSON.parse(text) as Record<string, unknown>)?.[key];
      } catch {
        throw new BlobSourceError('protocol', `${r.where} did not answer with JSON`);
      }
      if (page !== null && page !== undefined && !Array.isArray(page))
        throw new BlobSourceError('protocol', `${r.where} answered without a "${key}" list`);
      const names = (page ?? []) as unknown[];
      for (const name of names) {
        if (typeof name === 'string' && valid(name)) {
          // A registry that repeats a name across pages (or ignores `last`) lists it once here.
          if (listed.has(name)) continue;
          listed.add(name);
          if (out.items.length < limit) out.items.push(name);
          else out.truncated = true;
        } else out.invalid.push(typeof name === 'string' ? name : JSON.stringify(name));
      }
      const link = nextLink(header(r.res, 'link'), r.start);
      let following: string | undefined;
      if (link) {
        linked = true;
        following = this.nextPage(link, r);
      } else if (!linked && names.length === n) {
        // A full page from a registry that never sent a Link: it may paginate with `last` only (more than `n`
        // names means it ignored `n` and sent everything).
        const last = names[names.length - 1];
        if (typeof last === 'string' && valid(last))
          following = `${path}?n=${n}&last=${encodeURIComponent(last)}`;
      }
      if (following !== undefined && seen.has(following)) break;
      next = following;
    }
    return out;
  }

  /**
   * The path and query of a `Link` to the next page, which must stay on the registry (same scheme, host and
   * port: the request carries credentials) and in its API.
   */
  private nextPage(link: URL, r: RegistryResponse): string {
    if (link.protocol !== r.start.protocol || urlEndpoint(link) !== urlEndpoint(r.start))
      throw new BlobSourceError(
        'protocol',
        `${r.where} links its next page to another host, which is refused`,
      );
    if (!link.pathname.startsWith('/v2/'))
      throw new BlobSourceError('protocol', `${r.where} links its next page outside the registry API`);
    return link.pathname + link.search;
  }

  /**
   * The referrers of the manifest `digest` (distribution-spec "Listing Referrers"): `/v2/<name>/referrers/<digest>`
   * with every page (`Link`), filtered by `artifactType` (by the registry when it says `OCI-Filters-Applied`,
   * else here). When the API answers 404, the fallback tag `<alg>-<encoded>` is read instead; no such tag, or
   * one that is not an image index, means no referrers.
   */
  async referrers(
    repository: string,
    digest: string,
    options: { signal?: AbortSignal; artifactType?: string } = {},
  ): Promise<ReferrersResult> {
    const tag = referrersTag(digest);
    if (!validateDigest(digest).ok || tag === undefined)
      throw new BlobSourceError('refused', `${JSON.stringify(digest)} is not a digest`);
    const filter = options.artifactType;
    const warnings: string[] = [];
    const query = filter !== undefined ? `?artifactType=${encodeURIComponent(filter)}` : '';
    let next: string | undefined = `${this.path(repository, 'referrers', digest)}${query}`;
    const seen = new Set<string>();
    const found: ReferrerDescriptor[] = [];
    let filteredByRegistry = true;
    let dropped = 0;
    let pages = 0;
    while (next !== undefined && pages < MAX_PAGES) {
      seen.add(next);
      const r = await this.request({
        method: 'GET',
        path: next,
        scopes: [repositoryScope(repository)],
        headers: { Accept: OCI_INDEX },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (r.status === 404 && pages === 0) {
        discard(r.res);
        return this.referrersByTag(repository, digest, tag, filter, options.signal);
      }
      if (r.status !== 200) throw await this.unexpected(r, 'GET');
      pages++;
      const text = await readPage(r);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new BlobSourceError('protocol', `${r.where} did not answer with an image index (not JSON)`);
      }
      const type = mediaTypeOf(header(r.res, 'content-type'));
      if (type !== OCI_INDEX && pages === 1)
        warnings.push(
          `The referrers API answered with the Content-Type ${JSON.stringify(type ?? '')}, not ${OCI_INDEX}.`,
        );
      const applied = (header(r.res, 'oci-filters-applied') ?? '').split(',').map((s) => s.trim());
      if (filter !== undefined && !applied.includes('artifactType')) filteredByRegistry = false;
      const page = referrerDescriptors(value);
      dropped += page.dropped;
      found.push(...page.manifests);
      const link = nextLink(header(r.res, 'link'), r.start);
      if (!link) break;
      const following = this.nextPage(link, r);
      if (seen.has(following)) break;
      next = following;
    }
    if (dropped)
      warnings.push(
        `${dropped} ${dropped === 1 ? 'entry' : 'entries'} of the referrers list had no digest and were left out.`,
      );
    return {
      subject: digest,
      manifests: filteredByRegistry ? found : filterReferrers(found, filter),
      via: 'api',
      ...(filter !== undefined
        ? { filteredBy: filteredByRegistry ? ('registry' as const) : ('client' as const) }
        : {}),
      warnings,
    };
  }

  /** The referrers from the fallback tag (the registry has no referrers API). */
  private async referrersByTag(
    repository: string,
    digest: string,
    tag: string,
    filter: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ReferrersResult> {
    const warnings: string[] = [];
    if (this.sawSubjectHeader)
      warnings.push(
        `${this.host} answered with OCI-Subject (which says it processes subjects through the referrers API), yet its referrers API answered 404; the fallback tag ${tag} was read instead.`,
      );
    const result: ReferrersResult = {
      subject: digest,
      manifests: [],
      via: 'tag',
      tag,
      ...(filter !== undefined ? { filteredBy: 'client' as const } : {}),
      warnings,
    };
    // Every manifest type is accepted (an index first), so that a tag holding something else is seen as such.
    const m = await this.getManifest(repository, tag, {
      mediaType: OCI_INDEX,
      ...(signal ? { signal } : {}),
    });
    if (!m) return result;
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(m.bytes));
    } catch {
      value = undefined;
    }
    const isIndex =
      typeof value === 'object' &&
      value !== null &&
      Array.isArray((value as { manifests?: unknown }).manifests) &&
      ((value as { mediaType?: unknown }).mediaType === undefined ||
        (value as { mediaType?: unknown }).mediaType === OCI_INDEX);
    if (!isIndex) {
      warnings.push(
        `The fallback tag ${tag} holds ${m.mediaType ?? 'a document'} that is not an image index, so no referrers were read from it.`,
      );
      return result;
    }
    const page = referrerDescriptors(value);
    if (page.dropped)
      warnings.push(
        `${page.dropped} ${page.dropped === 1 ? 'entry' : 'entries'} of the fallback tag's index had no digest and were left out.`,
      );
    result.manifests = filterReferrers(page.manifests, filter);
    return result;
  }

  /**
   * PUTs a manifest's exact bytes with `Content-Type: mediaType` to a tag or its digest. The registry's
   * `Docker-Content-Digest` must agree with the digest of the bytes. Nothing is checked before: a caller that
   * pushes checks the manifest and its blobs first.
   */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    options: {
      signal?: AbortSignal;
      /**
       * Tags asked for with `?tag=` on a PUT by digest (distribution-spec); the registry names those it set in
       * `OCI-Tag` ({@link PutManifestResult.tags}). One that does not support it ignores the query.
       */
      tags?: readonly string[];
    } = {},
  ): Promise<PutManifestResult> {
    if (/[\r\n]/.test(mediaType)) throw new BlobSourceError('refused', 'the media type holds a line break');
    const asked = validateDigest(reference).ok ? reference : undefined;
    const alg = asked !== undefined ? algorithmOf(asked) : 'sha256';
    if (!alg)
      throw new BlobSourceError('refused', `the digest ${reference} is not one oci-manifest can compute`);
    const digest = computeDigest(alg, bytes);
    if (asked !== undefined && asked !== digest)
      throw new BlobSourceError(
        'refused',
        `the manifest hashes to ${digest}, not to ${asked}, so it was not sent`,
      );
    const tags = options.tags ?? [];
    if (tags.length && asked === undefined)
      throw new BlobSourceError('refused', 'tags in the query are sent only with a PUT by digest');
    for (const t of tags)
      if (!isTag(t)) throw new BlobSourceError('refused', `${JSON.stringify(t)} is not a tag`);
    const query = tags.length ? `?${tags.map((t) => `tag=${encodeURIComponent(t)}`).join('&')}` : '';
    const r = await this.request({
      method: 'PUT',
      path: this.path(repository, 'manifests', reference) + query,
      scopes: [repositoryScope(repository, ['pull', 'push'])],
      headers: { 'Content-Type': mediaType },
      body: bytes,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (r.status !== 201 && r.status !== 200) throw await this.unexpected(r, 'PUT');
    discard(r.res);
    const headers = headersOf(r.res);
    const announced = headers['docker-content-digest']?.trim();
    if (announced && algorithmOf(announced) === alg && announced !== digest)
      throw new BlobSourceError(
        'protocol',
        `${r.where} stored the manifest as ${announced}, but the bytes sent hash to ${digest}`,
      );
    let location: string | undefined;
    if (headers.location) {
      try {
        location = shownUrl(new URL(headers.location, r.url));
      } catch {
        location = undefined;
      }
    }
    const set = (headers['oci-tag'] ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => tags.includes(t));
    return {
      digest,
      ...(location ? { location } : {}),
      ...(headers['oci-subject'] ? { subject: headers['oci-subject'] } : {}),
      ...(headers['oci-tag'] !== undefined ? { tags: set } : {}),
      headers,
    };
  }

  /**
   * Cross-repository mount (distribution-spec: `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`): true
   * when the registry mounted the blob (201). False when it did not (202 opens an upload session instead, which is
   * cancelled at once; 404 or another refusal of the source).
   */
  async mountBlob(
    repository: string,
    digest: string,
    from: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<boolean> {
    if (!validateDigest(digest).ok)
      throw new BlobSourceError('refused', `${JSON.stringify(digest)} is not a digest`);
    if (!REPOSITORY.test(from))
      throw new BlobSourceError('refused', `${JSON.stringify(from)} is not a repository name`);
    const signal = options.signal ? { signal: options.signal } : {};
    const r = await this.request({
      method: 'POST',
      path: `${this.path(repository, 'blobs')}/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      scopes: [repositoryScope(repository, ['pull', 'push']), repositoryScope(from)],
      ...signal,
    });
    const location = header(r.res, 'location');
    if (r.status === 201) {
      discard(r.res);
      return true;
    }
    if (r.status !== 202) {
      if (r.status === 401 || r.status === 403) throw await this.unexpected(r, 'POST');
      discard(r.res);
      return false;
    }
    discard(r.res);
    // An upload session was opened instead: close it (distribution-spec: clients SHOULD; failures are ignored).
    let session: URL | undefined;
    try {
      session = location ? new URL(location, r.url) : undefined;
    } catch {
      session = undefined;
    }
    if (session && urlEndpoint(session) === urlEndpoint(r.start) && session.pathname.startsWith('/v2/')) {
      const d = await this.request({
        method: 'DELETE',
        path: session.pathname + session.search,
        scopes: [repositoryScope(repository, ['pull', 'push'])],
        ...signal,
      }).catch(() => undefined);
      if (d) discard(d.res);
    }
    return false;
  }
}

/** The text of a listing page (tags, catalog, referrers), whose size no descriptor bounds: at most MAX_UNSIZED_BODY. */
async function readPage(r: { res: IncomingMessage; where: string }): Promise<string> {
  const tooMuch = (): BlobSourceError =>
    new BlobSourceError('refused', `${r.where} answered more than ${MAX_UNSIZED_BODY / 1048576} MiB`);
  return (await readBody(r.res, MAX_UNSIZED_BODY, tooMuch)).toString('utf8');
}
