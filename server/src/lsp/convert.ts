import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ruleDocUrl, type Finding, type Severity } from '../core';

/** Every diagnostic names this source, so users can tell ours from the JSON language server's. */
export const DIAGNOSTIC_SOURCE = 'oci-manifest';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** The `data` every diagnostic carries: the finding's machine facts plus its code, for quick-fixes. */
export interface DiagnosticData extends Record<string, unknown> {
  code: string;
}

/** Converts a finding (UTF-16 offsets) to an LSP diagnostic (line/character) at the edge, as late as possible. */
export function toDiagnostic(document: TextDocument, finding: Finding): Diagnostic {
  const data: DiagnosticData = { ...finding.data, code: finding.code };
  return {
    range: {
      start: document.positionAt(finding.offset),
      end: document.positionAt(finding.offset + finding.length),
    },
    severity: SEVERITY[finding.severity] ?? DiagnosticSeverity.Warning,
    code: finding.code,
    codeDescription: { href: ruleDocUrl(finding.code) },
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
    data,
  };
}

/** The one diagnostic shown when the analysis itself failed (it should not: `analyze` never throws). */
export function internalErrorDiagnostic(err: unknown): Diagnostic {
  const code = 'oci/internal-error';
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Warning,
    code,
    codeDescription: { href: ruleDocUrl(code) },
    source: DIAGNOSTIC_SOURCE,
    message: `oci-manifest could not check this document (${err instanceof Error ? err.message : String(err)}); this is a bug in oci-manifest, not in your document.`,
    data: { code },
  };
}

/**
 * A key that is equal for two spellings of the same `file:` URI (editors and Node encode characters
 * differently, e.g. `%3A` for the colon of a Windows drive).
 */
export function uriKey(uri: string): string {
  try {
    const u = new URL(uri);
    let p = decodeURIComponent(u.pathname);
    if (/^\/[A-Za-z]:/.test(p)) p = p.charAt(1).toLowerCase() + p.slice(2);
    // Other schemes (oci-blob:) say which source in the query: it is part of the identity.
    const q = u.protocol === 'file:' || !u.search ? '' : `?${decodeURIComponent(u.search.slice(1))}`;
    return `${u.protocol}//${u.host}${p}${q}`;
  } catch {
    return uri;
  }
}
