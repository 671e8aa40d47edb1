/**
 * Hovers on documents whose keys and values are Markdown: links (`command:` URIs run editor commands where
 * Markdown is trusted), remote images, HTML, autolinks, backticks that close a code span, line breaks that
 * start new blocks. Every hover of every offset is rendered with marked (the renderer VS Code's hovers use)
 * and must hold no link but the spec links, no image, no HTML and no block the document made; the hostile
 * text must still be shown.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, type Token } from 'marked';
import { analyze, hoverAt } from '../../server/src/core/index';
import { showControls } from '../../server/src/core/controls';
import { mdCode, mdFence, mdText } from '../../server/src/core/markdown';
import { assertInert, HOSTILE, shownText } from '../markdown';

/** A manifest and an index with `h` in every place a hover quotes document text. */
function documents(h: string): string[] {
  const data = Buffer.from(h).toString('base64');
  const descriptor = { mediaType: h, digest: h, size: 2, data };
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: h,
    config: descriptor,
    layers: [
      { mediaType: h, digest: `sha256:${'a'.repeat(64)}`, size: 1, platform: { os: h, architecture: h } },
    ],
    annotations: { [h]: h, 'org.opencontainers.image.ref.name': h, 'org.opencontainers.image.created': h },
    [h]: 1,
  };
  const index = {
    schemaVersion: 2,
    mediaType: h,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${'b'.repeat(64)}`,
        size: 3,
        platform: { os: h, architecture: h, variant: h, 'os.version': h, 'os.features': [h] },
        annotations: { [h]: h },
      },
    ],
  };
  return [JSON.stringify(manifest, null, 1), JSON.stringify(index, null, 1)];
}

/** Every distinct hover over every offset of `text`, with the offset it was first seen at. */
function allHovers(text: string): Map<string, number> {
  const analysis = analyze(text);
  const out = new Map<string, number>();
  for (let offset = 0; offset <= text.length; offset++) {
    const h = hoverAt(analysis, offset, { blob: (digest) => ({ path: `blobs/${digest}`, exists: false }) });
    if (h && !out.has(h.markdown)) out.set(h.markdown, offset);
  }
  return out;
}

describe('hovers quote documents, never render them', () => {
  for (const h of HOSTILE) {
    test(JSON.stringify(h), () => {
      for (const text of documents(h)) {
        const hovers = allHovers(text);
        assert.ok(hovers.size > 10, `${hovers.size} hovers`);
        for (const [md, offset] of hovers) assertInert(md, `the hover at ${offset}`);
        // The text is shown as it is (control characters as escapes) in the hovers that quote it whole.
        const whole = [...hovers.keys()].filter((md) => shownText(md).includes(showControls(h)));
        assert.ok(whole.length >= 3, `shown in ${whole.length} hovers`);
      }
    });
  }
});

describe('the Markdown helpers', () => {
  test('mdText: shown as written, nothing interpreted', () => {
    for (const h of HOSTILE) {
      assertInert(mdText(h), 'mdText');
      assert.equal(shownText(mdText(h)).trim(), showControls(h));
    }
  });

  test('mdCode: one code span whatever backticks the text holds', () => {
    for (const h of [...HOSTILE, '``', ' a ', '`a`', 'a`']) {
      const tokens = new Lexer({ gfm: true }).lex(mdCode(h));
      const inline = (tokens[0] as { tokens: Token[] }).tokens;
      assert.equal(inline.length, 1, JSON.stringify(mdCode(h)));
      assert.equal(inline[0]!.type, 'codespan');
      assert.equal((inline[0] as { text: string }).text, showControls(h));
    }
  });

  test('mdFence: one code block, lines kept', () => {
    const text = 'line 1\n```\n~~~~\n````` \n[run](command:x)';
    const tokens = new Lexer({ gfm: true }).lex(mdFence(text, 'text'));
    assert.deepEqual(
      tokens.filter((t) => t.type !== 'space').map((t) => [t.type, (t as { text?: string }).text]),
      [['code', text]],
    );
  });
});
