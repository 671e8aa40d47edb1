/**
 * Registries in the editor (issue 15), the LSP glue over the runtime's registry access
 * (host/registryAccess.ts, node/registryDocuments.ts):
 * - `ociManifest/openReference`: a reference resolved to the manifest served, named by digest;
 * - `ociManifest/registryCatalog`, `registryTags`, `registryReferrers`: the Registries view's levels;
 * - on a document read from a registry, `oci/registry-digest-mismatch` and `oci/registry-media-type` when it was
 *   not served as asked (core/verify/served.ts, the CLI's findings);
 * - {@link tagHover}: what a tag-pinned reference written in a document names now, for the hover feature, only
 *   on hosts the user configured (core/verify/registryDocuments.ts `mayResolveTagsOn`).
 * Credentials come per request from the client (SecretStorage); the registry access keeps them for that host.
 */
import { ErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver';
import type { Analysis } from '../../core';
import { mdCode, mdText } from '../../core/markdown';
import { humanSize } from '../../core/layout/format';
import { mayResolveTagsOn, tagReferenceAt } from '../../core/verify/registryDocuments';
import { servedFindings } from '../../core/verify/served';
import type { RegistryAccess, RegistryReach } from '../../host/registryAccess';
import {
  OpenReferenceRequest,
  parseBlobUri,
  RegistryCatalogRequest,
  RegistryReferrersRequest,
  RegistryTagsRequest,
  type SeverityOverride,
  type VerifyCredentials,
} from '../../protocol';
import { toDiagnostic } from '../convert';
import { formatError } from '../runner';
import type { Feature, FeatureContext } from './feature';

/** The settings the registry requests read are user-level ones (`machine` scope): any URI gives them. */
const SETTINGS_URI = 'oci-blob://registry/';

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** How to reach registries for a request: the user's insecure hosts, and the credentials the client sent. */
export async function registryReach(
  ctx: FeatureContext,
  credentials: VerifyCredentials | undefined,
): Promise<RegistryReach> {
  const s = await ctx.settingsOf(SETTINGS_URI);
  ctx.runtime.registries?.configure(s['verify.insecureRegistries']);
  const valid =
    credentials && typeof credentials.username === 'string' && typeof credentials.password === 'string';
  return {
    insecure: s['verify.insecureRegistries'],
    ...(valid ? { credentials: { username: credentials.username, password: credentials.password } } : {}),
  };
}

/**
 * A request served with the registry access: cancellation wired to an abort, errors as `ResponseError`s holding
 * the sentence (never a stack, never credentials).
 */
function serve<P extends { credentials?: VerifyCredentials }, R>(
  ctx: FeatureContext,
  what: string,
  run: (access: RegistryAccess, params: P, reach: RegistryReach, signal: AbortSignal) => Promise<R>,
): (params: P, token: CancellationToken) => Promise<R | ResponseError<void>> {
  return async (params, token) => {
    const access = ctx.runtime.registries;
    if (!access) return new ResponseError(ErrorCodes.InvalidRequest, 'This server cannot reach registries.');
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      const reach = await registryReach(ctx, params?.credentials);
      return await run(access, params, reach, controller.signal);
    } catch (err) {
      if (!(err instanceof Error) || err.name === 'AbortError' || !err.message)
        ctx.connection.console.error(formatError(`oci-manifest: ${what} failed`, err));
      return new ResponseError(ErrorCodes.InvalidParams, messageOf(err));
    } finally {
      sub.dispose();
    }
  };
}

const str = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`The request has no ${name}.`);
  return v.trim();
};

/**
 * The hover text for a tag-pinned reference under `offset` (`host/repo:tag` as a string value), when its host may
 * be asked: which digest the tag names now (a `HEAD` of the manifest, cached for a short while, bounded in time).
 */
export async function tagHover(
  ctx: FeatureContext,
  analysis: Analysis,
  offset: number,
): Promise<{ markdown: string; offset: number; length: number } | undefined> {
  const access = ctx.runtime.registries;
  if (!access) return undefined;
  const at = tagReferenceAt(analysis.json, offset);
  if (!at) return undefined;
  const s = await ctx.settingsOf(SETTINGS_URI);
  const configured = { registries: s.registries, insecure: s['verify.insecureRegistries'] };
  if (!mayResolveTagsOn(at.ref.host, configured)) return undefined;
  const shown = `${at.ref.host}/${at.ref.repository}:${at.ref.tag}`;
  let line: string;
  try {
    const reach = await registryReach(ctx, undefined);
    const r = await access.resolveTag(
      at.ref.host,
      at.ref.repository,
      at.ref.tag,
      reach,
      new AbortController().signal,
    );
    if (!r) line = `${mdCode(shown)}: the registry has no such tag (404).`;
    else if (!r.digest)
      line = `${mdCode(shown)}: the registry answered without a valid \`Docker-Content-Digest\`, so which manifest the tag names is unknown.`;
    else {
      const facts = [r.mediaType ? mdCode(r.mediaType) : undefined, humanSize(r.size)].filter(Boolean);
      const when = new Date(r.at).toISOString().slice(11, 19);
      line = `${mdCode(shown)} resolves now to ${mdCode(r.digest)}${facts.length ? ` (${facts.join(', ')})` : ''}, as the registry answered a HEAD of the manifest at ${when} UTC.`;
    }
  } catch (err) {
    line = `${mdCode(shown)} could not be resolved: ${mdText(messageOf(err))}`;
  }
  return { markdown: `**Tag** ${line}`, offset: at.offset, length: at.length };
}

export const registriesFeature: Feature = {
  id: 'registries',
  register(ctx) {
    let severities: Record<string, SeverityOverride> = {};
    const refresh = (): void =>
      void ctx.settingsOf(SETTINGS_URI).then(
        (s) => {
          severities = s['diagnostics.severity'];
          ctx.runtime.registries?.configure(s['verify.insecureRegistries']);
        },
        () => undefined,
      );

    ctx.connection.onRequest(
      OpenReferenceRequest,
      serve(ctx, 'opening a reference', (access, p, reach, signal) =>
        access.open(str(p?.reference, 'reference'), reach, signal),
      ),
    );
    ctx.connection.onRequest(
      RegistryCatalogRequest,
      serve(ctx, 'listing a registry', (access, p, reach, signal) =>
        access.catalog(str(p?.registry, 'registry'), reach, signal),
      ),
    );
    ctx.connection.onRequest(
      RegistryTagsRequest,
      serve(ctx, 'listing tags', (access, p, reach, signal) =>
        access.tags(str(p?.repository, 'repository'), reach, signal),
      ),
    );
    ctx.connection.onRequest(
      RegistryReferrersRequest,
      serve(ctx, 'listing referrers', (access, p, reach, signal) =>
        access.referrers(str(p?.repository, 'repository'), str(p?.digest, 'digest'), reach, signal),
      ),
    );

    // How a registry document was served, on the document (read-only: its text is what was served).
    ctx.addDiagnosticsProvider((doc, analysis) => {
      const access = ctx.runtime.registries;
      const location = access && doc.uri.startsWith('oci-blob:') ? parseBlobUri(doc.uri) : undefined;
      if (!access || location?.source !== 'registry' || !location.digest) return [];
      const served = access.served(location.locator, location.digest);
      if (!served) return [];
      return servedFindings({ ...served, text: analysis.json.text, parsed: analysis.json }, severities).map(
        (f) => toDiagnostic(doc, f),
      );
    });

    return { initialized: refresh, settingsChanged: refresh };
  },
};
