/** The three lint output formats. Positions are converted from offsets here, at the edge. */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES, ruleDocUrl, type Finding, type Severity } from '../core/index';
import type { FileReport } from './lint';
import { LineIndex, type Position } from './position';
import { jsonOutput, textOutput } from './terminal';

export interface Counts {
  error: number;
  warning: number;
  info: number;
  hint: number;
}

export function countFindings(files: readonly FileReport[]): Counts {
  const counts: Counts = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of files) for (const d of f.findings) counts[d.severity]++;
  return counts;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `file:line:col severity code message`, 1-based, then a summary line; input is escaped (terminal.ts). */
export function formatText(files: readonly FileReport[]): string {
  const lines: string[] = [];
  for (const file of files) {
    const index = new LineIndex(file.text);
    for (const d of file.findings) {
      const p = index.position(d.offset);
      lines.push(`${file.path}:${p.line + 1}:${p.character + 1} ${d.severity} ${d.code} ${d.message}`);
    }
  }
  const c = countFindings(files);
  const hints = c.hint ? `, ${plural(c.hint, 'hint')}` : '';
  lines.push(
    `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${plural(c.info, 'info')}${hints} in ${plural(files.length, 'file')}`,
  );
  return textOutput(lines);
}

function range(index: LineIndex, d: Finding): { start: Position; end: Position } {
  return { start: index.position(d.offset), end: index.position(d.offset + d.length) };
}

/** An array of files with their diagnostics in 0-based LSP positions (UTF-16 characters). */
export function formatJson(files: readonly FileReport[]): string {
  const out = files.map((file) => {
    const index = new LineIndex(file.text);
    return {
      file: file.path,
      kind: file.kind,
      diagnostics: file.findings.map((d) => ({
        code: d.code,
        severity: d.severity,
        message: d.message,
        range: range(index, d),
      })),
    };
  });
  return jsonOutput(out);
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}

/** The project's home page, derived from where the rule documentation lives. */
export function homePage(): string {
  const url = ruleDocUrl('x');
  const cut = url.indexOf('/blob/');
  return cut > 0 ? url.slice(0, cut) : url.replace(/#.*$/, '');
}

export interface SarifOptions {
  version: string;
  /** Directory that relative artifact URIs are relative to (the working directory). */
  cwd: string;
}

/** A relative URI (forward slashes, each segment percent-encoded), or undefined outside `cwd`. */
function relativeUri(file: string, cwd: string): string | undefined {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).map(encodeURIComponent).join('/');
}

/** SARIF 2.1.0: one run, the whole rule table as the driver's rules, one result per finding. */
export function formatSarif(files: readonly FileReport[], options: SarifOptions): string {
  const ruleIndex = new Map(RULES.map((r, i) => [r.code, i]));
  const results: unknown[] = [];
  for (const file of files) {
    const index = new LineIndex(file.text);
    const rel = file.uri === undefined ? relativeUri(file.path, options.cwd) : undefined;
    const artifactLocation =
      file.uri !== undefined
        ? { uri: file.uri }
        : rel !== undefined
          ? { uri: rel, uriBaseId: 'SRCROOT' }
          : { uri: pathToFileURL(path.resolve(options.cwd, file.path)).href };
    for (const d of file.findings) {
      const { start, end } = range(index, d);
      const i = ruleIndex.get(d.code);
      results.push({
        ruleId: d.code,
        ...(i !== undefined ? { ruleIndex: i } : {}),
        level: sarifLevel(d.severity),
        message: { text: d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation,
              region: {
                startLine: start.line + 1,
                startColumn: start.character + 1,
                endLine: end.line + 1,
                endColumn: end.character + 1,
              },
            },
          },
        ],
      });
    }
  }
  const cwdUri = pathToFileURL(options.cwd).href.replace(/\/?$/, '/');
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'oci-manifest',
            version: options.version,
            informationUri: homePage(),
            rules: RULES.map((r) => ({
              id: r.code,
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              helpUri: ruleDocUrl(r.code),
              defaultConfiguration: { level: sarifLevel(r.severity) },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: cwdUri } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return jsonOutput(sarif);
}
