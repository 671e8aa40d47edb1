/** Documents and position helpers shared by the LSP tests. */
import { j, specIndex, specManifest } from '../helpers';

export { j, specIndex, specManifest };

/** A manifest whose only problem is `"schemaVersion": "2"` (a string), reported by oci/schema-version. */
export const brokenManifest = (): string => j({ ...specManifest(), schemaVersion: '2' });
export const validManifest = (): string => j(specManifest());

/** The line/character range of the `occurrence`-th `slice` in `text`. */
export function rangeOf(text: string, slice: string, occurrence = 0) {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) at = text.indexOf(slice, at + 1);
  if (at < 0) throw new Error(`${slice} not in the text`);
  return { start: positionAt(text, at), end: positionAt(text, at + slice.length) };
}

export function positionAt(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}
