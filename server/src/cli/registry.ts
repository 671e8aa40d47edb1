/**
 * Image references on the command line: which arguments are references, one registry client per host for the
 * whole run (node/registry/client.ts: one connection pool and token cache each), and a manifest fetched by
 * reference as lint, verify and audit use it: its text as served, and the findings about how it was served.
 *
 * A path that exists on disk is always a path; so is an argument that starts with `./`, `../`, `/` or `~`, ends
 * in `.json`, or is a single word without `/`, `:` or `@` (a mistyped file name is reported as a missing file,
 * not looked up on Docker Hub: write `alpine:latest` or `docker.io/library/alpine` for the image).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobSourceError } from '../core/content/source';
import type { Finding } from '../core/findings';
import type { SeverityOverrides } from '../core/index';
import { parseJson } from '../core/json/document';
import {
  formatImageReference,
  manifestTarget,
  tryParseImageReference,
  type ImageReference,
} from '../core/verify/imageReference';
import { verifyTree, type ImageReport, type VerifyImageOptions } from '../core/verify/layout';
import { servedFindings } from '../core/verify/served';
import { registrySource, type RegistryContentSource } from '../node/content/registrySource';
import { ManifestMismatchError, RegistryClient, type RegistryOptions } from '../node/registry/client';
import type { RegistryAccessOptions } from './args';

const PATH_LIKE = /^(?:\.{1,2}(?:[\\/]|$)|[\\/~])|\.json$/i;

/** The image reference an argument names, or undefined when it is a path (see the header). */
export function referenceOf(arg: string, cwd: string): ImageReference | undefined {
  // A single word (`alpine`, `manifest`) is far more often a mistyped file name than an image: it stays a path.
  if (arg === '' || PATH_LIKE.test(arg) || !/[/:@]/.test(arg)) return undefined;
  try {
    fs.lstatSync(path.resolve(cwd, arg));
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Something is there that cannot be looked at: a path, whose reading reports the problem.
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
  }
  return tryParseImageReference(arg);
}

/** The registry client options of a command (`--insecure`, `--timeout`, and the connections it may open). */
export function registryOptions(cmd: RegistryAccessOptions, maxSockets?: number): RegistryOptions {
  return {
    insecure: cmd.insecure,
    ...(cmd.timeoutMs !== undefined ? { connectTimeoutMs: cmd.timeoutMs, timeoutMs: cmd.timeoutMs } : {}),
    ...(maxSockets !== undefined ? { maxSockets } : {}),
  };
}

/** One registry client per host for a run; close it at the end. */
export class RegistryPool {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(readonly options: RegistryOptions) {}

  client(host: string): RegistryClient {
    let c = this.clients.get(host);
    if (!c) {
      c = new RegistryClient(host, this.options);
      this.clients.set(host, c);
    }
    return c;
  }

  /** The repository of `ref` as a content source over the host's client. */
  source(ref: Pick<ImageReference, 'host' | 'repository'>): RegistryContentSource {
    return registrySource(`${ref.host}/${ref.repository}`, this.options, this.client(ref.host));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/** A manifest fetched by reference. */
export interface FetchedDocument {
  ref: ImageReference;
  /** The reference as shown in output (its canonical spelling). */
  shown: string;
  bytes: Uint8Array;
  /** The bytes as text (UTF-8; invalid bytes shown as U+FFFD: lint reports them from `bytes`). */
  text: string;
  /** The digest of the bytes. */
  digest: string;
  mediaType?: string;
  /** A link to the manifest by digest on its registry (for SARIF). */
  uri: string;
  /** `oci/registry-digest-mismatch` and `oci/registry-media-type`, when they apply. */
  served: Finding[];
}

/** Fetches the manifest `ref` names: the document, or a sentence saying why not (exit status 2). */
export async function fetchReference(
  pool: RegistryPool,
  ref: ImageReference,
  options: { signal?: AbortSignal; severities?: SeverityOverrides; tag?: string } = {},
): Promise<FetchedDocument | { error: string; missing?: boolean }> {
  const shown = formatImageReference(ref);
  const target = options.tag ?? manifestTarget(ref);
  let bytes: Uint8Array;
  let digest: string;
  let mediaType: string | undefined;
  let where: string;
  let mismatch: ManifestMismatchError | undefined;
  try {
    const m = await pool.client(ref.host).getManifest(ref.repository, target, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!m)
      return {
        error: `${shown}: the registry has no manifest ${JSON.stringify(target)} in ${ref.repository} (404)${orNoFile(ref)}.`,
        missing: true,
      };
    ({ bytes, digest, where } = m);
    mediaType = m.mediaType;
  } catch (err) {
    if (!(err instanceof ManifestMismatchError))
      return { error: `${shown}: ${describeError(err).replace(/[.]$/, '')}${orNoFile(ref)}.` };
    mismatch = err;
    bytes = err.bytes;
    digest = err.actualDigest;
    where = err.where;
  }
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  let parsed;
  try {
    parsed = parseJson(text);
  } catch {
    parsed = undefined;
  }
  const served = servedFindings(
    {
      text,
      ...(parsed ? { parsed } : {}),
      ...(mediaType ? { contentType: mediaType } : {}),
      where: shown,
      ...(mismatch
        ? {
            mismatch: {
              message: mismatch.message,
              actualDigest: mismatch.actualDigest,
              ...(mismatch.expectedDigest ? { expectedDigest: mismatch.expectedDigest } : {}),
            },
          }
        : {}),
    },
    options.severities,
  );
  return {
    ref,
    shown,
    bytes,
    text,
    digest,
    ...(mediaType ? { mediaType } : {}),
    uri: where.replace(/\/manifests\/[^/]*$/, `/manifests/${digest}`),
    served,
  };
}

/** For a Docker Hub reference (which a mistyped path also parses as): that no such file exists either. */
const orNoFile = (ref: ImageReference): string =>
  ref.host === 'docker.io' ? '; no file or folder of that name exists either' : '';

/** An error of the registry client (or any other) as the end of a sentence. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.name === 'AbortError') return 'cancelled.';
  const text = err instanceof BlobSourceError ? message : `failed (${message})`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * `verify REF`: the manifest fetched by reference, and everything it reaches read from its repository (one
 * walk, core/verify/layout.ts `verifyTree`), with the findings about how it was served on its own report.
 */
export async function verifyReference(
  pool: RegistryPool,
  ref: ImageReference,
  options: VerifyImageOptions,
): Promise<{ shown: string; report?: ImageReport } | { error: string }> {
  const doc = await fetchReference(pool, ref, options.severities ? { severities: options.severities } : {});
  if ('error' in doc) return doc;
  const report = await verifyTree(doc.text, {
    ...options,
    source: pool.source(ref),
    path: doc.shown,
    origin: { fileName: doc.shown },
  });
  if (!report) return { shown: doc.shown };
  const own = report.files[0]!;
  own.uri = doc.uri;
  own.findings = [...doc.served, ...own.findings].sort((a, b) => a.offset - b.offset);
  if (doc.served.some((f) => f.severity === 'error')) report.problem = true;
  return { shown: doc.shown, report };
}
