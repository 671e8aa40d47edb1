import type { JsonDocument } from './json/document';
import type { Path, Span } from './findings';
import type { DocumentOrigin } from './detect';
import type { DocumentKind } from './kinds';
import type { UnknownKey } from './keys';
import type { DescriptorRef } from './model';
import type { FindingData, Rule } from './rule';

/** Where a finding points: a value, the key of a member, or raw offsets. */
export type Location = { path: Path; on?: 'value' | 'key' } | Span;

/** What a check sees: the parsed document, its kind, and a way to report. */
export interface CheckContext {
  readonly kind: DocumentKind;
  readonly text: string;
  /** The parsed root value (never undefined when a check runs). */
  readonly root: unknown;
  readonly json: JsonDocument;
  /** Where the text came from (file name, beside an `oci-layout` file), when the front end knows. */
  readonly origin?: DocumentOrigin;
  /** Every descriptor of the document (`descriptorsOf(kind, root)`), computed once per analysis. */
  readonly descriptors: readonly DescriptorRef[];
  /** The keys the kind's schema does not define where they stand (`unknownKeys(kind, root)`), found once. */
  readonly unknownKeys: readonly UnknownKey[];
  /**
   * Reports a finding of `rule` (one of the family's `rules`), with the data its rule declares. A missing
   * required property is reported on the parent's key (`{path: parent, on: 'key'}`); a bad value on the value.
   */
  report<D extends FindingData>(rule: Rule<D>, at: Location, message: string, data?: NoInfer<D>): void;
}

/**
 * A rule family: one concern's check and the rules it reports, each rule with its docs, data type and fix, all
 * in one module (core/checks/<family>.ts, tested in test/unit/<family>.test.ts). Never throws on bad input.
 */
export interface Check {
  readonly id: string;
  readonly rules: readonly Rule[];
  /** The kinds it applies to; all kinds when omitted. */
  readonly kinds?: readonly DocumentKind[];
  run(ctx: CheckContext): void;
  /**
   * What the family still checks when the document is above the full-check size or nesting limit: cheap checks
   * that never walk deeper than the document's top-level members and their entries. Omitted: nothing.
   * (`ctx.descriptors` is empty then.)
   */
  reduced?(ctx: CheckContext): void;
}
