/**
 * THE safe reader for content in a folder (an OCI image layout): every file the editor, the CLI and the views
 * read from a layout is opened here. The rules:
 * - nothing outside the folder: a path is resolved one component at a time below the folder, each directory
 *   opened with `O_NOFOLLOW | O_DIRECTORY` relative to the one before it (on Linux through
 *   `/proc/self/fd/<fd>/<name>`, so a component swapped for a symbolic link after it was checked is never
 *   followed: the checked directory is what is opened, and the opened file is what is checked);
 * - symbolic links are followed only while they stay inside the area a caller allows (a layout's `blobs/`
 *   for blobs, the layout for its root files): a link's text is resolved by this code, component by
 *   component under the same rules, never by the kernel; `..` above the folder or an absolute target outside
 *   it is refused. (Links inside the layout are kept working: tools such as `skopeo` deduplicate with them.)
 * - only regular files are read: FIFOs, sockets and devices are refused from `lstat` before anything is
 *   opened, the file is opened `O_NOFOLLOW | O_NONBLOCK` (a FIFO swapped in cannot block), and `fstat` on the
 *   opened descriptor must show the same regular file;
 * - sizes are bounded by the callers (each read is given its limit).
 * Where `/proc/self/fd` is missing (macOS, Windows) the same checks run on full paths: the final file is still
 * opened without following links and checked after opening, but a directory swapped between two steps is
 * only caught if it is swapped before its own check.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { BlobSourceError } from '../../core/content/source';

/** At most this many symbolic links are followed for one path (as the kernel's ELOOP limit). */
const MAX_LINKS = 40;

/** True when directories can be opened relative to an open descriptor through /proc. */
const PROC_FD: boolean = (() => {
  try {
    return lstatSync('/proc/self/fd', { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
})();

/** Describes a file type for messages, or undefined for a regular file. */
export function specialKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function ioMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'ELOOP') return 'too many symbolic links';
  if (e?.code === 'EISDIR') return 'it is a directory';
  return e?.code ?? (err instanceof Error ? err.message : String(err));
}

const isMissing = (err: unknown): boolean => {
  const c = (err as NodeJS.ErrnoException)?.code;
  return c === 'ENOENT' || c === 'ENOTDIR';
};

/** True when `child` is `parent` or below it (both absolute, normalised). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Where a resolved path ends: its parent directory (open, or by path) and its own `lstat`. */
interface Resolved {
  /** The parent directory to open the final name in: `/proc/self/fd/<fd>` or a full path. */
  parent: string;
  name: string;
  stats: Stats;
  /** The components below the root of the final path, links resolved. */
  names: string[];
  /** Directory descriptors to close once the caller is done. */
  held: number[];
}

/** An entry of a listed directory. */
export interface DirEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
}

/** Refusals that follow the shown path: `<path> is a symbolic link that leads outside the layout`. */
const outside = (shown: string, area: string): BlobSourceError =>
  new BlobSourceError('refused', `${shown} is a symbolic link that leads outside ${area}`);

/**
 * A folder whose files are read safely (see the module comment). Paths are given as components below the
 * folder; `within` is the area links may lead to (`['blobs']`, or `[]` for the whole folder) and `area` names
 * it in messages (`the layout's blobs directory`).
 */
export class SafeDir {
  private constructor(
    /** The folder as given (for messages). */
    readonly root: string,
    /** Its real path. */
    readonly realRoot: string,
    /** Open each folder relative to the one before through /proc/self/fd (else: full paths, the fallback). */
    private readonly procFd: boolean,
  ) {}

  /**
   * A folder to read from; throws when `root` is not a folder. `procFd: false` takes the portable path even
   * where /proc is there (the tests run both).
   */
  static open(root: string, options: { procFd?: boolean } = {}): SafeDir {
    const st = lstatFollow(root);
    if (!st.isDirectory()) throw new Error(`${root} is not a folder`);
    return new SafeDir(root, realpath(root), PROC_FD && options.procFd !== false);
  }

  /** The path as shown to users: under the root as given. */
  shown(components: readonly string[]): string {
    return path.join(this.root, ...components);
  }

  /**
   * Resolves `rel` below the root: undefined when nothing is there (no such entry, a dangling link, a
   * component that is not a directory); a `BlobSourceError('refused')` when a link leads out of `within`.
   */
  private resolve(rel: readonly string[], within: readonly string[], area: string): Resolved | undefined {
    const held: number[] = [];
    let names: string[] = [];
    let queue = rel.slice();
    let links = 0;
    const openRoot = (): string => {
      if (!this.procFd) return this.realRoot;
      const fd = openSync(this.realRoot, constants.O_RDONLY | constants.O_DIRECTORY);
      held.push(fd);
      return `/proc/self/fd/${fd}`;
    };
    const release = (): void => {
      for (const fd of held) closeSync(fd);
      held.length = 0;
    };
    try {
      let dirs = [openRoot()];
      while (queue.length > 0) {
        const name = queue[0]!;
        queue = queue.slice(1);
        if (name === '' || name === '.') continue;
        if (name === '..') {
          if (names.length === 0) throw outside(this.shown(rel), area);
          names = names.slice(0, -1);
          dirs = dirs.slice(0, -1);
          continue;
        }
        const top = dirs[dirs.length - 1]!;
        const here = path.join(top, name);
        const intermediate = queue.length > 0;
        if (intermediate && this.procFd) {
          // Opened without following a link and only as a directory: what is opened is a real directory,
          // whatever the path turns into afterwards. A link (ELOOP) is resolved below, by our rules.
          let fd: number | undefined;
          try {
            fd = openSync(here, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
          } catch (err) {
            // ENOENT: nothing there. ELOOP or ENOTDIR: a link, or not a folder; lstat below tells which.
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') {
              release();
              return undefined;
            }
            if (code !== 'ELOOP' && code !== 'ENOTDIR') throw err;
          }
          if (fd !== undefined) {
            held.push(fd);
            dirs = [...dirs, `/proc/self/fd/${fd}`];
            names = [...names, name];
            continue;
          }
        }
        let st: Stats;
        try {
          st = lstatSync(here);
        } catch (err) {
          if (isMissing(err)) {
            release();
            return undefined;
          }
          throw err;
        }
        if (st.isSymbolicLink()) {
          if (++links > MAX_LINKS)
            throw new BlobSourceError(
              'refused',
              `${this.shown(rel)} has more than ${MAX_LINKS} symbolic links`,
            );
          const target = readlinkSync(here);
          const linkShown = this.shown([...names, name]);
          if (path.isAbsolute(target)) {
            if (!isInside(path.normalize(target), this.realRoot)) throw outside(linkShown, area);
            // Start again from the root with the target's components.
            names = [];
            dirs = [dirs[0]!];
            queue = [...path.relative(this.realRoot, path.normalize(target)).split(path.sep), ...queue];
          } else {
            // `..` in the target is resolved against the directories opened so far.
            const parts = target.split(/[\\/]/);
            let depth = names.length;
            for (const p of parts) {
              if (p === '..') depth--;
              else if (p !== '' && p !== '.') depth++;
              if (depth < 0) throw outside(linkShown, area);
            }
            queue = [...parts, ...queue];
          }
          continue;
        }
        if (intermediate) {
          if (this.procFd && !st.isDirectory()) {
            release();
            return undefined; // a file where a folder belongs
          }
          // A link a moment ago, a folder now: someone is swapping it, so it is not followed.
          if (this.procFd)
            throw new BlobSourceError(
              'refused',
              `${this.shown([...names, name])} changed while it was being opened, so it was not read`,
            );
          // The portable path: it must be a directory (not opened; a swap after this check is not caught).
          if (!st.isDirectory()) {
            release();
            return undefined;
          }
          dirs = [...dirs, here];
          names = [...names, name];
          continue;
        }
        // The final component.
        const final = [...names, name];
        for (let i = 0; i < within.length; i++)
          if (final[i] !== within[i] || final.length <= within.length) throw outside(this.shown(rel), area);
        return { parent: top, name, stats: st, names: final, held };
      }
      // An empty path names the root itself.
      return { parent: dirs[0]!, name: '.', stats: lstatSync(dirs[0]!), names: [], held };
    } catch (err) {
      release();
      if (err instanceof BlobSourceError) throw err;
      throw new BlobSourceError('io', `cannot read ${this.shown(rel)}: ${ioMessage(err)}`);
    }
  }

  /**
   * What is at `rel`, without opening it: its `lstat` (links resolved under the rules) and where it is.
   * Undefined when nothing is there.
   */
  stat(
    rel: readonly string[],
    within: readonly string[],
    area: string,
  ): { stats: Stats; names: string[] } | undefined {
    const r = this.resolve(rel, within, area);
    if (!r) return undefined;
    for (const fd of r.held) closeSync(fd);
    return { stats: r.stats, names: r.names };
  }

  /**
   * Opens the regular file at `rel` for reading: undefined when nothing is there; refused when it is not a
   * regular file inside `within`. The caller owns (and closes) the handle.
   */
  async openFile(
    rel: readonly string[],
    within: readonly string[],
    area: string,
  ): Promise<{ handle: FileHandle; stats: Stats; names: string[] } | undefined> {
    const r = this.resolve(rel, within, area);
    if (!r) return undefined;
    const shown = this.shown(rel);
    try {
      const special = specialKind(r.stats);
      if (special)
        throw new BlobSourceError(
          'refused',
          `${shown} is ${special}, not a regular file, so it was not read`,
        );
      let handle: FileHandle;
      try {
        // Non-blocking: a FIFO swapped in after the check must not block the open.
        handle = await open(
          path.join(r.parent, r.name),
          constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
        );
      } catch (err) {
        if ((err as NodeJS.ErrnoException)?.code === 'ELOOP')
          throw new BlobSourceError(
            'refused',
            `${shown} changed into a symbolic link while it was being opened`,
          );
        if (isMissing(err)) return undefined;
        throw new BlobSourceError('io', `cannot open ${shown}: ${ioMessage(err)}`);
      }
      try {
        const st = await handle.stat();
        if (!st.isFile() || st.ino !== r.stats.ino || st.dev !== r.stats.dev)
          throw new BlobSourceError(
            'refused',
            `${shown} changed while it was being opened, so it was not read`,
          );
        return { handle, stats: st, names: r.names };
      } catch (err) {
        await handle.close().catch(() => undefined);
        throw err instanceof BlobSourceError
          ? err
          : new BlobSourceError('io', `cannot read ${shown}: ${ioMessage(err)}`);
      }
    } finally {
      for (const fd of r.held) closeSync(fd);
    }
  }

  /**
   * The entries of the directory at `rel` (which must resolve to a directory inside `within`), sorted by
   * name; undefined when it is not there or not a directory.
   */
  list(rel: readonly string[], within: readonly string[], area: string): DirEntry[] | undefined {
    const r = this.resolve(rel, within, area);
    if (!r) return undefined;
    try {
      if (!r.stats.isDirectory()) return undefined;
      let dir = path.join(r.parent, r.name);
      if (this.procFd) {
        const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        r.held.push(fd);
        const opened = fstatSync(fd);
        if (opened.ino !== r.stats.ino || opened.dev !== r.stats.dev)
          throw new BlobSourceError('refused', `${this.shown(rel)} changed while it was being listed`);
        dir = `/proc/self/fd/${fd}`;
      }
      const out: DirEntry[] = [];
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        out.push({
          name: e.name,
          type: e.isFile()
            ? 'file'
            : e.isDirectory()
              ? 'directory'
              : e.isSymbolicLink()
                ? 'symlink'
                : 'other',
        });
      }
      out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return out;
    } catch (err) {
      if (err instanceof BlobSourceError) throw err;
      if (isMissing(err)) return undefined;
      throw new BlobSourceError('io', `cannot list ${this.shown(rel)}: ${ioMessage(err)}`);
    } finally {
      for (const fd of r.held) closeSync(fd);
    }
  }
}

// The folder itself is trusted as given (it may sit under a linked folder); only what is below it is checked.
const realpath = (p: string): string => realpathSync.native(p);
const lstatFollow = (p: string): Stats => lstatSync(realpath(p));
