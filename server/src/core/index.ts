/**
 * The core facade: a pure library with no editor, connection or file-system access. It takes text and
 * what the front end knows about where it came from, and returns findings in offsets.
 */
import type { CheckContext, Location } from './check';
import { CHECKS } from './checks';
import {
  internalError,
  reducedChecks,
  resolveSeverity,
  tooManyFindings,
  type SeverityOverrides,
} from './codes';
import { byteOrderMark, duplicateKey, encoding, jsonSyntax } from './checks/json';
import { detectKind, type Detection, type DocumentOrigin } from './detect';
import type { Finding, Span } from './findings';
import { parseJson, type JsonDocument } from './json/document';
import { unknownKeys } from './keys';
import type { DocumentKind } from './kinds';
import { descriptorsOf } from './model';
import type { FindingData, Rule } from './rule';

export interface AnalyzeOptions extends DocumentOrigin {
  /** Read the document as this kind, whatever it looks like (the CLI's `--kind`). */
  kind?: DocumentKind;
  /** Serve JSON documents recognised by their content (default true); false keeps only file-name matches. */
  contentDetection?: boolean;
  /** Per-code severity overrides; `off` drops the code. */
  severities?: SeverityOverrides;
  /** Above this many characters only the reduced check set runs (default 16 MiB). */
  maxFullCheckSize?: number;
  /** At most this many findings (default 1000); the rest are summarised in one finding. */
  maxFindings?: number;
  /** Skip `oci/json-syntax` because the host editor reports JSON syntax errors itself. */
  hostReportsSyntax?: boolean;
  /** `text` already parsed with `parseJson` (a walk that read the document), so that it is parsed once. */
  parsed?: JsonDocument;
}

export interface Analysis {
  /** The detected (or forced) kind; undefined when the document is not one we serve. */
  detection?: Detection;
  findings: Finding[];
  json: JsonDocument;
}

const MAX_DEPTH = 64;

/** Analyses one document. Never throws; an exception inside a check becomes an `oci/internal-error`. */
export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const json = options.parsed?.text === text ? options.parsed : parseJson(text);
  const detection: Detection | undefined = options.kind
    ? { kind: options.kind, source: 'forced' }
    : detectKind(json.value, options, options.contentDetection ?? true);
  const findings: Finding[] = [];
  if (!detection) return { findings, json };

  const severities = options.severities;
  const limit = options.maxFindings ?? 1000;
  let dropped = 0;
  const push = <D extends FindingData>(rule: Rule<D>, span: Span, message: string, data?: D): void => {
    const code = rule.code;
    const severity = resolveSeverity(code, severities);
    if (severity === 'off') return;
    if (findings.length >= limit) {
      dropped++;
      return;
    }
    const offset = Math.max(0, Math.min(span.offset, text.length));
    const length = Math.max(0, Math.min(span.length, text.length - offset));
    findings.push(
      data ? { code, severity, message, offset, length, data } : { code, severity, message, offset, length },
    );
  };

  // JSON-level findings need no parsed value.
  if (!options.hostReportsSyntax) {
    for (const e of json.syntaxErrors) push(jsonSyntax, e, e.message);
  }
  if (json.bom) {
    push(
      byteOrderMark,
      { offset: 0, length: 1 },
      'The file starts with a byte-order mark (U+FEFF); JSON manifests must not have one. Remove it.',
    );
  }
  // Strict JSON has no raw NUL (not in strings, not between tokens), so only other text is searched.
  const nul = json.strict ? -1 : text.indexOf('\u0000');
  if (nul >= 0) {
    push(
      encoding,
      { offset: nul, length: 1 },
      'The file contains a NUL character, so it is binary, not UTF-8 JSON text.',
    );
  }
  for (const d of json.duplicates) {
    push(
      duplicateKey,
      d,
      `Key "${d.key}" appears more than once in this object (first at offset ${d.firstOffset}); parsers disagree on which value wins, so keep exactly one.`,
      { firstOffset: d.firstOffset },
    );
  }

  if (json.value !== undefined) {
    const reduced = text.length > (options.maxFullCheckSize ?? 16 * 1024 * 1024) || json.maxDepth > MAX_DEPTH;
    if (reduced) {
      push(
        reducedChecks,
        { offset: 0, length: 0 },
        json.maxDepth > MAX_DEPTH
          ? `The document nests ${json.maxDepth} levels deep (manifests need fewer than ${MAX_DEPTH}); only the JSON and structure checks and the JSON types of the top-level members ran.`
          : `The document is ${(text.length / 1048576).toFixed(1)} MiB, above the full-check limit; only the JSON and structure checks and the JSON types of the top-level members ran.`,
      );
    }
    const kind = detection.kind;
    const ctx: CheckContext = {
      kind,
      text,
      root: json.value,
      json,
      origin: options,
      // Computed here, not in a getter: an object literal with an accessor gets a hidden class of its own in
      // old space, whose pointer to the fresh getter kept each document alive until a full collection and
      // made young-generation collections copy whole documents (most of the time of a loop of analyses).
      // The reduced checks do not read descriptors.
      descriptors: reduced ? [] : descriptorsOf(kind, json.value),
      unknownKeys: unknownKeys(kind, json.value),
      report: (rule, at, message, data) => push(rule, resolve(json, at), message, data),
    };
    for (const check of CHECKS) {
      if (reduced && !check.reduced) continue;
      if (check.kinds && !check.kinds.includes(detection.kind)) continue;
      try {
        if (reduced) check.reduced!(ctx);
        else check.run(ctx);
      } catch (err) {
        push(
          internalError,
          { offset: 0, length: 0 },
          `The ${check.id} check failed unexpectedly (${String(err)}); the other checks still ran.`,
        );
      }
    }
  }
  if (dropped > 0) {
    const message = `${dropped} more findings are not shown; fix the ones above first.`;
    push(tooManyFindings, { offset: 0, length: 0 }, message);
    // push() refuses past the limit, so add the summary directly (at the severity the user chose for it).
    const severity = resolveSeverity(tooManyFindings.code, severities);
    if (findings[findings.length - 1]?.code !== tooManyFindings.code && severity !== 'off') {
      findings.push({
        code: tooManyFindings.code,
        severity,
        message,
        offset: 0,
        length: 0,
      });
    }
  }
  findings.sort((a, b) => a.offset - b.offset);
  return { detection, findings, json };
}

/** Turns a location into a span: a value, a key, or (for the root) its opening brace. */
export function resolve(json: JsonDocument, at: Location): Span {
  if (!('path' in at)) return at;
  if (at.on === 'key' && at.path.length > 0) {
    const key = json.locateKey(at.path);
    if (key) return key;
  }
  const span = json.locate(at.path);
  if (!span) {
    // The path is gone (a tolerant parse lost it): fall back to its parent, then the start.
    return at.path.length
      ? resolve(json, { path: at.path.slice(0, -1), on: 'key' })
      : { offset: 0, length: 0 };
  }
  // A whole object or array is too wide to underline; point at its first character.
  if (at.path.length === 0 || at.on === 'key') {
    const c = json.text.charAt(span.offset);
    if (c === '{' || c === '[') return { offset: span.offset, length: 1 };
  }
  return span;
}

export type { Finding, Severity, Span, Path, RuleInfo } from './findings';
export type { DocumentKind } from './kinds';
export { DOCUMENT_KINDS, KIND_LABELS, isDocumentKind } from './kinds';
export {
  RULES,
  RULE_BY_CODE,
  ruleDocUrl,
  ruleAnchor,
  resolveSeverity,
  type SeverityOverrides,
} from './codes';
export type { Rule, FindingData } from './rule';
export type { Detection, DocumentOrigin } from './detect';
export { specUrl, specLink } from './specLinks';
export { hoverAt, type HoverOptions, type HoverResult, type BlobFacts } from './editing/hover';
export { completionsAt, type CompletionEntry, type CompletionEntryKind } from './editing/completion';
export { fixesFor, fixAll, fixableFindings, type Fix } from './editing/fixes';
export { applyEdits, type TextEdit } from './editing/text';
export { snippetToPlain } from './editing/snippets';
