/**
 * URIs as RFC 3986 defines them (section 3): `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`, where the
 * hier-part is `"//" authority path` or a path, and every character outside the unreserved, reserved and
 * percent-encoded sets is refused. Descriptors' `urls` entries must be such URIs.
 */

const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
const SCHEME = '[A-Za-z][A-Za-z0-9+.\\-]*';
const USERINFO = `(?:(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT})*@)?`;
// IP-literal (IPv6 or IPvFuture, loosely: the brackets' content is hex, ":", "." or IPvFuture's characters).
const HOST = `(?:\\[[0-9A-Za-z:.${SUB_DELIMS}\\-_~]+\\]|(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*)`;
const AUTHORITY = `${USERINFO}${HOST}(?::[0-9]*)?`;
const PATH_ABEMPTY = `(?:/${PCHAR}*)*`;
const PATH_OTHER = `(?:/?(?:${PCHAR}+(?:/${PCHAR}*)*)?)`;
const QUERY = `(?:\\?(?:${PCHAR}|[/?])*)?`;
const FRAGMENT = `(?:#(?:${PCHAR}|[/?])*)?`;

const URI = new RegExp(`^(${SCHEME}):(?://${AUTHORITY}${PATH_ABEMPTY}|${PATH_OTHER})${QUERY}${FRAGMENT}$`);
/** Characters a URI may carry as they are (anything else is percent-encoded). */
const ALLOWED = new RegExp(`[${UNRESERVED}${SUB_DELIMS}:/?#\\[\\]@%]`);

/** What is wrong with a URI, and the corrected text when the intent is certain. */
export interface UriProblem {
  /** The end of a sentence that starts with the value, e.g. `has no scheme (such as "https:")`. */
  says: string;
  replacement?: string;
}

/** The URI's scheme, lowercased, when `v` is an RFC 3986 URI. */
export function uriScheme(v: string): string | undefined {
  const m = URI.exec(v);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Why `v` is not an RFC 3986 URI, or undefined when it is one. */
export function uriProblem(v: string): UriProblem | undefined {
  if (URI.test(v)) return undefined;
  if (v === '') return { says: 'is empty' };
  const trimmed = v.trim();
  if (trimmed !== v && URI.test(trimmed))
    return { says: 'has leading or trailing whitespace', replacement: trimmed };
  if (/\s/.test(trimmed)) {
    const encoded = trimmed.replace(/ /g, '%20');
    return {
      says: 'contains whitespace, which a URI carries only percent-encoded (a space is %20)',
      ...(URI.test(encoded) ? { replacement: encoded } : {}),
    };
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(v)) {
    const withScheme = `https://${v}`;
    return {
      says: 'has no scheme; a URI starts with one, such as "https:"',
      ...(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(\/|$)/.test(v) && URI.test(withScheme)
        ? { replacement: withScheme }
        : {}),
    };
  }
  const badPct = /%(?![0-9A-Fa-f]{2})/.exec(v);
  if (badPct)
    return { says: `has a "%" at position ${badPct.index + 1} that is not followed by two hex digits` };
  for (let i = 0; i < v.length; i++) {
    if (!ALLOWED.test(v[i]!)) {
      const encoded = safeEncode(v);
      return {
        says: `contains ${JSON.stringify(v[i])}, which a URI carries only percent-encoded`,
        ...(encoded !== undefined && encoded !== v && URI.test(encoded) ? { replacement: encoded } : {}),
      };
    }
  }
  return {
    says: 'is not a URI as RFC 3986 defines it (scheme ":" then, for a host, "//" and a valid authority, a path, an optional "?" query and an optional "#" fragment)',
  };
}

/** `encodeURI`, or undefined for text it cannot encode (a lone surrogate). */
function safeEncode(v: string): string | undefined {
  try {
    return encodeURI(v);
  } catch {
    return undefined;
  }
}
