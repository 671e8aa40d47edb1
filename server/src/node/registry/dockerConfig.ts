/**
 * Registry credentials from the user's Docker configuration: `auths` entries (base64 `auth`, or
 * `username`/`password`, or an `identitytoken`) and credential helpers (`credHelpers` per host, or
 * `credsStore` for all), run as `docker-credential-<name> get`. Secrets are returned to the caller and
 * never logged or put into messages.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeHost, registryHostKey, sameRegistryHost } from '../../core/verify/reference';

/** Credentials for one registry: a user name with a password, or with an identity (refresh) token. */
export type RegistryCredentials =
  { username: string; password: string } | { username?: string; identityToken: string };

/** Looks up credentials for a registry host (`host[:port]`). */
export type CredentialLookup = (host: string) => Promise<RegistryCredentials | undefined>;

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

const HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];

/**
 * The `host[:port]` of an `auths` or `credHelpers` key, which may be a bare host or a URL such as
 * `https://index.docker.io/v1/` (its scheme and path are not part of the registry's name).
 */
export function authKeyHost(key: string): string {
  let k = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return k.slice(k.lastIndexOf('@') + 1);
}

const isHub = (host: string): boolean => HUB_ALIASES.includes(registryHostKey(host));

/** One registry however written (core/verify/reference.ts), Docker Hub under any of its names. */
function sameRegistry(key: string, host: string): boolean {
  const keyHost = authKeyHost(key);
  return sameRegistryHost(keyHost, host) || (isHub(keyHost) && isHub(host));
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Runs `docker-credential-<helper> get` for `server`; undefined when the helper has nothing for it. */
export function runCredentialHelper(
  helper: string,
  server: string,
  timeoutMs = 10_000,
): Promise<RegistryCredentials | undefined> {
  if (!HELPER_NAME.test(helper))
    return Promise.reject(new Error(`the credential helper name ${JSON.stringify(helper)} is not valid`));
  return new Promise((resolve, reject) => {
    const child = execFile(
      `docker-credential-${helper}`,
      ['get'],
      { timeout: timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true },
      (err, stdout) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean };
          // The helper's own output may echo the request; only its exit is reported.
          if (e.code === 'ENOENT')
            reject(new Error(`the credential helper docker-credential-${helper} is not installed`));
          else if (e.killed)
            reject(
              new Error(
                `the credential helper docker-credential-${helper} did not answer in ${timeoutMs / 1000} s`,
              ),
            );
          else if (/credentials not found/i.test(stdout)) resolve(undefined);
          else reject(new Error(`the credential helper docker-credential-${helper} failed`));
          return;
        }
        try {
          const j = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
          const user = typeof j.Username === 'string' ? j.Username : '';
          const secret = typeof j.Secret === 'string' ? j.Secret : '';
          if (!secret) return resolve(undefined);
          resolve(user === '<token>' ? { identityToken: secret } : { username: user, password: secret });
        } catch {
          reject(new Error(`the credential helper docker-credential-${helper} did not answer with JSON`));
        }
      },
    );
    child.stdin?.end(server);
  });
}

/** Docker configs are a few kilobytes; a larger file is refused rather than read whole. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * The config file's text: opened non-blocking (a FIFO at that path must not hang the lookup), checked to be a
 * regular file on the descriptor, and read only when at most MAX_CONFIG_BYTES long.
 */
async function readConfigText(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    if (st.size > MAX_CONFIG_BYTES)
      throw Object.assign(new Error('too large'), { code: `larger than ${MAX_CONFIG_BYTES} bytes` });
    // One byte more than the size: a file that grew since the stat is noticed, not read on.
    const buf = Buffer.alloc(st.size + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > st.size) throw Object.assign(new Error('changed'), { code: 'it changed while being read' });
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    await handle.close();
  }
}

interface DockerConfig {
  auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown }>;
  credHelpers?: Record<string, unknown>;
  credsStore?: unknown;
}

/**
 * A lookup over a Docker config file (read once, lazily). A missing file means no credentials; an
 * unreadable or malformed one is an error naming the file (never its content).
 */
export function dockerConfigLookup(
  file: string = dockerConfigPath(),
  runHelper: typeof runCredentialHelper = runCredentialHelper,
): CredentialLookup {
  let loaded: Promise<DockerConfig | undefined> | undefined;
  const load = (): Promise<DockerConfig | undefined> =>
    (loaded ??= readConfigText(file).then(
      (text) => {
        try {
          const j = JSON.parse(text) as unknown;
          return typeof j === 'object' && j !== null ? (j as DockerConfig) : {};
        } catch {
          throw new Error(`${file} is not valid JSON`);
        }
      },
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw new Error(`cannot read ${file}: ${err.code ?? 'error'}`);
      },
    ));
  return async (host) => {
    const config = await load();
    if (!config) return undefined;
    const helpers = config.credHelpers && typeof config.credHelpers === 'object' ? config.credHelpers : {};
    for (const [key, helper] of Object.entries(helpers))
      if (typeof helper === 'string' && sameRegistry(key, host)) return runHelper(helper, key);
    const auths = config.auths && typeof config.auths === 'object' ? config.auths : {};
    for (const [key, entry] of Object.entries(auths)) {
      if (!entry || typeof entry !== 'object' || !sameRegistry(key, host)) continue;
      if (typeof entry.identitytoken === 'string' && entry.identitytoken)
        return {
          identityToken: entry.identitytoken,
          ...(typeof entry.username === 'string' ? { username: entry.username } : {}),
        };
      if (typeof entry.auth === 'string' && entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
      if (typeof entry.username === 'string' && typeof entry.password === 'string')
        return { username: entry.username, password: entry.password };
    }
    if (typeof config.credsStore === 'string' && config.credsStore) {
      return runHelper(config.credsStore, isHub(host) ? 'https://index.docker.io/v1/' : normalizeHost(host));
    }
    return undefined;
  };
}
