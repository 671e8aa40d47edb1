/**
 * Quick-fixes: for each finding with an obvious repair, the edits its rule's fix makes (each rule declares its
 * fix beside its check, in core/checks/<family>.ts, reading the data its findings carry). `fixAll` gathers the
 * preferred fixes that do not overlap, for "Fix all auto-fixable problems".
 */
import { RULE_BY_CODE } from '../codes';
import type { Finding } from '../findings';
import type { Analysis } from '../index';
import type { Fix } from './fixKit';
import { endOf, type TextEdit } from './text';

export type { Fix } from './fixKit';

/** The codes whose rule has a fix (some findings of these codes still have no fix: the facts decide). */
export const FIXABLE_CODES: ReadonlySet<string> = new Set(
  [...RULE_BY_CODE.values()].filter((r) => r.fix).map((r) => r.code),
);

/** The fixes for one finding of `analysis`; empty when there is no obvious repair. */
export function fixesFor(analysis: Analysis, finding: Finding): Fix[] {
  const rule = RULE_BY_CODE.get(finding.code);
  if (!rule?.fix) return [];
  const at = analysis.json.pathAt(finding.offset);
  const path = at?.path ?? [];
  const onKey = at?.onKey === true && analysis.json.locateKey(path)?.offset === finding.offset;
  try {
    const r = rule.fix({
      analysis,
      finding,
      path,
      onKey,
      root: analysis.json.value,
      data: finding.data ?? {},
    });
    return r === undefined ? [] : Array.isArray(r) ? [...(r as readonly Fix[])] : [r as Fix];
  } catch {
    // A fix that cannot handle an odd document offers nothing rather than failing the request.
    return [];
  }
}

/** The findings of `analysis` that have at least one fix (at most `limit` of them: callers often need two). */
export function fixableFindings(analysis: Analysis, limit = Infinity): Finding[] {
  const out: Finding[] = [];
  for (const f of analysis.findings) {
    if (out.length >= limit) break;
    if (FIXABLE_CODES.has(f.code) && fixesFor(analysis, f).length > 0) out.push(f);
  }
  return out;
}

/**
 * Every preferred fix whose edits do not overlap an earlier one's, as one list of edits against the current
 * text (sorted; insertions at one offset merged in finding order). Run it again for what was left out.
 */
export function fixAll(analysis: Analysis): TextEdit[] {
  const taken: TextEdit[] = [];
  const overlaps = (a: TextEdit, b: TextEdit): boolean => {
    if (a.length === 0 && b.length === 0) return false; // two insertions: both fine, in order
    const aEnd = endOf(a);
    const bEnd = endOf(b);
    if (a.length === 0) return a.offset > b.offset && a.offset < bEnd;
    if (b.length === 0) return b.offset > a.offset && b.offset < aEnd;
    return a.offset < bEnd && b.offset < aEnd;
  };
  for (const f of analysis.findings) {
    if (!FIXABLE_CODES.has(f.code)) continue;
    const fix = fixesFor(analysis, f).find((x) => x.preferred);
    if (!fix) continue;
    if (fix.edits.some((e) => taken.some((t) => overlaps(e, t)))) continue;
    taken.push(...fix.edits);
  }
  // Merge insertions at one offset (in the order taken) and sort.
  const merged: TextEdit[] = [];
  for (const e of taken) {
    const same = e.length === 0 ? merged.find((m) => m.length === 0 && m.offset === e.offset) : undefined;
    if (same) same.newText += e.newText;
    else merged.push({ ...e });
  }
  return merged.sort((a, b) => a.offset - b.offset || a.length - b.length);
}
