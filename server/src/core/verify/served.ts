/**
 * What a registry's answer says about a manifest beyond its content (distribution-spec, Pulling manifests): its
 * digest against the one asked for and the one announced, and its `Content-Type` against its own `mediaType`.
 * Pure: the registry client (node/registry/client.ts) compares the digests and reports a difference; these
 * findings put it, and the `Content-Type` check, on the document as served, for the CLI and the editor.
 */
import { resolveSeverity, type SeverityOverrides } from '../codes';
import type { Finding } from '../findings';
import { resolve } from '../index';
import type { JsonDocument } from '../json/document';

/** A manifest as a registry served it. */
export interface ServedManifest {
  /** The document's text, its parse when already made. */
  text: string;
  parsed?: JsonDocument;
  /** `Content-Type` without parameters. */
  contentType?: string;
  /** Where it came from, for messages (a reference or a URL, never credentials). */
  where: string;
  /** When the bytes were not what was asked for or announced: the client's sentence saying so. */
  mismatch?: { message: string; expectedDigest?: string; actualDigest: string };
}

/**
 * `oci/registry-digest-mismatch` (at the document's start) when the bytes were not the ones asked for or
 * announced, and `oci/registry-media-type` (on the `mediaType` value) when the `Content-Type` differs from it.
 */
export function servedFindings(served: ServedManifest, severities?: SeverityOverrides): Finding[] {
  const out: Finding[] = [];
  const add = (f: Omit<Finding, 'severity'>): void => {
    const severity = resolveSeverity(f.code, severities);
    if (severity !== 'off') out.push({ ...f, severity });
  };
  if (served.mismatch) {
    const m = served.mismatch;
    add({
      code: 'oci/registry-digest-mismatch',
      message: `The registry did not serve what was asked for: ${m.message.replace(/[.]$/, '')}. The document is shown as served; a client pulling it by digest would refuse it.`,
      offset: 0,
      length: 0,
      data: {
        actualDigest: m.actualDigest,
        ...(m.expectedDigest ? { expectedDigest: m.expectedDigest } : {}),
      },
    });
  }
  if (served.contentType && served.parsed) {
    const doc = served.parsed;
    const value = doc.value;
    const declared =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>).mediaType
        : undefined;
    if (typeof declared === 'string' && declared !== served.contentType) {
      const span = resolve(doc, { path: ['mediaType'] });
      add({
        code: 'oci/registry-media-type',
        message: `${served.where} was served with the Content-Type ${JSON.stringify(served.contentType)}, but its "mediaType" is ${JSON.stringify(declared)}; clients should refuse a manifest whose media type and Content-Type differ (it was probably pushed with the wrong Content-Type).`,
        offset: span.offset,
        length: span.length,
        data: { contentType: served.contentType, mediaType: declared },
      });
    }
  }
  return out;
}
