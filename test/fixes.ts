/**
 * Applying a rule's quick-fix in tests: apply the fix's edits to the text, lint again, and check that the finding
 * is gone, that every other finding is exactly as before, and that only the edited bytes changed. Each family's
 * test file (test/unit/<family>.test.ts) tests its rules' fixes with these.
 */
import assert from 'node:assert/strict';
import {
  analyze,
  applyEdits,
  fixesFor,
  type AnalyzeOptions,
  type Finding,
  type Fix,
} from '../server/src/core/index';
import { lint } from './helpers';

/** The findings as comparable strings (offsets change with an edit; codes and messages must not). */
export const summary = (fs: readonly Finding[]): string[] => fs.map((f) => `${f.code}: ${f.message}`).sort();

export interface Applied {
  fix: Fix;
  after: string;
}

/**
 * Applies the fix for the `occurrence`-th finding with `code` (the one whose title matches `title`, else the
 * only or preferred one) and checks that the finding is gone and nothing else changed.
 */
export function applyFix(
  before: string,
  code: string,
  options: AnalyzeOptions & {
    title?: RegExp;
    occurrence?: number;
    preferred?: boolean;
    othersChange?: boolean;
  } = {},
): Applied {
  const analysis = analyze(before, options);
  const hits = analysis.findings.filter((f) => f.code === code);
  const finding = hits[options.occurrence ?? 0];
  assert.ok(finding, `expected a ${code} finding, got ${JSON.stringify(summary(analysis.findings))}`);
  const fixes = fixesFor(analysis, finding);
  const fix = options.title
    ? fixes.find((f) => options.title!.test(f.title))
    : (fixes.find((f) => f.preferred) ?? fixes[0]);
  assert.ok(fix, `a fix for ${code}: ${JSON.stringify(fixes.map((f) => f.title))}`);
  assert.equal(fix.preferred, options.preferred ?? true, `isPreferred of "${fix.title}"`);
  const after = applyEdits(before, fix.edits);
  if (isJson(before)) assert.ok(isJson(after), `the fixed text is still JSON:\n${after}`);
  const rest = analysis.findings.filter((f) => f !== finding);
  const now = lint(after, options);
  assert.equal(
    now.filter((f) => f.code === code).length,
    hits.length - 1,
    `${code} is gone:\n${after}\n${JSON.stringify(summary(now))}`,
  );
  if (!options.othersChange)
    assert.deepEqual(
      summary(now.filter((f) => f.code !== code)),
      summary(rest.filter((f) => f.code !== code)),
    );
  return { fix, after };
}

const isJson = (t: string): boolean => {
  try {
    JSON.parse(t.replace(/^\uFEFF/, ''));
    return true;
  } catch {
    return false;
  }
};

/** Asserts that `after` differs from `before` only inside the spans of `edits`. */
export function onlyEdited(before: string, applied: Applied): void {
  const edits = [...applied.fix.edits].sort((a, b) => a.offset - b.offset);
  let prefix = before.slice(0, edits[0]!.offset);
  assert.ok(applied.after.startsWith(prefix));
  const last = edits[edits.length - 1]!;
  prefix = before.slice(last.offset + last.length);
  assert.ok(applied.after.endsWith(prefix));
}
