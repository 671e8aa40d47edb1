/**
 * Image references on the command line: which arguments are references and one registry client per host for the
 * whole run (both in node/registry/pool.ts, shared with the authoring inputs), and a manifest fetched by reference
 * as lint, verify and audit use it: its text as served, and the findings about how it was served.
 */
import { BlobSourceError } from '../core/content/source';
import type { Finding } from '../core/findings';
import type { SeverityOverrides } from '../core/index';
import { parseJson } from '../core/json/document';
import { formatImageReference, manifestTarget, type ImageReference } from '../core/verify/imageReference';
import { verifyTree, type ImageReport, type VerifyImageOptions } from '../core/verify/layout';
import { servedFindings } from '../core/verify/served';
import { ManifestMismatchError, type RegistryOptions } from '../node/registry/client';
import type { RegistryPool } from '../node/registry/pool';
import type { RegistryAccessOptions } from './args';

/** The registry client options of a command (`--insecure`, `--timeout`, and the connections it may open). */
export function registryOptions(cmd: RegistryAccessOptions, maxSockets?: number): RegistryOptions {
  return {
    insecure: cmd.insecure,
    ...(cmd.timeoutMs !== undefined ? { connectTimeoutMs: cmd.timeoutMs, timeoutMs: cmd.timeoutMs } : {}),
    ...(maxSockets !== undefined ? { maxSockets } : {}),
  };
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
      ...(mismatch ? { mismatch: mismatch.served } : {}),
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
