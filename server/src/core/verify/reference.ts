/**
 * Registry references (`HOST[:PORT]/REPOSITORY`), which hosts may be reached without TLS, and when two hosts
 * are the same. Pure.
 *
 * A host can be written many ways: `127.1`, `0x7f.0.0.1`, `[::ffff:127.0.0.1]` and `127.0.0.1` are one
 * address; `Registry.Example.com.` and `registry.example.com` one name; `host:443` and `host` one registry
 * (HTTPS, the registry default). Hosts are brought to one spelling once, here, and every comparison the
 * registry client makes (credentials from the Docker config or the editor, insecure lists, redirect targets,
 * token realms) goes through these functions, never through string equality of what was written.
 */

export interface RegistryReference {
  /** `host[:port]` in its canonical spelling ({@link normalizeHost}); the port only when written. */
  host: string;
  /** The repository name, e.g. `team/app`. */
  repository: string;
}

const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
/** A DNS name (a final dot allowed), an IPv4 address in any form the URL standard reads, or a bracketed IPv6. */
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*\\.?|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
/** distribution-spec's `<name>` grammar. */
export const REPOSITORY =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** The port HTTPS uses when none is written: a registry host without a port means this one. */
export const REGISTRY_DEFAULT_PORT = 443;

/** A host split into its canonical name and the port written with it (if any). */
export interface HostPort {
  /** Lowercase, punycode, no final dot; IPv4 dotted; IPv6 bracketed and shortest (IPv4-mapped ones as IPv4). */
  name: string;
  port?: number;
}

/** The canonical form of a host name or address (see {@link HostPort.name}); undefined when it is not one. */
function canonicalName(name: string): string | undefined {
  let url: URL;
  try {
    // The URL standard's host parser: lowercase, IDNA, IPv4 in all its forms (`127.1`, hex, octal), IPv6.
    url = new URL(`http://${name}/`);
  } catch {
    return undefined;
  }
  let host = url.hostname;
  if (url.host !== host || host === '') return undefined; // a port or userinfo slipped in
  if (host.endsWith('.')) host = host.slice(0, -1);
  // An IPv4-mapped IPv6 address reaches the IPv4 host: `[::ffff:7f00:1]` is 127.0.0.1.
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    host = [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return host;
}

/** Splits and canonicalises `host[:port]`; undefined when it is not a host with an optional port. */
export function parseHost(hostPort: string): HostPort | undefined {
  const m = /^(\[[^\]]*\]|[^:]*)(?::([0-9]{1,5}))?$/.exec(hostPort.trim());
  if (!m) return undefined;
  const name = canonicalName(m[1]!);
  if (name === undefined) return undefined;
  if (m[2] === undefined) return { name };
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { name, port } : undefined;
}

/**
 * `host[:port]` in one spelling, the port kept when written (`127.1:5000` → `127.0.0.1:5000`,
 * `Registry.Example.com.` → `registry.example.com`); unparseable text comes back lowercase and trimmed.
 */
export function normalizeHost(hostPort: string): string {
  const h = parseHost(hostPort);
  if (!h) return hostPort.trim().toLowerCase();
  return h.port === undefined ? h.name : `${h.name}:${h.port}`;
}

/**
 * What identifies a registry host, for credentials and insecure lists: the canonical name, and the port
 * unless it is the default 443 (`host:443` and `host` are one registry).
 */
export function registryHostKey(hostPort: string): string {
  const h = parseHost(hostPort);
  if (!h) return hostPort.trim().toLowerCase();
  return h.port === undefined || h.port === REGISTRY_DEFAULT_PORT ? h.name : `${h.name}:${h.port}`;
}

/** True when two `host[:port]` strings name the same registry ({@link registryHostKey}). */
export function sameRegistryHost(a: string, b: string): boolean {
  return registryHostKey(a) === registryHostKey(b);
}

/**
 * True when `entry` of an insecure list covers `hostPort`: the same registry, or, for an entry without a
 * port, any port of the same host.
 */
export function insecureEntryMatches(entry: string, hostPort: string): boolean {
  const e = parseHost(entry);
  const h = parseHost(hostPort);
  if (!e || !h) return false;
  return e.port === undefined ? e.name === h.name : sameRegistryHost(entry, hostPort);
}

/**
 * The URL with its host in the canonical spelling (a redirect to `[::ffff:127.0.0.1]` or `HOST.` is followed
 * to `127.0.0.1` or `host`: the same host, reached and verified under one name).
 */
export function canonicalUrl(url: URL): URL {
  const name = canonicalName(url.hostname);
  const out = new URL(url.href);
  if (name !== undefined && name !== url.hostname) out.hostname = name;
  return out;
}

/**
 * Where a URL connects, as `name:port` with the scheme's default port filled in: what redirect targets and
 * token realms are compared by. Another port is another host.
 */
export function urlEndpoint(url: URL): string {
  const name = canonicalName(url.hostname) ?? url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  return `${name}:${port}`;
}

/** Parses `HOST[:PORT]/REPOSITORY`; throws an Error whose message is a sentence saying what is wrong. */
export function parseRegistryReference(text: string): RegistryReference {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new Error(
      `"${text}" has a URL scheme; give HOST[:PORT]/REPOSITORY without it (e.g. registry.example.com/team/app).`,
    );
  const slash = text.indexOf('/');
  if (slash <= 0)
    throw new Error(`"${text}" is not HOST[:PORT]/REPOSITORY (e.g. registry.example.com/team/app).`);
  const host = text.slice(0, slash);
  const repository = text.slice(slash + 1);
  if (!isHostPort(host)) throw new Error(`"${host}" is not a registry host name with an optional port.`);
  if (!REPOSITORY.test(repository))
    throw new Error(
      `"${repository}" is not a repository name (lowercase letters and digits, with ".", "_" or "-" between them and "/" between parts; no tag or digest).`,
    );
  return { host: normalizeHost(host), repository };
}

/** True for a `host` or `host:port` string that names a valid host (used for `--insecure`). */
export function isHostPort(text: string): boolean {
  return HOST.test(text) && parseHost(text) !== undefined;
}

/** The canonical host name of `host[:port]` (IPv6 literals keep their brackets). */
export function hostName(hostPort: string): string {
  return parseHost(hostPort)?.name ?? hostPort.toLowerCase();
}

/** True for `localhost`, 127.0.0.0/8 and ::1 however written, with or without a port. */
export function isLoopback(hostPort: string): boolean {
  const host = hostName(hostPort);
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]';
}
