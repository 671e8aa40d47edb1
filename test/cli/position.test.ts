import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineIndex, lineStarts, offsetToPosition } from '../../server/src/cli/position';

test('lineStarts: \\n, \\r\\n and \\r all end a line', () => {
  assert.deepEqual(lineStarts(''), [0]);
  assert.deepEqual(lineStarts('ab'), [0]);
  assert.deepEqual(lineStarts('a\nb'), [0, 2]);
  assert.deepEqual(lineStarts('a\r\nb'), [0, 3]);
  assert.deepEqual(lineStarts('a\rb'), [0, 2]);
  assert.deepEqual(lineStarts('\n\n'), [0, 1, 2]);
  assert.deepEqual(lineStarts('a\r\n\r\nb\n'), [0, 3, 5, 7]);
});

test('offsetToPosition: 0-based line and character, by binary search', () => {
  const text = '{\n  "a": 1,\r\n  "b": 2\r}';
  const starts = lineStarts(text);
  const at = (needle: string) => offsetToPosition(starts, text.indexOf(needle));
  assert.deepEqual(at('{'), { line: 0, character: 0 });
  assert.deepEqual(at('"a"'), { line: 1, character: 2 });
  assert.deepEqual(at('1'), { line: 1, character: 7 });
  assert.deepEqual(at('"b"'), { line: 2, character: 2 });
  assert.deepEqual(at('}'), { line: 3, character: 0 });
  // The end of the text is a valid position (an empty range at the end).
  assert.deepEqual(offsetToPosition(starts, text.length), { line: 3, character: 1 });
  // Negative offsets clamp to the start.
  assert.deepEqual(offsetToPosition(starts, -5), { line: 0, character: 0 });
});

test('offsetToPosition agrees with a naive count on every offset of a mixed text', () => {
  const text = 'x\n\ny\r\nzz\r\r\nw😀v\n';
  const starts = lineStarts(text);
  for (let off = 0; off <= text.length; off++) {
    // Naive: count line breaks before off, treating \r\n as one.
    let line = 0;
    let start = 0;
    for (let i = 0; i < off; i++) {
      const c = text[i];
      // A \r followed by \n ends its line at the \n; an offset between them stays on the line.
      if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
        line++;
        start = i + 1;
      }
    }
    assert.deepEqual(offsetToPosition(starts, off), { line, character: off - start }, `offset ${off}`);
  }
});

test('characters are UTF-16 code units, as in the LSP', () => {
  const text = 'é😀"x"';
  const index = new LineIndex(text);
  assert.deepEqual(index.position(text.indexOf('"x"')), { line: 0, character: 3 });
  // Offsets beyond the end clamp to the end.
  assert.deepEqual(index.position(1000), { line: 0, character: text.length });
});

test('a large text: every line start maps back to its line', () => {
  const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i}`);
  const index = new LineIndex(lines.join('\n'));
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    if (i % 997 === 0) assert.deepEqual(index.position(offset + 2), { line: i, character: 2 });
    offset += lines[i]!.length + 1;
  }
});
