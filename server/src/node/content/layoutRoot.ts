/**
 * THE rule for finding an OCI image layout's root, used by the editor (kind detection of `index.json`, hovers,
 * links, the OCI Layouts view, Verify Layout) and the CLI (`lint`, `verify`): a folder is a layout's root when
 * it holds a file named `oci-layout` (a regular file, or a symbolic link to one; reading it is the safe
 * reader's business, which refuses a link that leaves the layout). The layout a path belongs to is the nearest
 * such folder at or above it (a file's own folder first), at most {@link MAX_WALK_UP} levels up.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';

/** The file that marks a layout's root. */
export const LAYOUT_FILE = 'oci-layout';
/** How many folders above a path are searched for `oci-layout`. */
export const MAX_WALK_UP = 32;

/** True when `dir` is the root of an OCI image layout (it holds an `oci-layout` file). */
export function isLayoutRoot(dir: string): boolean {
  try {
    return statSync(path.join(dir, LAYOUT_FILE), { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

/** True when an `oci-layout` file sits in the folder of `file` (so an `index.json` there is a layout's index). */
export function besideLayoutFile(file: string): boolean {
  return isLayoutRoot(path.dirname(path.resolve(file)));
}

/** The folder a path starts the search in: itself when it is a folder, else its parent. */
function startDir(start: string): string {
  const abs = path.resolve(start);
  try {
    return statSync(abs, { throwIfNoEntry: false })?.isDirectory() ? abs : path.dirname(abs);
  } catch {
    return path.dirname(abs);
  }
}

/** The root of the layout `start` (a file or a folder) belongs to, if any. */
export function findLayoutRoot(start: string): string | undefined {
  let dir = startDir(start);
  for (let i = 0; i <= MAX_WALK_UP; i++) {
    if (isLayoutRoot(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** How long an answer about a folder stays good: long enough for a burst of keystrokes, short enough to notice a new file. */
const TTL_MS = 2000;
const MAX_CACHED = 1000;

/**
 * The root rule with a short-lived cache per folder, for the editor (which asks on every validation and
 * hover). Answers are the same as {@link findLayoutRoot} and {@link isLayoutRoot}.
 */
export function createLayoutRoots(now: () => number = Date.now): {
  rootOf(start: string): string | undefined;
  isRoot(dir: string): boolean;
} {
  const roots = new Map<string, { at: number; root: string | undefined }>();
  const marks = new Map<string, { at: number; found: boolean }>();
  const remember = <T>(cache: Map<string, T>, key: string, value: T): T => {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, value);
    return value;
  };
  return {
    rootOf(start) {
      const dir = startDir(start);
      const t = now();
      const hit = roots.get(dir);
      if (hit && t - hit.at < TTL_MS) return hit.root;
      return remember(roots, dir, { at: t, root: findLayoutRoot(dir) }).root;
    },
    isRoot(dir) {
      const t = now();
      const hit = marks.get(dir);
      if (hit && t - hit.at < TTL_MS) return hit.found;
      return remember(marks, dir, { at: t, found: isLayoutRoot(dir) }).found;
    },
  };
}
