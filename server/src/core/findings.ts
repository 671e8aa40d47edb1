/** How serious a finding is. Spec MUST/MUST NOT → error, SHOULD/SHOULD NOT → warning, advice → info. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

/** A half-open span of UTF-16 code units in the document text. */
export interface Span {
  offset: number;
  length: number;
}

/** One problem found in a document. Positions are UTF-16 offsets; front ends convert to lines. */
export interface Finding extends Span {
  /** Stable rule code such as `oci/digest-format`. */
  code: string;
  severity: Severity;
  /** A full sentence: what is wrong, the value, and what is expected. */
  message: string;
  /** Machine-readable facts for quick-fixes (e.g. the lowercase digest), typed by the finding's rule. */
  data?: Record<string, unknown>;
}

/** A path into a JSON value: object keys and array indexes. */
export type Path = readonly (string | number)[];

/** A rule's table entry: its code, default severity and documentation (see `Rule` in rule.ts for the rest). */
export interface RuleInfo {
  code: string;
  severity: Severity;
  /** One line for the rule table. */
  title: string;
  /** A short paragraph for docs/rules.md: what the rule checks and why. */
  description: string;
  /** Where the requirement comes from, e.g. `image-spec/descriptor.md#digests`. */
  spec?: string;
  /**
   * The sentence of the specification the rule enforces, named in our words (never quoted): which document,
   * which section, and what that sentence requires.
   */
  sentence?: string;
}

/** Formats a path the way messages show it: `manifests[2].platform.os`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(document)';
}

/** Shortens a long value for a message, keeping it recognisable. */
export function shorten(value: string, max = 80): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
