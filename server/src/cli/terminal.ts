/**
 * What the CLI prints is read by people on terminals and by CI runners scanning their logs, and much of it
 * comes from input: file names, values from documents, a registry's reason phrases. Every line of text
 * output and every JSON document goes out through this module, so that such input is shown and never obeyed:
 *
 * - Control characters are shown as escapes: C0 (`\n`, `\r`, `\t`, `\x1b`…), DEL and C1 (`\x7f`, `\x9b`…),
 *   the Unicode line and paragraph separators and the bidirectional formatting characters (`\u2028`,
 *   `\u202e`…), which reorder what a reader sees (CVE-2021-42574). A newline inside a file name therefore
 *   stays inside its line.
 * - No line can be a CI workflow command: a line whose first non-blank characters are `::` (GitHub Actions)
 *   gets its first colon escaped, and `##[` / `##vso[` / `##teamcity[` anywhere in a line (the older GitHub,
 *   Azure Pipelines and TeamCity forms) get their first `#` escaped.
 *
 * JSON and SARIF stay exact: JSON.stringify already escapes C0; the other characters above (and that `#`) are
 * written as `\uXXXX` escapes, which a JSON parser reads back as the same characters.
 */

/** The characters shown as escapes: C0, DEL, C1, U+061C, LRM/RLM, U+2028/U+2029, embeddings, overrides, isolates. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** Outside C0, the same set: what JSON.stringify leaves raw. */
const JSON_UNESCAPED = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** A GitHub Actions workflow command: `::` after leading blanks (the runner trims them first). */
const LEADING_COMMAND = /^(\s*):(?=:)/;
/** The first `#` of the `##[`, `##vso[` and `##teamcity[` command forms, which count anywhere in a line. */
const HASH_COMMAND = /#(?=#(?:vso|teamcity)?\[)/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

function escapeControl(c: string): string {
  const code = c.charCodeAt(0);
  return SHORT[c] ?? (code <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`);
}

/** One line of text output with control characters escaped and no workflow command in it. */
export function safeLine(line: string): string {
  return line
    .replace(CONTROL, escapeControl)
    .replace(LEADING_COMMAND, '$1\\x3a')
    .replace(HASH_COMMAND, '\\x23');
}

/** Lines of text output, each made safe (see {@link safeLine}), one per line. Empty for no lines. */
export function textOutput(lines: readonly string[]): string {
  return lines.length ? lines.map(safeLine).join('\n') + '\n' : '';
}

/** Lines for stderr, each prefixed with `oci-manifest: ` and made safe. */
export function noteOutput(notes: readonly string[]): string {
  return textOutput(notes.map((n) => `oci-manifest: ${n}`));
}

/** A value as indented JSON with the characters above escaped as `\uXXXX` (the parsed value is unchanged). */
export function jsonOutput(value: unknown): string {
  return (
    JSON.stringify(value, null, 2)
      .replace(JSON_UNESCAPED, (c) => `\\u${hex(c, 4)}`)
      // `#` occurs in JSON text only inside strings, where `\u0023` means the same character.
      .replace(HASH_COMMAND, '\\u0023') + '\n'
  );
}
