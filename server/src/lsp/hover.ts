import { MarkupKind, type Hover, type Position, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../core';
import { KIND_LABELS } from '../core';

const SOURCE_TEXT: Record<string, string> = {
  mediaType: 'its top-level `mediaType`',
  shape: 'its fields',
  fileName: 'its file name',
  forced: 'a setting',
};

/**
 * A small hover on the top-level object's opening brace or on a top-level key that names the detected kind,
 * so that users of editors without our status bar can see how the document is read.
 */
export function kindHover(document: TextDocument, analysis: Analysis, position: Position): Hover | null {
  const detection = analysis.detection;
  if (!detection) return null;
  const json = analysis.json;
  const offset = document.offsetAt(position);
  const root = json.locate([]);
  let range: Range | undefined;
  if (root && json.text.charAt(root.offset) === '{' && offset === root.offset) {
    range = { start: document.positionAt(root.offset), end: document.positionAt(root.offset + 1) };
  } else {
    // Only the top level interests us: a cursor on one of the root object's own keys.
    const at = json.pathAt(offset);
    if (!at || !at.onKey || at.path.length !== 1) return null;
    const key = json.locateKey(at.path);
    if (key && offset >= key.offset && offset <= key.offset + key.length) {
      range = { start: document.positionAt(key.offset), end: document.positionAt(key.offset + key.length) };
    }
  }
  const label = KIND_LABELS[detection.kind] ?? detection.kind;
  const how = SOURCE_TEXT[detection.source] ?? 'its content';
  return {
    contents: {
      kind: MarkupKind.Markdown,
      value: `**${label}** (\`${detection.kind}\`): oci-manifest reads this document as such, judging by ${how}.`,
    },
    ...(range ? { range } : {}),
  };
}
