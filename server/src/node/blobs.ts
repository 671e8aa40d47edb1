import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blobPath } from '../core/digest';
import type { BlobFacts } from '../core';

/** How long an answer about a folder's layout root stays good (a hover burst), and how many are kept. */
const TTL_MS = 2000;
const MAX_ENTRIES = 1000;

const isFile = (p: string): boolean => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
};

/**
 * Answers "what does the OCI image layout this document belongs to hold for a digest?" for hovers. A document
 * belongs to a layout when an `oci-layout` file sits beside it (`index.json`) or two folders up (a blob at
 * `blobs/<alg>/<encoded>`). The digest is turned into a path only through `blobPath`, which refuses anything
 * that could leave `blobs/`; only regular files count as present.
 */
export function createBlobProbe(
  now: () => number = Date.now,
): (uri: string, digest: string) => BlobFacts | undefined {
  const roots = new Map<string, { at: number; root: string | undefined }>();
  const layoutRoot = (dir: string): string | undefined => {
    const t = now();
    const hit = roots.get(dir);
    if (hit && t - hit.at < TTL_MS) return hit.root;
    let root: string | undefined;
    if (isFile(join(dir, 'oci-layout'))) root = dir;
    else if (basename(dirname(dir)) === 'blobs' && isFile(join(dirname(dirname(dir)), 'oci-layout')))
      root = dirname(dirname(dir));
    if (roots.size >= MAX_ENTRIES) roots.clear();
    roots.set(dir, { at: t, root });
    return root;
  };
  return (uri, digest) => {
    if (!uri.startsWith('file:')) return undefined;
    let dir: string;
    try {
      dir = dirname(fileURLToPath(uri));
    } catch {
      return undefined;
    }
    const root = layoutRoot(dir);
    const rel = blobPath(digest);
    if (!root || !rel) return undefined;
    try {
      const st = statSync(join(root, rel), { throwIfNoEntry: false });
      return st?.isFile() ? { path: rel, exists: true, size: st.size } : { path: rel, exists: false };
    } catch {
      return { path: rel, exists: false };
    }
  };
}
