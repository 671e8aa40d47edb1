/**
 * Registries in the editor (host/registryAccess.ts), over THE registry client (node/registry/client.ts): one
 * client per host for the server's life (its connections, its token cache), made again only when the client
 * sends other credentials for the host or the insecure hosts change. Documents are named by digest; what a
 * reference resolved to is kept (bounded), so that opening it costs one round trip after the token and a
 * document whose bytes are not the ones announced still opens, as served, with the error on it.
 */
import { BlobSourceError } from '../core/content/source';
import { validateDigest } from '../core/digest';
import { repositoryScope } from '../core/verify/distribution';
import { formatImageReference, manifestTarget, parseImageReference } from '../core/verify/imageReference';
import { normalizeHost, parseRegistryReference, sameRegistryHost } from '../core/verify/reference';
import {
  blobSummaryText,
  documentShape,
  indexEntries,
  isJsonMediaType,
  namedDescriptors,
  type NamedDescriptor,
} from '../core/verify/registryDocuments';
import type { ServedManifest } from '../core/verify/served';
import { MANIFEST_MEDIA_TYPES } from '../core/verify/verify';
import type { RegistryAccess, RegistryReach } from '../host/registryAccess';
import { blobUri, type RegistryEntry, type VerifyCredentials } from '../protocol';
import { registrySource, type RegistryContentSource } from './content/registrySource';
import { looksLikeJson } from './layoutGraph';
import { ManifestMismatchError, RegistryClient, shownUrl, MAX_UNSIZED_BODY } from './registry/client';
import { describeNetError, discard } from './registry/http';

/** Documents kept after they were read (by count and by bytes). */
const MAX_KEPT = 200;
const MAX_KEPT_BYTES = 64 * 1024 * 1024;
/** Descriptors remembered from the documents read (to show a layer's, and to know a config is JSON). */
const MAX_DESCRIPTORS = 20_000;
/** How long a tag's digest is trusted for hovers. */
const TAG_TTL_MS = 30_000;
/** A tag hover waits at most this long for the registry. */
const TAG_TIMEOUT_MS = 5_000;
/** A replaced client is closed this long after (requests in flight finish on it). */
const RETIRE_MS = 60_000;
const SNIFF_BYTES = 512;

type Served = Omit<ServedManifest, 'text' | 'parsed'>;

interface Kept {
  text: string;
  where: string;
  served?: Served;
}

const keyOf = (locator: string, digest: string): string => `${locator}@${digest}`;
const decode = (bytes: Uint8Array): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

/** An error of the registry client as a sentence (never holding credentials: the client's messages do not). */
function sentence(err: unknown, host: string): Error {
  if (err instanceof Error && err.name === 'AbortError') return err;
  const text =
    err instanceof BlobSourceError
      ? err.message
      : err instanceof Error && (err as NodeJS.ErrnoException).code
        ? describeNetError(err, host)
        : err instanceof Error
          ? err.message
          : String(err);
  const cause = (err as { cause?: unknown })?.cause;
  const shown =
    err instanceof BlobSourceError && err.reason === 'io' && cause ? describeNetError(cause, host) : text;
  return new Error(/[.!?]$/.test(shown) ? shown : `${shown}.`);
}

const credentialKey = (c: VerifyCredentials | undefined): string | undefined =>
  c ? `${c.username}\u0000${c.password}` : undefined;

export function createRegistryAccess(now: () => number = Date.now): RegistryAccess {
  const clients = new Map<string, { client: RegistryClient; credentials?: string; insecure: string }>();
  const sources = new Map<string, { client: RegistryClient; source: RegistryContentSource }>();
  const kept = new Map<string, Kept>();
  let keptBytes = 0;
  const servedBy = new Map<string, Served>();
  const descriptors = new Map<string, NamedDescriptor>();
  const tags = new Map<
    string,
    { value: { digest?: string; mediaType?: string; size?: number } | undefined; at: number }
  >();
  const retiring = new Set<ReturnType<typeof setTimeout>>();
  let defaultInsecure: readonly string[] = [];

  function clientFor(hostWritten: string, reach: RegistryReach): RegistryClient {
    const host = normalizeHost(hostWritten);
    const insecure = [...reach.insecure].sort().join(',');
    const given = credentialKey(reach.credentials);
    const have = clients.get(host);
    if (have && have.insecure === insecure && (given === undefined || given === have.credentials))
      return have.client;
    if (have) {
      const t = setTimeout(() => {
        retiring.delete(t);
        have.client.close();
      }, RETIRE_MS);
      t.unref?.();
      retiring.add(t);
    }
    const client = new RegistryClient(host, {
      insecure: reach.insecure,
      timeoutMs: 20_000,
      ...(reach.credentials ? { credentials: { ...reach.credentials } } : {}),
    });
    clients.set(host, { client, insecure, ...(given !== undefined ? { credentials: given } : {}) });
    return client;
  }

  function keep(key: string, value: Kept): void {
    const old = kept.get(key);
    if (old) {
      keptBytes -= old.text.length;
      kept.delete(key);
    }
    if (value.text.length > MAX_KEPT_BYTES) return;
    kept.set(key, value);
    keptBytes += value.text.length;
    while (kept.size > MAX_KEPT || keptBytes > MAX_KEPT_BYTES) {
      const [oldest, v] = kept.entries().next().value as [string, Kept];
      kept.delete(oldest);
      keptBytes -= v.text.length;
    }
  }

  /** Remembers what a document served, and the descriptors it names. */
  function learn(locator: string, digest: string, text: string, served: Served | undefined): unknown {
    servedBy.delete(keyOf(locator, digest));
    if (served) {
      if (servedBy.size >= MAX_KEPT * 10) servedBy.delete(servedBy.keys().next().value!);
      servedBy.set(keyOf(locator, digest), served);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    for (const d of namedDescriptors(value)) {
      if (descriptors.size >= MAX_DESCRIPTORS) descriptors.delete(descriptors.keys().next().value!);
      descriptors.set(keyOf(locator, d.digest), d);
    }
    return value;
  }

  const entryOf = (locator: string, d: NamedDescriptor | RegistryEntry): RegistryEntry => ({
    digest: d.digest,
    ...(d.mediaType !== undefined ? { mediaType: d.mediaType } : {}),
    ...(d.size !== undefined ? { size: d.size } : {}),
    ...(d.platform !== undefined ? { platform: d.platform } : {}),
    ...(d.artifactType !== undefined ? { artifactType: d.artifactType } : {}),
    ...(d.annotations !== undefined ? { annotations: d.annotations } : {}),
    reference: `${locator}@${d.digest}`,
    uri: blobUri({ source: 'registry', locator, digest: d.digest }),
  });

  /** A manifest by tag or digest: its text and how it was served, or undefined (404). */
  async function fetchManifest(
    client: RegistryClient,
    locator: string,
    repository: string,
    target: string,
    signal: AbortSignal,
  ): Promise<{ text: string; digest: string; size: number; mediaType?: string; served: Served } | undefined> {
    const where = validateDigest(target).ok ? `${locator}@${target}` : `${locator}:${target}`;
    try {
      const m = await client.getManifest(repository, target, { signal });
      if (!m) return undefined;
      return {
        text: decode(m.bytes),
        digest: m.digest,
        size: m.bytes.length,
        ...(m.mediaType ? { mediaType: m.mediaType } : {}),
        served: { where, ...(m.mediaType ? { contentType: m.mediaType } : {}) },
      };
    } catch (err) {
      if (!(err instanceof ManifestMismatchError)) throw err;
      return {
        text: decode(err.bytes),
        // Named by what was asked for; a tag's document by what it served.
        digest: err.against === 'request' && err.expectedDigest ? err.expectedDigest : err.actualDigest,
        size: err.bytes.length,
        served: { where, mismatch: err.served },
      };
    }
  }

  /** A blob that is not a manifest: a JSON blob's text (checked), else the summary of a HEAD. */
  async function readBlob(
    client: RegistryClient,
    locator: string,
    repository: string,
    digest: string,
    signal: AbortSignal,
  ): Promise<Kept> {
    const descriptor = descriptors.get(keyOf(locator, digest));
    const path = `/v2/${repository}/blobs/${digest}`;
    const r = await client.request({ method: 'HEAD', path, scopes: [repositoryScope(repository)], signal });
    discard(r.res);
    if (r.status === 404)
      throw new Error(`${locator} has no manifest or blob ${digest} (the registry answered 404).`);
    if (r.status !== 200) throw await client.unexpected(r, 'HEAD');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.res.headers))
      if (k !== 'set-cookie' && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const length = /^\d+$/.test(headers['content-length'] ?? '')
      ? Number(headers['content-length'])
      : undefined;
    const size = descriptor?.size ?? length;
    const where = `${locator}@${digest}`;
    let json = descriptor?.mediaType !== undefined && isJsonMediaType(descriptor.mediaType);
    if (!json && size !== undefined && size <= MAX_UNSIZED_BODY && !(descriptor?.role === 'layers')) {
      const head = await client.openBlob(
        repository,
        { digest, size, manifest: false },
        { signal, maxBytes: Math.min(SNIFF_BYTES, size) },
      );
      if (head) {
        const parts: Uint8Array[] = [];
        for await (const c of head.chunks) parts.push(c);
        json = looksLikeJson(Buffer.concat(parts));
      }
    }
    if (json && size !== undefined && size <= MAX_UNSIZED_BODY) {
      try {
        const got = await client.fetchBlob(repository, { digest, size }, { signal });
        if (got) return { text: decode(got.bytes), where };
      } catch (err) {
        if (!(err instanceof ManifestMismatchError)) throw err;
        return { text: decode(err.bytes), where, served: { where, mismatch: err.served } };
      }
    }
    return {
      text: blobSummaryText({
        reference: where,
        ...(descriptor ? { descriptor } : {}),
        head: { request: `HEAD ${shownUrl(r.start)}`, status: r.status, headers },
      }),
      where,
    };
  }

  return {
    async open(reference, reach, signal) {
      const written = reference.trim();
      const ref = parseImageReference(written);
      const locator = `${ref.host}/${ref.repository}`;
      // Credentials go with the host the reference names as written: `registry.example.com` alone is a Docker Hub
      // repository, and credentials the client found for a host of that name must not go to Docker Hub.
      const first = written.replace(/^docker:\/\//i, '').split('/')[0]!;
      const named = written.includes('/') && sameRegistryHost(first, ref.host);
      const client = clientFor(ref.host, named ? reach : { insecure: reach.insecure });
      const shown = formatImageReference(ref);
      let m;
      try {
        m = await fetchManifest(client, locator, ref.repository, manifestTarget(ref), signal);
      } catch (err) {
        throw sentence(err, ref.host);
      }
      if (!m)
        throw new Error(
          `${shown}: the registry has no manifest ${JSON.stringify(manifestTarget(ref))} in ${ref.repository} (404).`,
        );
      const value = learn(locator, m.digest, m.text, m.served);
      keep(keyOf(locator, m.digest), { text: m.text, where: shown, served: m.served });
      const kind = documentShape(value);
      return {
        reference: shown,
        repository: locator,
        digest: m.digest,
        ...(m.mediaType ? { mediaType: m.mediaType } : {}),
        size: m.size,
        kind,
        uri: blobUri({ source: 'registry', locator, digest: m.digest }),
        entries: kind === 'index' ? indexEntries(value).map((d) => entryOf(locator, d)) : [],
        ...(m.served.mismatch ? { mismatch: m.served.mismatch.message } : {}),
      };
    },

    async read(locatorWritten, digest, reach, signal) {
      const loc = parseRegistryReference(locatorWritten);
      const locator = `${loc.host}/${loc.repository}`;
      if (!validateDigest(digest).ok) throw new Error(`${JSON.stringify(digest)} is not a digest.`);
      const hit = kept.get(keyOf(locator, digest));
      if (hit) return { text: hit.text, where: hit.where };
      const client = clientFor(loc.host, reach);
      try {
        const descriptor = descriptors.get(keyOf(locator, digest));
        const manifestLike =
          descriptor === undefined ||
          descriptor.role === 'manifests' ||
          descriptor.role === 'subject' ||
          (descriptor.mediaType !== undefined && MANIFEST_MEDIA_TYPES.includes(descriptor.mediaType));
        let doc: Kept | undefined;
        if (manifestLike) {
          const m = await fetchManifest(client, locator, loc.repository, digest, signal);
          if (m) doc = { text: m.text, where: m.served.where, served: m.served };
        }
        doc ??= await readBlob(client, locator, loc.repository, digest, signal);
        learn(locator, digest, doc.text, doc.served);
        keep(keyOf(locator, digest), doc);
        return { text: doc.text, where: doc.where };
      } catch (err) {
        throw sentence(err, loc.host);
      }
    },

    served(locatorWritten, digest) {
      try {
        const loc = parseRegistryReference(locatorWritten);
        return servedBy.get(keyOf(`${loc.host}/${loc.repository}`, digest));
      } catch {
        return undefined;
      }
    },

    configure(insecure) {
      defaultInsecure = [...insecure];
    },

    source(locatorWritten) {
      const loc = parseRegistryReference(locatorWritten);
      const locator = `${loc.host}/${loc.repository}`;
      const client = clientFor(loc.host, { insecure: defaultInsecure });
      const have = sources.get(locator);
      if (have && have.client === client) return have.source;
      const source = registrySource(locator, {}, client);
      sources.set(locator, { client, source });
      return source;
    },

    async catalog(registry, reach, signal) {
      const host = normalizeHost(
        registry
          .trim()
          .replace(/^docker:\/\//i, '')
          .split('/')[0]!,
      );
      const client = clientFor(host, reach);
      try {
        const list = await client.catalog({ signal, limit: 10_000 });
        if (!list)
          return {
            available: false,
            repositories: [],
            truncated: false,
            reason: `${host} has no catalog (/v2/_catalog answered 404).`,
          };
        return { available: true, repositories: list.items, truncated: list.truncated };
      } catch (err) {
        if (err instanceof BlobSourceError && err.reason === 'auth')
          return {
            available: false,
            repositories: [],
            truncated: false,
            reason: sentence(err, host).message,
          };
        throw sentence(err, host);
      }
    },

    async tags(repository, reach, signal) {
      const loc = parseRegistryReference(repository);
      try {
        const list = await clientFor(loc.host, reach).listTags(loc.repository, { signal, limit: 10_000 });
        return list
          ? { found: true, tags: list.items, truncated: list.truncated }
          : { found: false, tags: [], truncated: false };
      } catch (err) {
        throw sentence(err, loc.host);
      }
    },

    async referrers(repository, digest, reach, signal) {
      const loc = parseRegistryReference(repository);
      const locator = `${loc.host}/${loc.repository}`;
      try {
        const r = await clientFor(loc.host, reach).referrers(loc.repository, digest, { signal });
        const referrers: RegistryEntry[] = [];
        for (const m of r.manifests) {
          if (!validateDigest(m.digest).ok) continue;
          const [d] = namedDescriptors({ manifests: [m] });
          if (d) referrers.push(entryOf(locator, d));
        }
        return { referrers, via: r.via, ...(r.tag ? { tag: r.tag } : {}), warnings: r.warnings };
      } catch (err) {
        throw sentence(err, loc.host);
      }
    },

    async resolveTag(host, repository, tag, reach, signal) {
      const key = `${normalizeHost(host)}/${repository}:${tag}`;
      const hit = tags.get(key);
      if (hit && now() - hit.at < TAG_TTL_MS) return hit.value && { ...hit.value, at: hit.at };
      const timeout = AbortSignal.timeout(TAG_TIMEOUT_MS);
      const both = AbortSignal.any([signal, timeout]);
      try {
        const head = await clientFor(host, reach).headManifest(repository, tag, { signal: both });
        const value = head && {
          ...(head.digest ? { digest: head.digest } : {}),
          ...(head.mediaType ? { mediaType: head.mediaType } : {}),
          ...(head.size !== undefined ? { size: head.size } : {}),
        };
        const at = now();
        tags.set(key, { value, at });
        if (tags.size > 1000) tags.delete(tags.keys().next().value!);
        return value && { ...value, at };
      } catch (err) {
        if (timeout.aborted && !signal.aborted)
          throw new Error(`${normalizeHost(host)} did not answer within ${TAG_TIMEOUT_MS / 1000} s.`, {
            cause: err,
          });
        throw sentence(err, host);
      }
    },

    close() {
      for (const t of retiring) clearTimeout(t);
      retiring.clear();
      for (const { client } of clients.values()) client.close();
      clients.clear();
      sources.clear();
    },
  };
}
