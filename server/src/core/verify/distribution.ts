/**
 * The pure parts of the registry protocol (distribution-spec and the Docker token flow it builds on): reading
 * `WWW-Authenticate`, `Link`, `Retry-After` and token answers, naming scopes, the referrers fallback tag, and
 * filtering referrers. The registry client (server/src/node/registry/client.ts) does the I/O around them.
 */
import { parseDigest } from '../digest';

/** A `WWW-Authenticate` challenge: its scheme (lowercase) and parameters (names lowercase). */
export interface Challenge {
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

/** The token scope for actions on a repository: `repository:team/app:pull`. */
export function repositoryScope(repository: string, actions: readonly string[] = ['pull']): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** The scope `/v2/_catalog` needs. */
export const CATALOG_SCOPE = 'registry:catalog:*';

/** One key for a set of scopes, whatever their order (what tokens are cached under). */
export function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(' ');
}

/**
 * The referrers fallback tag of a digest (distribution-spec, "Referrers Tag Schema"): the algorithm cut to 32
 * characters, `-`, the encoded part cut to 64, every character a tag may not hold made `-`.
 */
export function referrersTag(digest: string): string | undefined {
  const d = parseDigest(digest);
  if (!d) return undefined;
  const clean = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `${clean(d.algorithm.slice(0, 32))}-${clean(d.encoded.slice(0, 64))}`;
}

/**
 * The `rel="next"` target of a `Link` header (RFC 5988), resolved against `base`; undefined when there is none
 * or it is not a URL.
 */
export function nextLink(header: string | undefined, base: URL): URL | undefined {
  if (!header) return undefined;
  const re = /<([^>]*)>((?:\s*;\s*[A-Za-z0-9*_.-]+\s*=\s*(?:"[^"]*"|[^;,]*))*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null) {
    const params = m[2]!;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!rels.includes('next')) continue;
    try {
      return new URL(m[1]!.trim(), base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Milliseconds a `Retry-After` value asks to wait (RFC 9110: whole seconds, or an HTTP date); undefined when it
 * is neither. A date in the past means now.
 */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^[0-9]{1,10}$/.test(v)) return Number(v) * 1000;
  if (!/^[A-Za-z]{3},/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The lifetime the Docker token spec gives a token whose answer says none. */
export const DEFAULT_TOKEN_SECONDS = 60;

/** A token service's answer, as far as the client uses it. */
export interface TokenAnswer {
  token: string;
  /** When to stop using the token (milliseconds since the epoch): a little before it expires. */
  expiresAt: number;
}

/**
 * Reads a token service's JSON answer (`token` or `access_token`; `expires_in` seconds, default 60;
 * `issued_at`, RFC 3339). The token is used until a tenth of its lifetime (at most 30 s) before it expires,
 * counted from when it was issued: from `issued_at` when that is in the past (a token handed out earlier), else
 * from `now` (a clock ahead of ours does not lengthen it). Undefined when the answer holds no usable token: not
 * JSON, no token, or a token with characters a header cannot carry.
 */
export function readTokenAnswer(text: string, now: number): TokenAnswer | undefined {
  let j: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null) return undefined;
  const token = typeof j.token === 'string' && j.token ? j.token : j.access_token;
  if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) return undefined;
  const seconds =
    typeof j.expires_in === 'number' && Number.isFinite(j.expires_in) && j.expires_in > 0
      ? j.expires_in
      : DEFAULT_TOKEN_SECONDS;
  const issued = typeof j.issued_at === 'string' ? Date.parse(j.issued_at) : NaN;
  const from = Number.isNaN(issued) ? now : Math.min(issued, now);
  const lifetime = seconds * 1000;
  return { token, expiresAt: from + lifetime - Math.min(lifetime / 10, 30_000) };
}

/** A referrer as a registry lists it: a descriptor of a manifest or an index whose `subject` is the digest. */
export interface ReferrerDescriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The referrer descriptors of an image index value (the referrers API's answer, or the fallback tag's index):
 * entries that are objects with a string digest; `dropped` counts the others.
 */
export function referrerDescriptors(index: unknown): { manifests: ReferrerDescriptor[]; dropped: number } {
  const list =
    typeof index === 'object' && index !== null ? (index as { manifests?: unknown }).manifests : undefined;
  if (!Array.isArray(list)) return { manifests: [], dropped: 0 };
  const manifests: ReferrerDescriptor[] = [];
  let dropped = 0;
  for (const entry of list) {
    if (
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as { digest?: unknown }).digest === 'string'
    )
      manifests.push(entry as ReferrerDescriptor);
    else dropped++;
  }
  return { manifests, dropped };
}

/** The referrers whose `artifactType` is `artifactType` (what a registry applying the filter returns). */
export function filterReferrers(
  manifests: readonly ReferrerDescriptor[],
  artifactType: string | undefined,
): ReferrerDescriptor[] {
  return artifactType === undefined
    ? [...manifests]
    : manifests.filter((m) => m.artifactType === artifactType);
}

/** A `Content-Type` value without its parameters, as written (clients ignore the parameters). */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const t = contentType.split(';')[0]!.trim();
  return t || undefined;
}
