/**
 * Image references as docker and skopeo write them: `[docker://][HOST[:PORT]/]REPOSITORY[:TAG][@DIGEST]`. Pure.
 *
 * The rules are Docker's (the `distribution/reference` normalisation every registry tool follows):
 * - The first `/`-separated part is a registry host when it has a `.` or a `:` or is `localhost`; otherwise the
 *   reference is a Docker Hub one (`alpine`, `team/app`). (Docker also takes a first part with an uppercase
 *   letter for a host; here it stays a repository part, which must be lowercase, so `Host/app` is an error
 *   rather than a host spelt two ways.)
 * - Docker Hub is written `docker.io` (also `index.docker.io`); a one-part Docker Hub repository is in
 *   `library/` (`alpine` is `docker.io/library/alpine`). Its API answers at `registry-1.docker.io`
 *   ({@link registryEndpoint}).
 * - The tag follows the last `:` after the last `/`; the digest follows `@`. With neither, the tag is `latest`
 *   ({@link manifestTarget}).
 * - The repository follows distribution-spec's `<name>` grammar (lowercase), the tag its
 *   `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, the digest image-spec's digest grammar.
 *
 * Whether a command-line argument is a reference or a path is not decided here: a path that exists on disk is
 * always a path (the CLI checks the disk first).
 */
import { validateDigest } from '../digest';
import { isHostPort, normalizeHost, REPOSITORY } from './reference';

/** A parsed image reference. */
export interface ImageReference {
  /** The registry host in its canonical spelling (reference.ts `normalizeHost`); `docker.io` for Docker Hub. */
  host: string;
  /** The repository (`<name>`), e.g. `team/app` or `library/alpine`. */
  repository: string;
  /** The tag, when one was written. */
  tag?: string;
  /** The digest, when one was written (then it decides which manifest is meant; a tag is only a label). */
  digest?: string;
}

/** How Docker Hub is written in references and Docker configs. */
export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API answers. */
export const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';
/** The tag a reference without tag or digest names. */
export const DEFAULT_TAG = 'latest';

/** distribution-spec's tag grammar. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** Many clients refuse a `HOST/REPOSITORY` longer than this (distribution-spec's implementers' note). */
const MAX_NAME_LENGTH = 255;

const DOCKER_SCHEME = /^docker:\/\//i;

/** The host requests go to: Docker Hub's API host for `docker.io`, the host itself otherwise. */
export function registryEndpoint(host: string): string {
  return host === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : host;
}

/** True when `text` is a valid tag. */
export function isTag(text: string): boolean {
  return TAG.test(text);
}

/** True when the first path part of a reference is a registry host rather than a Docker Hub namespace. */
function looksLikeHost(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost';
}

/**
 * Parses an image reference; throws an Error whose message is one sentence saying what is wrong and what is
 * expected.
 */
export function parseImageReference(text: string): ImageReference {
  const shown = JSON.stringify(text);
  let rest = text.replace(DOCKER_SCHEME, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest))
    throw new Error(
      `${shown} has a URL scheme; write a reference as HOST[:PORT]/REPOSITORY[:TAG][@DIGEST] (an optional docker:// is allowed).`,
    );
  if (rest === '') throw new Error('An empty string is not an image reference.');
  if (/\s/.test(rest)) throw new Error(`${shown} holds white space, which no image reference may.`);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const verdict = validateDigest(digest);
    if (!verdict.ok)
      throw new Error(`The digest ${JSON.stringify(digest)} in ${shown} ${verdict.explanation}.`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag))
      throw new Error(
        `The tag ${JSON.stringify(tag)} in ${shown} is not a tag (a letter, digit or "_", then up to 127 letters, digits, ".", "_" or "-").`,
      );
  }
  let host: string = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0 && looksLikeHost(rest.slice(0, slash))) {
    const written = rest.slice(0, slash);
    // A trailing dot (a fully qualified name) is refused as docker refuses it: normalised away, the host would
    // no longer read as one ("a./b" would become "a/b", a Docker Hub repository).
    if (!isHostPort(written) || /\.(?::|$)/.test(written))
      throw new Error(
        `${JSON.stringify(written)} in ${shown} is not a registry host name with an optional port.`,
      );
    host = normalizeHost(written);
    if (host === 'index.docker.io') host = DOCKER_HUB;
    repository = rest.slice(slash + 1);
  }
  if (repository === '')
    throw new Error(`${shown} names no repository; write HOST[:PORT]/REPOSITORY[:TAG][@DIGEST].`);
  if (host === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository !== repository.toLowerCase() && REPOSITORY.test(repository.toLowerCase()))
    throw new Error(`The repository ${JSON.stringify(repository)} in ${shown} must be lowercase.`);
  if (!REPOSITORY.test(repository))
    throw new Error(
      `${JSON.stringify(repository)} in ${shown} is not a repository name (lowercase letters and digits, with ".", "_" or "-" between them and "/" between parts).`,
    );
  if (host.length + 1 + repository.length > MAX_NAME_LENGTH)
    throw new Error(
      `${shown} is longer than the ${MAX_NAME_LENGTH} characters registries accept for HOST/REPOSITORY.`,
    );
  return {
    host,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** {@link parseImageReference}, or undefined instead of an error. */
export function tryParseImageReference(text: string): ImageReference | undefined {
  try {
    return parseImageReference(text);
  } catch {
    return undefined;
  }
}

/** What to ask `/v2/<name>/manifests/<…>` for: the digest when there is one, else the tag, else `latest`. */
export function manifestTarget(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** The reference in its canonical spelling: `host/repository[:tag][@digest]` (parses back to the same value). */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.host}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
