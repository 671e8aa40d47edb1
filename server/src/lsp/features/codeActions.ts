/**
 * `textDocument/codeAction`: the core's quick-fixes for the findings under the cursor (each attached to its
 * diagnostic, `isPreferred` where the repair is the one obvious one), and `source.fixAll.ociManifest`, which
 * applies every preferred fix that does not overlap another. Edits are minimal (a value, a key, a member).
 */
import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  fixableFindings,
  fixAll,
  fixesFor,
  RULE_BY_CODE,
  type Finding,
  type TextEdit as CoreEdit,
} from '../../core';
import { toDiagnostic } from '../convert';
import { runSafeAsync } from '../runner';
import type { Feature } from './feature';
import { authoringActions, CONVERT_KIND, PROMOTE_KIND } from './authoring';
import { blobFixFor } from './verify';

/** The kind of the fix-all source action (editors run it on save with `source.fixAll`). */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.ociManifest`;

// What the client supports, read at initialize (one client per server process).
let documentChanges = false;
/** The client resolves a code action's edit lazily (`codeAction/resolve`), so "Fix all" costs nothing until chosen. */
let resolveEdits = false;

/** What a lazily resolved "Fix all" carries until it is resolved. */
interface FixAllData {
  uri: string;
  version: number;
}

const sameRange = (a: Range, b: Range): boolean =>
  a.start.line === b.start.line &&
  a.start.character === b.start.character &&
  a.end.line === b.end.line &&
  a.end.character === b.end.character;

function toEdits(doc: TextDocument, edits: readonly CoreEdit[]): TextEdit[] {
  return edits.map((e) => ({
    range: { start: doc.positionAt(e.offset), end: doc.positionAt(e.offset + e.length) },
    newText: e.newText,
  }));
}

function workspaceEdit(doc: TextDocument, edits: readonly CoreEdit[]): WorkspaceEdit {
  const textEdits = toEdits(doc, edits);
  return documentChanges
    ? { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: textEdits }] }
    : { changes: { [doc.uri]: textEdits } };
}

/** The client's diagnostic for a finding (same code and range), else one made from the finding. */
function diagnosticOf(doc: TextDocument, f: Finding, sent: readonly Diagnostic[]): Diagnostic {
  const own = toDiagnostic(doc, f);
  return sent.find((d) => d.code === f.code && sameRange(d.range, own.range)) ?? own;
}

/**
 * The finding behind one of our diagnostics that the analysis does not hold itself (a cross-document finding),
 * rebuilt for its rule's fix; undefined for the analysis' own findings and for rules without a fix.
 */
function extraFinding(doc: TextDocument, own: readonly Finding[], d: Diagnostic): Finding | undefined {
  const code = typeof d.code === 'string' ? d.code : undefined;
  if (!code || !RULE_BY_CODE.get(code)?.fix) return undefined;
  const offset = doc.offsetAt(d.range.start);
  const length = doc.offsetAt(d.range.end) - offset;
  if (own.some((f) => f.code === code && f.offset === offset && f.length === length)) return undefined;
  const data = (d.data ?? {}) as Record<string, unknown>;
  const message = typeof d.message === 'string' ? d.message : d.message.value;
  return { code, severity: 'error', message, offset, length, data };
}

export const codeActionsFeature: Feature = {
  id: 'codeActions',
  capabilities(client) {
    documentChanges = client.workspace?.workspaceEdit?.documentChanges === true;
    const codeAction = client.textDocument?.codeAction;
    resolveEdits = codeAction?.resolveSupport?.properties.includes('edit') === true;
    const literals = codeAction?.codeActionLiteralSupport !== undefined;
    return {
      codeActionProvider: literals
        ? {
            codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND, CONVERT_KIND, PROMOTE_KIND],
            resolveProvider: resolveEdits,
          }
        : true,
    };
  },
  register(ctx) {
    ctx.connection.onCodeAction((params, token) =>
      runSafeAsync<CodeAction[]>(ctx.connection, 'textDocument/codeAction', [], token, async () => {
        const found = await ctx.analysisOf(params.textDocument.uri);
        if (!found) return [];
        const { doc, analysis } = found;
        const only = params.context.only;
        const wants = (kind: string, explicitOnly = false): boolean =>
          only ? only.some((o) => kind === o || kind.startsWith(`${o}.`)) : !explicitOnly;
        const actions: CodeAction[] = [];

        if (wants(CodeActionKind.QuickFix)) {
          const start = doc.offsetAt(params.range.start);
          const end = doc.offsetAt(params.range.end);
          for (const f of analysis.findings) {
            if (f.offset > end) break; // sorted by offset
            if (f.offset + f.length < start) continue;
            const fixes = fixesFor(analysis, f);
            if (!fixes.length) continue;
            const diagnostic = diagnosticOf(doc, f, params.context.diagnostics);
            for (const fix of fixes) {
              actions.push({
                title: fix.title,
                kind: CodeActionKind.QuickFix,
                diagnostics: [diagnostic],
                isPreferred: fix.preferred,
                edit: workspaceEdit(doc, fix.edits),
              });
            }
          }
          // Findings the analysis does not hold (the cross-document ones, computed from the blobs a document
          // names): their rule's fix, from the diagnostic's code, range and data.
          for (const d of params.context.diagnostics) {
            const f = extraFinding(doc, analysis.findings, d);
            if (!f) continue;
            for (const fix of fixesFor(analysis, f))
              actions.push({
                title: fix.title,
                kind: CodeActionKind.QuickFix,
                diagnostics: [d],
                isPreferred: fix.preferred,
                edit: workspaceEdit(doc, fix.edits),
              });
          }
          // Verification findings are not the core's: their fix comes with the diagnostic's data.
          for (const d of params.context.diagnostics) {
            const fix = blobFixFor(analysis, d);
            if (fix)
              actions.push({
                title: fix.title,
                kind: CodeActionKind.QuickFix,
                diagnostics: [d],
                isPreferred: true,
                edit: workspaceEdit(doc, fix.edits),
              });
          }
          if (actions.length && fixableFindings(analysis, 2).length > 1) {
            const title = 'Fix all auto-fixable problems';
            if (resolveEdits) {
              const data: FixAllData = { uri: doc.uri, version: doc.version };
              actions.push({ title, kind: CodeActionKind.QuickFix, data });
            } else {
              const edits = fixAll(analysis);
              if (edits.length)
                actions.push({ title, kind: CodeActionKind.QuickFix, edit: workspaceEdit(doc, edits) });
            }
          }
        }

        // Refactorings that run the authoring commands (convert, promote labels): on the main members, or asked for.
        actions.push(...authoringActions(doc, analysis, params));

        // Source actions only when asked for (the Source Action menu, code actions on save).
        if (wants(FIX_ALL_KIND, true)) {
          const edits = fixAll(analysis);
          if (edits.length)
            actions.push({
              title: 'Fix all auto-fixable OCI manifest problems',
              kind: FIX_ALL_KIND,
              edit: workspaceEdit(doc, edits),
            });
        }
        return actions;
      }),
    );

    ctx.connection.onCodeActionResolve((action, token) =>
      runSafeAsync<CodeAction>(ctx.connection, 'codeAction/resolve', action, token, async () => {
        const data = action.data as Partial<FixAllData> | undefined;
        if (!data?.uri) return action;
        const found = await ctx.analysisOf(data.uri);
        // A resolve for an older version would edit text that is gone: leave the action without an edit.
        if (!found || found.doc.version !== data.version) return action;
        return { ...action, edit: workspaceEdit(found.doc, fixAll(found.analysis)) };
      }),
    );
  },
};
