import { CHECKS } from './checks';
import type { RuleInfo, Severity } from './findings';
import { verifyRules } from './verify/rules';

/** Rules of the facade itself. */
export const coreRules: readonly RuleInfo[] = [
  {
    code: 'oci/reduced-checks',
    severity: 'info',
    title: 'A very large or deeply nested document got only the basic checks',
    description:
      'Above the size limit (`ociManifest.diagnostics.maxFullCheckSize`) or the nesting limit, only JSON and structure checks run, so that the editor stays responsive.',
  },
  {
    code: 'oci/too-many-findings',
    severity: 'info',
    title: 'Only the first findings are shown',
    description:
      'A document with thousands of problems shows the first ones and says how many more there are.',
  },
  {
    code: 'oci/internal-error',
    severity: 'warning',
    title: 'A check failed unexpectedly',
    description:
      'A bug in oci-manifest, not in your document. The other checks still ran; please report it with the document.',
  },
];

/** THE rule table: every code, its default severity, title and documentation. */
export const RULES: readonly RuleInfo[] = [...coreRules, ...CHECKS.flatMap((c) => c.rules), ...verifyRules];

export const RULE_BY_CODE: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((r) => [r.code, r]));

/** Where each rule's documentation lives; the anchor is derived from the code. */
export const RULES_DOC_URL = 'https://github.com/oci-manifest/oci-manifest/blob/main/docs/rules.md';

export function ruleAnchor(code: string): string {
  return code.replace(/[^a-z0-9-]/g, '-');
}

export function ruleDocUrl(code: string): string {
  return `${RULES_DOC_URL}#${ruleAnchor(code)}`;
}

export function defaultSeverity(code: string): Severity {
  return RULE_BY_CODE.get(code)?.severity ?? 'warning';
}
