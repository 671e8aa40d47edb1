import { CHECKS } from './checks';
import { SEVERITIES, type Severity } from './findings';
import { rule, type Rule } from './rule';
import { verifyRules } from './verify/rules';

/** A very large or deeply nested document got only the reduced checks. */
export const reducedChecks = rule({
  code: 'oci/reduced-checks',
  severity: 'info',
  title: 'A very large or deeply nested document got only the basic checks',
  description:
    'Above the size limit (`ociManifest.diagnostics.maxFullCheckSize`) or the nesting limit, only the JSON checks, the structure checks and the JSON types of the top-level members and their entries run (an entry of `manifests` that is not an object is still an error), so that the editor stays responsive.',
  sentence: 'None: a limit of this tool, not a requirement of a specification.',
});

/** The summary of the findings beyond the limit. */
export const tooManyFindings = rule({
  code: 'oci/too-many-findings',
  severity: 'info',
  title: 'Only the first findings are shown',
  description: 'A document with thousands of problems shows the first ones and says how many more there are.',
});

/** A check threw. */
export const internalError = rule({
  code: 'oci/internal-error',
  severity: 'warning',
  title: 'A check failed unexpectedly',
  description:
    'A bug in oci-manifest, not in your document. The other checks still ran; please report it with the document.',
});

/** Rules of the facade itself. */
export const coreRules: readonly Rule[] = [reducedChecks, tooManyFindings, internalError];

/** THE rule table: every code, its default severity, title, documentation and quick-fix. */
export const RULES: readonly Rule[] = [...coreRules, ...CHECKS.flatMap((c) => c.rules), ...verifyRules];

export const RULE_BY_CODE: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.code, r]));

/** Where each rule's documentation lives; the anchor is derived from the code. */
export const RULES_DOC_URL = 'https://github.com/oci-manifest/oci-manifest/blob/main/docs/rules.md';

export function ruleAnchor(code: string): string {
  return code.replace(/[^a-z0-9-]/g, '-');
}

export function ruleDocUrl(code: string): string {
  return `${RULES_DOC_URL}#${ruleAnchor(code)}`;
}

/** Per-code severity overrides (the `ociManifest.diagnostics.severity` setting, the CLI's `--severity`). */
export type SeverityOverrides = Readonly<Record<string, Severity | 'off'>>;

/**
 * THE severity of a finding of `code`: the user's override when it is a severity or `off` (the finding is then
 * dropped), else the rule's default. A code missing from the table (a test checks none is) counts as a warning.
 * The facade, the CLI and verification resolve severities here and nowhere else.
 */
export function resolveSeverity(code: string, overrides?: SeverityOverrides): Severity | 'off' {
  const o = overrides?.[code];
  if (o === 'off') return 'off';
  if (o !== undefined && SEVERITIES.includes(o)) return o;
  return RULE_BY_CODE.get(code)?.severity ?? 'warning';
}
