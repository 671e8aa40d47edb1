/**
 * Markdown that quotes documents. Hovers and tooltips show keys, values, media types, platform values, tags,
 * digests, file names and messages that quote them; read as Markdown, such text could add a link (a
 * `command:` link runs an editor command where Markdown is trusted), a remote image (a request to a server the
 * document's author chose), HTML, a heading, or a fence that swallows the rest of the hover. Every piece of
 * text taken from a document reaches Markdown through one of these three, which show it as it is and never
 * as Markdown. Control characters (controls.ts) are shown as escapes, so no line break can start a new block.
 */
import { showControls } from './controls';

/** CommonMark's backslash-escapable characters: all ASCII punctuation. */
const PUNCTUATION = /[!-/:-@[-`{-~]/g;

/**
 * Text to read as running text: every ASCII punctuation character is backslash-escaped, so none starts a
 * link, image, autolink (`http\:\/\/` and `www\.` are no longer URLs), HTML tag, entity, emphasis, code
 * span, heading, list, quote or table.
 */
export function mdText(text: string): string {
  return showControls(text).replace(PUNCTUATION, '\\$&');
}

/** The longest run of `char` in `text`. */
function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/**
 * Text as inline code (for keys, values, media types, digests): inside a code span nothing is Markdown;
 * the fence is one backtick longer than any run of backticks in the text, so none can close it.
 */
export function mdCode(text: string): string {
  const shown = showControls(text);
  if (shown === '') return '` `';
  const fence = '`'.repeat(longestRun(shown, '`') + 1);
  // A leading or trailing backtick would join the fence; CommonMark strips one space from each side.
  const pad = shown.startsWith('`') || shown.endsWith('`') || /^ .*[^ ].* $/s.test(shown) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/**
 * Lines of text as a fenced code block (a decoded `data` preview, a descriptor as JSON): line breaks are
 * kept, other control characters escaped, and the fence is longer than any run of backticks in the text.
 */
export function mdFence(text: string, language = ''): string {
  const lines = text
    .split(/\r\n|\r|\n/)
    .map(showControls)
    .join('\n');
  const fence = '`'.repeat(Math.max(3, longestRun(lines, '`') + 1));
  return `${fence}${language}\n${lines}\n${fence}`;
}
