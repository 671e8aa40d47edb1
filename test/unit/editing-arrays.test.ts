/**
 * Array edits (server/src/core/editing/text.ts): elements inserted in the document's own layout (pretty or
 * compact, into an empty array or next to others) and removed with exactly their separators.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, insertElements, removeElements } from '../../server/src/core/editing/text';
import { parseJson } from '../../server/src/core/json/document';

const insert = (text: string, index: number, values: unknown[]) => {
  const e = insertElements(parseJson(text), ['a'], index, values);
  assert.ok(e);
  return applyEdits(text, [e]);
};
const remove = (text: string, indices: number[]) =>
  applyEdits(text, removeElements(parseJson(text), ['a'], indices));

test('insert: pretty and compact, at the start, in the middle, at the end, into an empty array', () => {
  const pretty = '{\n  "a": [\n    1,\n    2\n  ]\n}';
  assert.equal(insert(pretty, 0, [0]), '{\n  "a": [\n    0,\n    1,\n    2\n  ]\n}');
  assert.equal(
    insert(pretty, 1, [{ x: 1 }]),
    '{\n  "a": [\n    1,\n    {\n      "x": 1\n    },\n    2\n  ]\n}',
  );
  assert.equal(insert(pretty, 2, [3, 4]), '{\n  "a": [\n    1,\n    2,\n    3,\n    4\n  ]\n}');
  assert.equal(insert('{\n  "a": []\n}', 0, [1, 2]), '{\n  "a": [\n    1,\n    2\n  ]\n}');
  assert.equal(insert('{"a":[1,2]}', 2, [{ x: 1 }]), '{"a":[1,2,{"x":1}]}');
  assert.equal(insert('{"a":[]}', 0, [1, 2]), '{"a":[1,2]}');
});

test('remove: runs take one separator each; all of them empty the brackets; the rest is untouched', () => {
  const pretty = '{\n  "a": [\n    0,\n    1,\n    2,\n    3\n  ]\n}';
  assert.equal(remove(pretty, [0, 1]), '{\n  "a": [\n    2,\n    3\n  ]\n}');
  assert.equal(remove(pretty, [1, 3]), '{\n  "a": [\n    0,\n    2\n  ]\n}');
  assert.equal(remove(pretty, [0, 2]), '{\n  "a": [\n    1,\n    3\n  ]\n}');
  assert.equal(remove(pretty, [0, 1, 2, 3]), '{\n  "a": []\n}');
  assert.equal(remove('{"a":[0,1,2]}', [2]), '{"a":[0,1]}');
  assert.deepEqual(removeElements(parseJson(pretty), ['a'], [9]), [], 'no such element: no edit');
});
