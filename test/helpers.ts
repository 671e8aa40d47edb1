/** Shared helpers for core tests: run the facade and look at findings by code and by the text they cover. */
import assert from 'node:assert/strict';
import { analyze, type AnalyzeOptions } from '../server/src/core/index';
import type { Finding } from '../server/src/core/findings';
import type { CheckContext } from '../server/src/core/check';
import type { DocumentKind } from '../server/src/core/kinds';
import { parseJson } from '../server/src/core/json/document';
import { descriptorsOf } from '../server/src/core/model';
import { unknownKeys } from '../server/src/core/keys';
import SPEC_MANIFEST from './fixtures/conformance/valid/schema-spec-manifest.json';
import SPEC_INDEX from './fixtures/conformance/valid/schema-spec-index.json';
import SPEC_CONFIG from './fixtures/conformance/valid/config-spec-example.json';

export function lint(text: string, options: AnalyzeOptions = {}): Finding[] {
  return analyze(text, options).findings;
}

/** The text a finding covers. */
export function covered(text: string, f: Finding): string {
  return text.slice(f.offset, f.offset + f.length);
}

/** The findings with `code`. */
export function withCode(text: string, code: string, options: AnalyzeOptions = {}): Finding[] {
  return lint(text, options).filter((f) => f.code === code);
}

/**
 * Asserts exactly one finding with `code`, covering exactly `slice` (the text under the squiggle) and,
 * when given, with `severity`. Returns it for further assertions on the message.
 */
export function expectOne(
  text: string,
  code: string,
  slice: string,
  options: AnalyzeOptions & { severity?: Finding['severity']; occurrence?: number } = {},
): Finding {
  const all = lint(text, options);
  const hits = all.filter((f) => f.code === code);
  assert.equal(
    hits.length,
    1,
    `expected one ${code}, got ${JSON.stringify(
      all.map((f) => [f.code, f.message]),
      null,
      1,
    )}`,
  );
  const f = hits[0]!;
  assert.equal(covered(text, f), slice, `range of ${code}`);
  // When the slice occurs more than once, `occurrence` says which one (0-based).
  let at = -1;
  for (let i = 0; i <= (options.occurrence ?? 0); i++) at = text.indexOf(slice, at + 1);
  assert.equal(f.offset, at, `offset of ${code}`);
  if (options.severity) assert.equal(f.severity, options.severity);
  return f;
}

/** Asserts no finding with `code`. */
export function expectNone(text: string, code: string, options: AnalyzeOptions = {}): void {
  const hits = withCode(text, code, options);
  assert.deepEqual(
    hits.map((f) => f.message),
    [],
    `expected no ${code}`,
  );
}

/** Pretty JSON for building test documents (two-space indent, like hand-written manifests). */
export const j = (v: unknown): string => JSON.stringify(v, null, 2);

/**
 * The image manifest example of image-spec/manifest.md, as a fresh value to vary in tests. The conformance corpus
 * holds the one copy of it (the benchmark reads the same file).
 */
export const specManifest = (): typeof SPEC_MANIFEST => structuredClone(SPEC_MANIFEST);

/** The image index example of image-spec/image-index.md, from the conformance corpus. */
export const specIndex = (): typeof SPEC_INDEX => structuredClone(SPEC_INDEX);

/**
 * The image configuration example of image-spec/config.md, from the conformance corpus; `config`, `rootfs` and
 * `history` are typed loosely, for tests that break them.
 */
export const specConfig = () =>
  structuredClone(SPEC_CONFIG) as Omit<typeof SPEC_CONFIG, 'config' | 'rootfs' | 'history'> & {
    config: Record<string, unknown>;
    rootfs: { diff_ids: unknown[]; type: unknown };
    history: Record<string, unknown>[];
  };

/** A check context over `text` read as `kind`, as `analyze` builds it, for running one check module alone. */
export function checkContext(kind: DocumentKind, text: string, report: CheckContext['report']): CheckContext {
  const json = parseJson(text);
  return {
    kind,
    text,
    root: json.value,
    json,
    descriptors: descriptorsOf(kind, json.value),
    unknownKeys: unknownKeys(kind, json.value),
    report,
  };
}
