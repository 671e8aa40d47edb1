/**
 * `oci-manifest lint image.tar`: the JSON documents inside an image archive, read in place through the archive
 * content source (node/content/archiveSource.ts): the root files (`oci-layout`, `index.json`) and every blob
 * that is small and starts with `{` (manifests, indexes, configs; layers are sniffed and passed over). Each is
 * linted as a file named `image.tar!blobs/sha256/…`, with the same checks as a file on disk.
 */
import { readAll } from '../core/content/source';
import { looksLikeJsonObject, lintBytes, MAX_BLOB_SIZE, type FileReport, type LintOptions } from './lint';
import { openArchiveSource } from '../node/content/archiveSource';
import { ArchiveError } from '../node/archive/tar';

/** Bytes read to tell a JSON blob from a layer. */
const SNIFF = 4096;
/** At most this many members are looked at. */
const MAX_MEMBERS = 1_000_000;

export interface ArchiveLint {
  files: FileReport[];
  /** I/O problems and archives that cannot be read (the run exits with 2). */
  errors: string[];
}

/** Lints the JSON documents of the image archive `file`. */
export async function lintArchive(file: string, options: LintOptions): Promise<ArchiveLint> {
  const out: ArchiveLint = { files: [], errors: [] };
  let source;
  try {
    source = await openArchiveSource(file);
  } catch (err) {
    out.errors.push(err instanceof ArchiveError ? err.message : `${file}: cannot read: ${String(err)}.`);
    return out;
  }
  const signal = new AbortController().signal;
  try {
    const lint = (bytes: Uint8Array, name: string, besideOciLayout: boolean): void => {
      const report = lintBytes(bytes, { path: `${file}!${name}`, explicit: false, besideOciLayout }, options);
      if (report) out.files.push(report);
    };
    if (source.kind === 'oci-layout') {
      for (const name of ['oci-layout', 'index.json'] as const) {
        const root = await source.readRoot(name, { signal });
        if (!root || 'problem' in root) continue;
        const bytes = await readAll(root.chunks, MAX_BLOB_SIZE, root.size);
        if (bytes) lint(bytes, name, true);
      }
    }
    for await (const e of source.list({ signal, maxEntries: MAX_MEMBERS })) {
      if (e.type !== 'file' || !e.size || e.size > MAX_BLOB_SIZE) continue;
      // In a layout, blobs; in a docker save archive, the configs (`<hex>.json`).
      const blob =
        source.kind === 'oci-layout'
          ? /^blobs\/[^/]+\/[^/]+$/.test(e.path)
          : /^[0-9a-f]{64}\.json$/.test(e.path);
      if (!blob) continue;
      const member = source.archive.tar.members.get(e.path);
      if (!member) continue;
      const head = await readAll(source.archive.tar.read(member, { signal, maxBytes: SNIFF }), SNIFF);
      if (!head || !looksLikeJsonObject(head)) continue;
      const bytes = await readAll(source.archive.tar.read(member, { signal }), MAX_BLOB_SIZE, e.size);
      if (bytes) lint(bytes, e.path, false);
    }
  } catch (err) {
    out.errors.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    source.close();
  }
  return out;
}
