/**
 * Which files to check: the files named on the command line, and the manifests found under the
 * directories named there. Bounded (depth, entries), never follows a symbolic link out of the directory
 * being searched, and never reads a large layer blob: blobs are sniffed by size and first byte.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { besideLayoutFile, isLayoutRoot, LAYOUT_FILE } from '../node/content/layoutRoot';

/** A file to check. */
export interface Target {
  /** The path as shown to the user: the argument itself, or joined under a directory argument. */
  path: string;
  /** Named on the command line: read whatever its name; when it is not a manifest it is skipped with a note. */
  explicit: boolean;
  /** An `oci-layout` file sits in the same directory (a layout's `index.json` is then an index). */
  besideOciLayout: boolean;
  /** A file under an OCI layout's `blobs/<alg>/`: read only when small and starting with `{`. */
  blob: boolean;
}

export interface Collected {
  targets: Target[];
  /** I/O problems (missing file, unreadable directory): the run exits with 2. */
  errors: string[];
  /** Things worth telling on stderr that do not change the exit code. */
  notes: string[];
}

export interface WalkOptions {
  /** Pick `oci-layout` files in directories (false when `--kind` forces another kind). */
  layoutFiles?: boolean;
}

export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', '.hg', '.svn']);
/** Directories deeper than this below a directory argument are not searched. */
export const MAX_DEPTH = 64;
/** At most this many directory entries are looked at in one run. */
export const MAX_ENTRIES = 200_000;

/** Position in an OCI layout of the directory being read. */
type Role = 'plain' | 'blobs' | 'alg';

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  return e?.code ?? String(err);
}

/** Whether a directory argument is itself inside a layout's `blobs/` tree. */
function roleOf(dir: string): Role {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  if (path.basename(abs) === 'blobs' && isLayoutRoot(parent)) return 'blobs';
  if (path.basename(parent) === 'blobs' && isLayoutRoot(path.dirname(parent))) return 'alg';
  return 'plain';
}

/** Collects the files to check from command-line paths, in argument order then name order. */
export function collectTargets(paths: readonly string[], options: WalkOptions = {}): Collected {
  const out: Collected = { targets: [], errors: [], notes: [] };
  const seen = new Set<string>(); // real paths already targeted, so a file is checked once
  const add = (t: Target): void => {
    let real: string;
    try {
      real = fs.realpathSync(t.path);
    } catch {
      real = path.resolve(t.path);
    }
    if (seen.has(real)) return;
    seen.add(real);
    out.targets.push(t);
  };
  const budget = { entries: MAX_ENTRIES, warned: false };

  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      out.errors.push(`${p}: cannot read: ${describe(err)}.`);
      continue;
    }
    if (st.isDirectory()) {
      walkDirectory(p, options, out, add, budget);
    } else if (st.isFile()) {
      add({ path: p, explicit: true, besideOciLayout: besideLayoutFile(p), blob: false });
    } else {
      out.errors.push(`${p}: not a regular file or directory.`);
    }
  }
  return out;
}

function walkDirectory(
  root: string,
  options: WalkOptions,
  out: Collected,
  add: (t: Target) => void,
  budget: { entries: number; warned: boolean },
): void {
  let rootReal: string;
  try {
    rootReal = fs.realpathSync(root);
  } catch (err) {
    out.errors.push(`${root}: cannot read directory: ${describe(err)}.`);
    return;
  }
  const inside = (real: string): boolean =>
    real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);
  const visited = new Set<string>([rootReal]); // real paths of directories, against symlink cycles

  // Depth is bounded by MAX_DEPTH, so recursion is safe here.
  const visit = (dir: string, role: Role, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      out.errors.push(`${dir}: cannot read directory: ${describe(err)}.`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const isLayout = entries.some((e) => e.name === LAYOUT_FILE) && isLayoutRoot(dir);

    for (const entry of entries) {
      if (budget.entries-- <= 0) {
        if (!budget.warned)
          out.notes.push(
            `Stopped searching after ${MAX_ENTRIES} directory entries; name smaller directories to check the rest.`,
          );
        budget.warned = true;
        return;
      }
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isReg = entry.isFile();
      if (entry.isSymbolicLink()) {
        let real: string;
        try {
          real = fs.realpathSync(full);
        } catch {
          continue; // a dangling link
        }
        if (!inside(real)) continue; // never leave the tree being searched
        try {
          const st = fs.statSync(real);
          isDir = st.isDirectory();
          isReg = st.isFile();
        } catch {
          continue;
        }
        if (isDir && visited.has(real)) continue;
      }
      if (isDir) {
        if (SKIPPED_DIRS.has(entry.name)) continue;
        if (depth >= MAX_DEPTH) {
          out.notes.push(`${full}: not searched, deeper than ${MAX_DEPTH} directories.`);
          continue;
        }
        let real: string;
        try {
          real = fs.realpathSync(full);
        } catch {
          continue;
        }
        if (visited.has(real)) continue;
        visited.add(real);
        const childRole: Role =
          isLayout && entry.name === 'blobs' ? 'blobs' : role === 'blobs' ? 'alg' : 'plain';
        visit(full, childRole, depth + 1);
        continue;
      }
      if (!isReg) continue;
      const lower = entry.name.toLowerCase();
      if (role === 'alg') {
        add({ path: full, explicit: false, besideOciLayout: false, blob: true });
      } else if (entry.name === LAYOUT_FILE) {
        if (options.layoutFiles !== false)
          add({ path: full, explicit: false, besideOciLayout: true, blob: false });
      } else if (lower.endsWith('.json')) {
        add({ path: full, explicit: false, besideOciLayout: isLayout, blob: false });
      }
    }
  };
  visit(root, roleOf(root), 0);
}
