/**
 * Push, the part that needs no network (issue 16): what a manifest or index must satisfy before its exact bytes are
 * PUT to a registry, what the target repository must already hold, and the referrers list kept under the fallback
 * tag when the registry has no referrers API (distribution-spec "Pushing Manifests with Subject"). Pure: the registry
 * side (HEADs, mounts, PUTs) is node/registry/push.ts, which the CLI and the editor share.
 *
 * - The bytes are never re-serialised: the digest is of the bytes as given, and they go out as they are.
 * - `Content-Type` is the document's `mediaType` (distribution-spec: a client MUST send it when the manifest has
 *   one); without one, the type of its kind (an OCI manifest or index).
 * - Required content: for a manifest its config and layers (an artifact manifest's blobs); for an index every
 *   manifest it lists. The `subject` is not required (a referrer may be pushed before its subject), nor are
 *   non-distributable layers that name `urls` (a registry does not hold them).
 */
import { MT } from '../catalog/core';
import { referrersTag } from '../verify/distribution';
import { analyze, type SeverityOverrides } from '../index';
import { formatPath, type Finding } from '../findings';
import { parseJson } from '../json/document';
import { KIND_LABELS, type DocumentKind } from '../kinds';
import { isIndexKind, isManifestKind, isObject, type JsonObject } from '../model';
import { applyEdits, insertElements } from '../editing/text';
import { computeDigest } from '../digest';
import { MAX_DOCUMENT_BYTES } from './content';
import { documentMediaType } from './buildIndex';

/** The most a manifest may be to be pushed: 4 MiB, what every registry must accept (distribution-spec). */
export const MAX_PUSH_BYTES = MAX_DOCUMENT_BYTES;

/** Content the target repository must hold before the manifest is PUT. */
export interface RequiredContent {
  /** Where the descriptor is, e.g. `layers[1]`. */
  path: string;
  digest: string;
  size: number;
  mediaType?: string;
  /** A manifest (an index's entry: `HEAD /manifests/<digest>`) rather than a blob. */
  manifest: boolean;
}

/** The descriptor a referrers list holds for a pushed manifest with a `subject`. */
export interface ReferrerEntry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** What a push would send, and what stops it before any request. */
export interface PushPlan {
  /** The document's text (the bytes as UTF-8, a byte-order mark kept), which finding offsets refer to. */
  text?: string;
  digest: string;
  size: number;
  /** The `Content-Type` to send. */
  mediaType: string;
  kind?: DocumentKind;
  /** The lint findings of the document (as `lint` reports them). */
  findings: Finding[];
  /** How many of them are errors (a push is refused unless forced). */
  errors: number;
  /** Sentences: what makes the document impossible to push at all (force or not). */
  problems: string[];
  /** Content the repository must hold. */
  required: RequiredContent[];
  /** Sentences about descriptors not checked (non-distributable layers with `urls`). */
  notes: string[];
  /** The manifest's `subject`, when it has one. */
  subject?: { digest: string; mediaType?: string; size?: number; tag: string };
  /** Its entry in the subject's referrers list (with `subject`). */
  referrer?: ReferrerEntry;
}

const NON_DISTRIBUTABLE = new Set([
  MT.dockerForeignLayer,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

const descriptorParts = (d: unknown): { digest: string; size: number; mediaType?: string } | undefined =>
  isObject(d) && typeof d.digest === 'string' && typeof d.size === 'number'
    ? {
        digest: d.digest,
        size: d.size,
        ...(typeof d.mediaType === 'string' ? { mediaType: d.mediaType } : {}),
      }
    : undefined;

const stringRecord = (v: unknown): Record<string, string> | undefined => {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return Object.keys(out).length ? out : undefined;
};

/**
 * Checks a document for a push: its size, that it is a manifest or an index, its lint findings, and the content
 * the repository must hold. `label` names it in messages.
 */
export function planPush(
  bytes: Uint8Array,
  options: {
    label: string;
    severities?: SeverityOverrides;
    fileName?: string;
    /** The file's size when `bytes` are only its start (a file too large to read whole). */
    size?: number;
  },
): PushPlan {
  const digest = computeDigest('sha256', bytes);
  const size = Math.max(options.size ?? 0, bytes.length);
  const plan: PushPlan = {
    digest,
    size,
    mediaType: MT.manifest,
    findings: [],
    errors: 0,
    problems: [],
    required: [],
    notes: [],
  };
  if (size > MAX_PUSH_BYTES) {
    plan.problems.push(
      `${options.label} is ${size} bytes, more than the ${MAX_PUSH_BYTES / 1048576} MiB every registry must accept for a manifest.`,
    );
    return plan;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    plan.problems.push(`${options.label} is not UTF-8 text, so it is not a manifest.`);
    return plan;
  }
  plan.text = text;
  const json = parseJson(text);
  const analysis = analyze(text, {
    parsed: json,
    ...(options.fileName ? { fileName: options.fileName } : {}),
    ...(options.severities ? { severities: options.severities } : {}),
  });
  plan.findings = analysis.findings;
  plan.errors = analysis.findings.filter((f) => f.severity === 'error').length;
  const kind = analysis.detection?.kind;
  const value = json.value;
  if (!kind || !isObject(value) || !(isManifestKind(kind) || isIndexKind(kind))) {
    plan.problems.push(
      `${options.label} is ${kind ? `${/^[AEIOU]/.test(KIND_LABELS[kind]) ? 'an' : 'a'} ${KIND_LABELS[kind]}` : 'not a manifest or an index'}; only manifests and indexes are pushed to /v2/<name>/manifests/.`,
    );
    return plan;
  }
  plan.kind = kind;
  plan.mediaType = documentMediaType(value, kind);
  if (/[\r\n]/.test(plan.mediaType)) {
    plan.problems.push(
      `The mediaType of ${options.label} holds a line break, so it cannot be sent as Content-Type.`,
    );
    return plan;
  }
  collectRequired(value, kind, plan);
  const subject = descriptorParts(value.subject);
  const tag = subject ? referrersTag(subject.digest) : undefined;
  if (subject && tag) {
    plan.subject = { ...subject, tag };
    const artifactType =
      typeof value.artifactType === 'string' && value.artifactType !== ''
        ? value.artifactType
        : isManifestKind(kind) && isObject(value.config) && typeof value.config.mediaType === 'string'
          ? value.config.mediaType
          : undefined;
    const annotations = stringRecord(value.annotations);
    plan.referrer = {
      mediaType: plan.mediaType,
      digest,
      size: bytes.length,
      ...(artifactType !== undefined ? { artifactType } : {}),
      ...(annotations ? { annotations } : {}),
    };
  }
  return plan;
}

function collectRequired(value: JsonObject, kind: DocumentKind, plan: PushPlan): void {
  const add = (path: (string | number)[], d: unknown, manifest: boolean): void => {
    const parts = descriptorParts(d);
    if (!parts) return; // the lint reports a descriptor without digest or size
    if (
      !manifest &&
      isObject(d) &&
      parts.mediaType &&
      NON_DISTRIBUTABLE.has(parts.mediaType) &&
      Array.isArray(d.urls)
    ) {
      plan.notes.push(
        `${formatPath(path)} is a non-distributable layer fetched from its urls, so the repository need not hold it.`,
      );
      return;
    }
    plan.required.push({ path: formatPath(path), ...parts, manifest });
  };
  if (isIndexKind(kind)) {
    const list = Array.isArray(value.manifests) ? value.manifests : [];
    list.forEach((d, i) => add(['manifests', i], d, true));
    return;
  }
  add(['config'], value.config, false);
  const layers = Array.isArray(value.layers) ? value.layers : Array.isArray(value.blobs) ? value.blobs : [];
  const key = Array.isArray(value.layers) ? 'layers' : 'blobs';
  layers.forEach((d, i) => add([key, i], d, false));
}

/** What the referrers list under the fallback tag becomes with one more entry. */
export type ReferrersUpdate =
  /** The new text to PUT (`created`: there was no list yet). */
  | { text: string; created: boolean; count: number }
  /** The entry is listed already: nothing to PUT. */
  | { unchanged: true; count: number }
  /** The tag holds something that is not an image index: it is left alone (distribution-spec). */
  | { problem: string };

/**
 * The fallback tag's referrers list with `entry` added (distribution-spec "Pushing Manifests with Subject"): a new
 * OCI index when there is none (`existing` undefined), else the existing one with the entry appended after the
 * others by a minimal edit (every other entry kept byte for byte); nothing when it is listed already.
 */
export function addReferrer(
  existing: { text: string; mediaType?: string } | undefined,
  entry: ReferrerEntry,
  tag: string,
): ReferrersUpdate {
  if (!existing)
    return {
      text: JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: [entry] }, null, 2),
      created: true,
      count: 1,
    };
  const json = parseJson(existing.text);
  const v = json.value;
  const isIndex =
    isObject(v) &&
    Array.isArray(v.manifests) &&
    (v.mediaType === undefined || v.mediaType === MT.index) &&
    (existing.mediaType === undefined || existing.mediaType === MT.index);
  if (!isIndex)
    return {
      problem: `The fallback tag ${tag} holds ${existing.mediaType ?? 'a document'} that is not an OCI image index, so it was left unchanged and the new referrer is not listed there.`,
    };
  const list = v.manifests as unknown[];
  if (list.some((d) => isObject(d) && d.digest === entry.digest))
    return { unchanged: true, count: list.length };
  const edit = insertElements(json, ['manifests'], list.length, [entry]);
  if (!edit)
    return { problem: `The fallback tag ${tag}'s index could not be edited, so it was left unchanged.` };
  return { text: applyEdits(existing.text, [edit]), created: false, count: list.length + 1 };
}

// ---- the outcome of a push (node/registry/push.ts runs it), and how front ends say it --------------------------

/** How one required descriptor was found in the target repository. */
export interface ContentCheck {
  /** e.g. `layers[0]`, `manifests[1]`. */
  path: string;
  digest: string;
  size: number;
  manifest: boolean;
  status: 'present' | 'mounted' | 'missing' | 'size-mismatch';
  /** The size the registry announced, when it differs. */
  actualSize?: number;
  /** `mounted`: the repository it was mounted from. `missing` in a dry run: a named repository that holds it. */
  from?: string;
}

export interface PushOptions {
  /** Tags to set (none: the manifest is pushed by digest only). */
  tags: readonly string[];
  /** The digest the caller expects (`REF@DIGEST`): anything else is refused. */
  digest?: string;
  /** Push despite error-level findings. */
  force?: boolean;
  /** Repositories of the same registry to mount missing blobs from, in order. */
  mountFrom?: readonly string[];
  /** Check only: no mount, no PUT (the editor shows this before asking). */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** What happened to the fallback tag of a pushed referrer. */
export type ReferrersOutcome =
  /** The registry processed the `subject` itself (`OCI-Subject`). */
  | { via: 'api' }
  | { via: 'tag'; tag: string; update: 'created' | 'updated' | 'unchanged'; count: number }
  /** The fallback tag could not be updated (it holds something else): the manifest is pushed, not listed. */
  | { via: 'tag'; tag: string; problem: string };

export interface PushReport {
  plan: PushPlan;
  checks: ContentCheck[];
  /** Sentences: why nothing was written. Empty when pushed (or, in a dry run, when a push would go ahead). */
  refusals: string[];
  /** True when refused for error-level findings only (a forced push would go on to the other checks). */
  refusedForFindings: boolean;
  pushed: boolean;
  /** The tags set. */
  tags: string[];
  /** How the tags were set: `tag` (one PUT to the tag), `query` (`?tag=` confirmed by OCI-Tag), `per-tag`. */
  tagging?: 'digest' | 'tag' | 'query' | 'per-tag' | 'query+per-tag';
  /** Why the repository was not checked (an unreachable registry), when the push was refused anyway. */
  unchecked?: string;
  /** The status the registry refused the PUT with `?tag=` with (the tags were then set one PUT each). */
  queryRefused?: number;
  /** Where the registry says the manifest is (safe to show). */
  location?: string;
  referrers?: ReferrersOutcome;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** One sentence on the checks: findings, and what the repository holds. */
export function checksLine(report: PushReport, repository: string, forced: boolean): string {
  const { plan, checks } = report;
  const lint = plan.errors
    ? `${plural(plan.errors, 'error-level finding')}${forced ? ' (pushed anyway: forced)' : ''}`
    : 'no error-level finding';
  const what = plan.kind && isIndexKind(plan.kind) ? 'manifest' : 'blob';
  const present = checks.filter((c) => c.status === 'present' || c.status === 'mounted').length;
  const mounted = checks.filter((c) => c.status === 'mounted');
  const mountable = checks.filter((c) => c.status === 'missing' && c.from !== undefined);
  if (report.unchecked !== undefined)
    return `${lint}; ${repository} could not be checked (${report.unchecked.replace(/[.]$/, '')})`;
  const held = checks.length
    ? `${present} of ${plural(checks.length, what)} present in ${repository}${mounted.length ? ` (${mounted.length} mounted from ${[...new Set(mounted.map((c) => c.from))].join(', ')})` : ''}${mountable.length ? `, ${mountable.length} to mount from ${[...new Set(mountable.map((c) => c.from))].join(', ')}` : ''}`
    : `no ${what} to check`;
  return `${lint}; ${held}`;
}

/** What was done, one sentence each: the tags and how they were set, and the referrers list. */
export function resultLines(report: PushReport): string[] {
  const lines: string[] = [];
  const tags = report.tags.join(', ');
  switch (report.tagging) {
    case 'digest':
      lines.push('No tag: pushed by digest only.');
      break;
    case 'tag':
      lines.push(`Tagged ${tags}.`);
      break;
    case 'query':
      lines.push(
        `Tagged ${tags} in one PUT by digest with ?tag= (the registry confirmed them with OCI-Tag).`,
      );
      break;
    case 'per-tag':
      lines.push(
        report.queryRefused !== undefined
          ? `Tagged ${tags} with one PUT each: the registry refused the PUT with ?tag= (${report.queryRefused}).`
          : `Tagged ${tags} with one PUT each: the registry did not confirm ?tag= with OCI-Tag, so it does not set tags that way.`,
      );
      break;
    case 'query+per-tag':
      lines.push(`Tagged ${tags}: some confirmed with OCI-Tag, the others with one PUT each.`);
      break;
  }
  const r = report.referrers;
  if (r?.via === 'api')
    lines.push('The registry listed it as a referrer of its subject itself (OCI-Subject).');
  else if (r && 'problem' in r) lines.push(r.problem);
  else if (r)
    lines.push(
      `The registry has no referrers API (no OCI-Subject in its answer): the fallback tag ${r.tag} ${r.update === 'created' ? 'was created and lists it' : r.update === 'updated' ? `was updated and lists ${plural(r.count, 'referrer')}` : `lists it already (${plural(r.count, 'referrer')})`}.`,
    );
  return lines;
}
