import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How long an answer about a folder stays good; long enough for a burst of keystrokes, short enough to notice a new file. */
const TTL_MS = 2000;
const MAX_ENTRIES = 1000;

/**
 * Answers "is there an `oci-layout` file beside this document?" from the file system, caching the answer
 * per folder for a moment (the server asks on every validation). Non-`file:` URIs have no neighbours.
 */
export function createOciLayoutProbe(now: () => number = Date.now): (uri: string) => boolean {
  const cache = new Map<string, { at: number; found: boolean }>();
  return (uri) => {
    if (!uri.startsWith('file:')) return false;
    let dir: string;
    try {
      dir = dirname(fileURLToPath(uri));
    } catch {
      return false;
    }
    const t = now();
    const hit = cache.get(dir);
    if (hit && t - hit.at < TTL_MS) return hit.found;
    let found: boolean;
    try {
      found = statSync(join(dir, 'oci-layout'), { throwIfNoEntry: false })?.isFile() ?? false;
    } catch {
      found = false;
    }
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(dir, { at: t, found });
    return found;
  };
}
