/** Registry references (`HOST[:PORT]/REPOSITORY`) and which hosts may be reached without TLS. Pure. */

export interface RegistryReference {
  /** `host[:port]`, lowercase. */
  host: string;
  /** The repository name, e.g. `team/app`. */
  repository: string;
}

const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;
/** distribution-spec's `<name>` grammar. */
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

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
  if (!HOST.test(host)) throw new Error(`"${host}" is not a registry host name with an optional port.`);
  if (!REPOSITORY.test(repository))
    throw new Error(
      `"${repository}" is not a repository name (lowercase letters and digits, with ".", "_" or "-" between them and "/" between parts; no tag or digest).`,
    );
  return { host: host.toLowerCase(), repository };
}

/** True for a `host` or `host:port` string that names a valid host (used for `--insecure`). */
export function isHostPort(text: string): boolean {
  return HOST.test(text);
}

/** The host part of `host[:port]` (IPv6 literals keep their brackets), lowercase. */
export function hostName(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(0, hostPort.indexOf(']') + 1).toLowerCase();
  const colon = hostPort.lastIndexOf(':');
  return (colon > 0 ? hostPort.slice(0, colon) : hostPort).toLowerCase();
}

/** True for `localhost`, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopback(hostPort: string): boolean {
  const host = hostName(hostPort);
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]';
}
