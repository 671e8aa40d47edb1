/**
 * Markdown built from hostile documents, checked as VS Code renders it (marked, GitHub-flavoured): what
 * hovers and the layout view's tooltips must never turn into links, images, HTML or blocks.
 */
import assert from 'node:assert/strict';
import { Lexer, marked, type Token, type TokensList } from 'marked';

export const HOSTILE = [
  '[run](command:workbench.action.terminal.new)',
  '![pixel](https://attacker.example/p.png)',
  '<img src="https://attacker.example/p.png"><a href="command:x">a</a>',
  '<command:workbench.action.terminal.new>',
  'https://attacker.example/x www.attacker.example mail@attacker.example',
  'a`b``c```[run](command:x)`',
  '`',
  'x\n\n[run](command:x)\n\n![p](https://attacker.example/p.png)\n# heading\n> quote',
  '| a | b |\n|---|---|\n| c | d |',
  '[ref]\n\n[ref]: command:x',
  '&lt;img src=x&gt; *em* _em_ **strong** ~~del~~ \\[escaped\\]',
  'rtl\u202eevil\u0007\u001b[31m',
];

/** The spec sites hovers link to: the only links a hover may hold. */
const ALLOWED_LINK = /^https:\/\/github\.com\/(opencontainers|distribution)\//;

function* walk(tokens: readonly Token[]): Generator<Token> {
  for (const t of tokens) {
    yield t;
    const inner = (t as { tokens?: Token[] }).tokens;
    if (inner) yield* walk(inner);
    const items = (t as { items?: Token[] }).items;
    if (items) yield* walk(items);
  }
}

/** Asserts that `md`, rendered, links only to the spec and holds no image, HTML or structure from a document. */
export function assertInert(md: string, where: string): void {
  const tokens: TokensList = new Lexer({ gfm: true }).lex(md);
  assert.deepEqual(Object.keys(tokens.links), [], `a reference definition in ${where}: ${md}`);
  for (const t of walk(tokens)) {
    const label = `${t.type} in ${where}: ${JSON.stringify(md)}`;
    assert.ok(!['image', 'html', 'heading', 'table', 'blockquote', 'def'].includes(t.type), label);
    if (t.type === 'link') assert.match((t as { href: string }).href, ALLOWED_LINK, label);
  }
}

/** What a reader sees: the rendered HTML's text. */
export function shownText(md: string): string {
  const html = marked.parse(md, { async: false, gfm: true });
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
