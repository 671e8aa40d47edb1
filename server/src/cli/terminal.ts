/**
 * What the CLI prints is read by people on terminals and by CI runners scanning their logs, and much of it
 * comes from input: file names, values from documents, a registry's reason phrases. Every line of text
 * output and every JSON document goes out through this module, so that such input is shown and never obeyed:
 *
 * - Control characters (core/controls.ts: C0, DEL, C1, the line and paragraph separators, the bidirectional
 *   formatting characters) are shown as escapes (`\n`, `\x1b`, `\x9b`, `\u202e`…). A newline inside a file
 *   name therefore stays inside its line.
 * - No line can be a CI workflow command: a line whose first non-blank characters are `::` (GitHub Actions)
 *   gets its first colon escaped, and `##[` / `##vso[` / `##teamcity[` anywhere in a line (the older GitHub,
 *   Azure Pipelines and TeamCity forms) get their first `#` escaped.
 *
 * JSON and SARIF stay exact: JSON.stringify already escapes C0; the other characters above (and that `#`) are
 * written as `\uXXXX` escapes, which a JSON parser reads back as the same characters.
 */
import { CONTROL_CHARACTERS_BEYOND_C0, hex, showControls } from '../core/controls';

/** A GitHub Actions workflow command: `::` after leading blanks (the runner trims them first). */
const LEADING_COMMAND = /^(\s*):(?=:)/;
/** The first `#` of the `##[`, `##vso[` and `##teamcity[` command forms, which count anywhere in a line. */
const HASH_COMMAND = /#(?=#(?:vso|teamcity)?\[)/g;

/** One line of text output with control characters escaped and no workflow command in it. */
export function safeLine(line: string): string {
  return showControls(line).replace(LEADING_COMMAND, '$1\\x3a').replace(HASH_COMMAND, '\\x23');
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
      .replace(CONTROL_CHARACTERS_BEYOND_C0, (c) => `\\u${hex(c.charCodeAt(0), 4)}`)
      // `#` occurs in JSON text only inside strings, where `\u0023` means the same character.
      .replace(HASH_COMMAND, '\\u0023') + '\n'
  );
}
