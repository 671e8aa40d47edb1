import type { JsonDocument } from './json/document';
import type { Path, RuleInfo, Span } from './findings';
import type { DocumentOrigin } from './detect';
import type { DocumentKind } from './kinds';
import type { UnknownKey } from './keys';
import type { DescriptorRef } from './model';

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
   * Reports a finding under `code` (declared in the check's `rules`). A missing required property is
   * reported on the parent's key (`{path: parent, on: 'key'}`); a bad value on the value itself.
   */
  report(code: string, at: Location, message: string, data?: Record<string, unknown>): void;
}

/** One concern's checks, with the rules it may report. Never throws on bad input. */
export interface Check {
  readonly id: string;
  readonly rules: readonly RuleInfo[];
  /** The kinds it applies to; all kinds when omitted. */
  readonly kinds?: readonly DocumentKind[];
  run(ctx: CheckContext): void;
}
