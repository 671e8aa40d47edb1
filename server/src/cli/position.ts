/**
 * Offsets ⇄ positions at the CLI's edge. The core works in UTF-16 offsets; the CLI prints 0-based LSP
 * positions (json) or 1-based ones (text, SARIF). Line breaks are `\n`, `\r\n` and `\r`, as in the LSP.
 */

/** A 0-based position: line and UTF-16 code-unit offset within the line, as in the LSP. */
export interface Position {
  line: number;
  character: number;
}

/** The offset at which each line starts; always starts with 0. Linear in the text length. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/**
 * The position of `offset` given the line starts (binary search, so O(log lines)). Offsets are
 * clamped to [0, the last line start … ∞); an offset inside a `\r\n` pair stays on its line.
 */
export function offsetToPosition(starts: readonly number[], offset: number): Position {
  const at = Math.max(0, offset);
  let lo = 0;
  let hi = starts.length - 1;
  // The last line whose start is <= offset.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: at - starts[lo]! };
}

/** Converts many offsets of one text, building the line index once (lazily). */
export class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  position(offset: number): Position {
    this.starts ??= lineStarts(this.text);
    return offsetToPosition(this.starts, Math.min(offset, this.text.length));
  }
}
