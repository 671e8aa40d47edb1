/**
 * A rule and its family. Each family module (core/checks/<family>.ts) declares its rules with `rule()`: the
 * code, default severity and documentation, the type of the data its findings carry, and the quick-fix that
 * reads that data. Checks report a finding by the rule object, so the data is checked against the rule's type
 * where it is reported, and the fix reads the same type where it is applied.
 */
import type { Fix, FixContext } from './editing/fixKit';
import type { RuleInfo } from './findings';

/** The machine-readable facts a finding carries (read by the rule's quick-fix and by front ends). */
export type FindingData = Record<string, unknown>;

/** A rule whose findings carry data of type `D`, with the fix that reads it. */
export interface Rule<D extends FindingData = FindingData> extends RuleInfo {
  /** The repairs for one finding of this rule; none when the facts give no obvious repair. */
  fix?(c: FixContext<D>): Fix | readonly Fix[] | undefined;
}

/** The data of a rule whose findings carry none. */
export type NoData = { [key: string]: never };

/** Declares a rule (the identity, typed: `rule<{ replacement: string }>({ code: …, fix: (c) => … })`). */
export function rule<D extends FindingData = NoData>(r: Rule<D>): Rule<D> {
  return r;
}
