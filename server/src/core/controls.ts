/**
 * Characters that change how text is displayed instead of being displayed, and how to show them: the CLI's
 * terminal output (cli/terminal.ts) and Markdown built from documents (markdown.ts) both show them as escapes.
 *
 * C0 (line breaks, ESC, BEL…), DEL and C1 (CSI U+009B, NEL…) drive terminals; U+2028 and U+2029 break lines;
 * the bidirectional formatting characters (U+061C, LRM, RLM, the embeddings and overrides U+202A–U+202E, the
 * isolates U+2066–U+2069) reorder what a reader sees (CVE-2021-42574, "Trojan Source").
 */

const BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';
/** Every control character above. */
export const CONTROL_CHARACTERS = new RegExp(`[\\u0000-\\u001f${BEYOND_C0}]`, 'g');
/** The same without C0 (what JSON.stringify leaves raw). */
export const CONTROL_CHARACTERS_BEYOND_C0 = new RegExp(`[${BEYOND_C0}]`, 'g');

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\n`, `\r`, `\t`, `\xHH` up to U+00FF, `\uHHHH` above. */
export function controlEscape(c: string): string {
  const code = c.charCodeAt(0);
  return SHORT[c] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

export const hex = (code: number, width: number): string => code.toString(16).padStart(width, '0');

/** The text with every control character above written as its escape. */
export function showControls(text: string): string {
  return text.replace(CONTROL_CHARACTERS, controlEscape);
}
