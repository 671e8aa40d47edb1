/**
 * What the authoring commands (convert, diff, index, annotate) take as input, resolved to a document's exact text
 * and the content sources its blobs can be read from. The CLI and the editor share this, so both accept the same:
 *
 * - `FILE`: a manifest or an index on disk; its blobs come from its embedded data and from the OCI layout it sits
 *   in (THE root rule, layoutRoot.ts), when it sits in one.
 * - `oci:DIR[:TAG]` or `oci:DIR@DIGEST` (skopeo's syntax), or `DIR` holding an `oci-layout` file: an entry of an
 *   OCI image layout, by its tag (`org.opencontainers.image.ref.name`), by digest, or its only entry.
 * - `oci-archive:FILE[:TAG]` and `docker-archive:FILE[:TAG]` (or a FILE that is a tar archive): an entry of an OCI
 *   layout packed in a tar (skopeo `oci-archive:`, `docker buildx --output type=oci`, Docker 25+ `docker save`).
 *
 * - `docker://HOST/REPO[:TAG|@DIGEST]`, or the reference alone (`HOST/REPO:TAG`) when no file of that name exists
 *   (the rule `lint REF` follows, node/registry/pool.ts `referenceOf`): the manifest or index as the registry serves
 *   it (its exact bytes, checked against the digest asked for and the one announced), its config and manifests read
 *   from the same repository. Needs a registry pool in the options (the CLI's, with its credentials and options).
 *
 * With a platform (`--platform os/arch[/variant]`), an index found this way is narrowed to its entry for it. Every
 * read goes through a content source (core/content/source.ts), so nothing downstream knows where a document was.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  AuthoringError,
  fetchJson,
  MAX_DOCUMENT_BYTES,
  parsePlatform,
  pickEntry,
} from '../../core/authoring/content';
import { embeddedDataSource, readAll, type ContentSource } from '../../core/content/source';
import { detectKind } from '../../core/detect';
import { platformText } from '../../core/layout/format';
import { isIndexKind } from '../../core/model';
import { hasTarMagic } from '../../core/tar/header';
import type { AuthoringAccess, OpenedInput } from '../../host/authoringAccess';
import { openArchiveSource, type ArchiveSource } from './archiveSource';
import { findLayoutRoot, isLayoutRoot } from './layoutRoot';
import { openLayoutSource } from './layoutSource';
import { specialKind } from './safeDir';
import {
  formatImageReference,
  manifestTarget,
  parseImageReference,
  type ImageReference,
} from '../../core/verify/imageReference';
import { referenceOf, type RegistryPool } from '../registry/pool';

export type { OpenedInput } from '../../host/authoringAccess';

export interface OpenInputOptions {
  /** `os/arch[/variant]`: narrows an index to its entry for this platform. */
  platform?: string;
  signal?: AbortSignal;
  /** Registry clients for references; without them a reference is refused with a sentence saying so. */
  registries?: RegistryPool;
  /** Where relative paths are resolved, to tell a path from a reference (default: the process's). */
  cwd?: string;
}

/** A spec split into its kind and parts. */
type Spec =
  | { kind: 'file'; file: string }
  | { kind: 'layout'; dir: string; tag?: string; digest?: string }
  | { kind: 'archive'; file: string; tag?: string; digest?: string }
  | { kind: 'registry'; reference: string };

const DIGEST_AT = /@([a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$/;

/** `DIR[:TAG]` or `DIR@DIGEST` (a colon after the last slash starts the tag, as skopeo reads it). */
function splitRef(rest: string): { at: string; tag?: string; digest?: string } {
  const d = DIGEST_AT.exec(rest);
  if (d) return { at: rest.slice(0, d.index), digest: d[1]! };
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && colon > 0)
    return { at: rest.slice(0, colon), tag: rest.slice(colon + 1) };
  return { at: rest };
}

export function parseSpec(spec: string): Spec {
  const m = /^(oci|oci-archive|docker-archive|docker):(.*)$/s.exec(spec);
  if (!m) return { kind: 'file', file: spec };
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === 'docker') return { kind: 'registry', reference: rest.replace(/^\/\//, '') };
  const { at, tag, digest } = splitRef(rest);
  if (!at) throw new AuthoringError(`"${spec}" names no ${scheme === 'oci' ? 'folder' : 'file'}.`);
  return {
    kind: scheme === 'oci' ? 'layout' : 'archive',
    ...(scheme === 'oci' ? { dir: at } : { file: at }),
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  } as Spec;
}

/** Resolves an input spec. Throws an {@link AuthoringError} (a full sentence) when it cannot. */
export async function openInput(spec: string, options: OpenInputOptions = {}): Promise<OpenedInput> {
  const platform = options.platform !== undefined ? parsePlatform(options.platform) : undefined;
  if (options.platform !== undefined && !platform)
    throw new AuthoringError(
      `--platform "${options.platform}" is not os/architecture[/variant], e.g. linux/arm64/v8.`,
    );
  const parsed = parseSpec(spec);
  switch (parsed.kind) {
    case 'registry': {
      let ref: ImageReference;
      try {
        ref = parseImageReference(parsed.reference);
      } catch (err) {
        throw new AuthoringError(`${spec}: ${(err as Error).message}`);
      }
      return fromRegistry(ref, platform, options);
    }
    case 'layout':
      return fromLayout(spec, parsed.dir, parsed, platform, options.signal);
    case 'archive':
      return fromArchive(spec, parsed.file, parsed, platform, options.signal);
    case 'file': {
      const ref = referenceOf(parsed.file, options.cwd ?? process.cwd());
      if (ref) return fromRegistry(ref, platform, options);
      const st = await stat(parsed.file).catch((err: NodeJS.ErrnoException) => {
        throw new AuthoringError(`${spec}: cannot read: ${describeErr(err)}.`);
      });
      if (st.isDirectory()) {
        if (!isLayoutRoot(parsed.file))
          throw new AuthoringError(
            `${spec} is a folder without an oci-layout file, so it is not an OCI image layout.`,
          );
        return fromLayout(spec, parsed.file, {}, platform, options.signal);
      }
      const bytes = await readSmallFile(parsed.file, MAX_DOCUMENT_BYTES);
      if (hasTarMagic(bytes)) return fromArchive(spec, parsed.file, {}, platform, options.signal);
      const text = decode(bytes, spec);
      const opened: OpenedInput = {
        label: spec,
        text,
        ...sourcesOfFile(parsed.file),
        file: parsed.file,
        close: async () => undefined,
      };
      return platform ? narrow(opened, platform, options.signal) : opened;
    }
  }
}

/** Reads an entry of an index whose blobs are in `sources`; for an index, narrowed to `platform` if given. */
async function entryOf(
  label: string,
  indexValue: unknown,
  where: string,
  ref: { tag?: string; digest?: string },
  platform: { os: string; architecture: string; variant?: string } | undefined,
  sources: ContentSource[],
  extra: { layout?: string; layoutUri?: string },
  close: () => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<OpenedInput> {
  const picked = pickEntry(indexValue, ref, platform, where);
  if ('problem' in picked) throw new AuthoringError(`${label}: ${picked.problem}`);
  const fetched = await fetchJson(sources, picked.entry, signal ? { signal } : {});
  if ('problem' in fetched)
    throw new AuthoringError(
      `${label}: the manifest of ${where}'s manifests[${picked.index}] ${fetched.problem}.`,
    );
  const opened: OpenedInput = {
    label,
    text: fetched.text,
    sources,
    descriptor: picked.entry,
    ...extra,
    close,
  };
  return platform ? narrow(opened, platform, signal) : opened;
}

/** An index narrowed to its entry for `platform` (read through the input's sources); anything else as it is. */
async function narrow(
  input: OpenedInput,
  platform: { os: string; architecture: string; variant?: string },
  signal: AbortSignal | undefined,
): Promise<OpenedInput> {
  let value: unknown;
  try {
    value = JSON.parse(input.text);
  } catch {
    return input;
  }
  const kind = detectKind(value, {}, true)?.kind;
  if (!kind || !isIndexKind(kind)) return input;
  const picked = pickEntry(value, {}, platform, input.label);
  if ('problem' in picked) throw new AuthoringError(picked.problem);
  const fetched = await fetchJson(input.sources, picked.entry, signal ? { signal } : {});
  if ('problem' in fetched)
    throw new AuthoringError(
      `${input.label}: the manifest for ${platformText(platform)} ${fetched.problem}.`,
    );
  const { file: _, ...rest } = input;
  return {
    ...rest,
    label: `${input.label} (${platformText(platform)})`,
    text: fetched.text,
    descriptor: picked.entry,
  };
}

async function fromLayout(
  label: string,
  dir: string,
  ref: { tag?: string; digest?: string },
  platform: { os: string; architecture: string; variant?: string } | undefined,
  signal: AbortSignal | undefined,
): Promise<OpenedInput> {
  if (!isLayoutRoot(dir))
    throw new AuthoringError(`${label}: ${dir} has no oci-layout file, so it is not an OCI image layout.`);
  const layout = openLayoutSource(dir);
  const index = await readRootJson(layout, label, signal);
  return entryOf(
    label,
    index,
    path.join(dir, 'index.json'),
    ref,
    platform,
    [embeddedDataSource(), layout],
    { layout: dir, layoutUri: pathToFileURL(path.resolve(dir)).href },
    async () => undefined,
    signal,
  );
}

async function readRootJson(
  source: ContentSource,
  label: string,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const root = await source.readRoot?.('index.json', { signal: signal ?? new AbortController().signal });
  if (!root) throw new AuthoringError(`${label}: ${source.label} has no index.json.`);
  if ('problem' in root) throw new AuthoringError(`${label}: its index.json ${root.problem}.`);
  const bytes = await readAll(root.chunks, 64 * 1024 * 1024, root.size);
  if (!bytes) throw new AuthoringError(`${label}: its index.json is larger than 64 MiB.`);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new AuthoringError(`${label}: ${root.where} is not valid JSON.`);
  }
}

async function fromArchive(
  label: string,
  file: string,
  ref: { tag?: string; digest?: string },
  platform: { os: string; architecture: string; variant?: string } | undefined,
  signal: AbortSignal | undefined,
): Promise<OpenedInput> {
  let source: ArchiveSource;
  try {
    source = await openArchiveSource(file, signal ? { signal } : {});
  } catch (err) {
    throw new AuthoringError(`${label}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    if (source.kind !== 'oci-layout')
      throw new AuthoringError(
        `${label}: ${file} is a docker save archive of the old kind, which holds configs and layers but no manifests; save it with Docker 25 or later, or copy it with skopeo (skopeo copy docker-archive:${file} oci-archive:OUT.tar).`,
      );
    const index = await readRootJson(source, label, signal);
    return await entryOf(
      label,
      index,
      source.archive.where('index.json'),
      ref,
      platform,
      [embeddedDataSource(), source],
      {},
      () => source.archive.close(),
      signal,
    );
  } catch (err) {
    await source.archive.close();
    throw err;
  }
}

/** A manifest or index by reference, with its repository as the source of its config and manifests. */
async function fromRegistry(
  ref: ImageReference,
  platform: { os: string; architecture: string; variant?: string } | undefined,
  options: OpenInputOptions,
): Promise<OpenedInput> {
  const shown = formatImageReference(ref);
  const pool = options.registries;
  if (!pool)
    throw new AuthoringError(`${shown}: image references are not read here; give a file or oci:DIR:TAG.`);
  const target = manifestTarget(ref);
  let m;
  try {
    m = await pool
      .client(ref.host)
      .getManifest(ref.repository, target, options.signal ? { signal: options.signal } : {});
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new AuthoringError(`${shown}: ${message.replace(/[.]$/, '')}.`);
  }
  if (!m)
    throw new AuthoringError(
      `${shown}: the registry has no manifest ${JSON.stringify(target)} in ${ref.repository} (404).`,
    );
  const opened: OpenedInput = {
    label: shown,
    text: decode(m.bytes, shown),
    sources: [embeddedDataSource(), pool.source(ref)],
    close: async () => undefined,
  };
  return platform ? narrow(opened, platform, options.signal) : opened;
}

function decode(bytes: Uint8Array, label: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new AuthoringError(`${label} is not UTF-8 text, so it is not a manifest.`);
  }
}

/**
 * The first `max` + 1 bytes of a regular file (all of it when it is smaller) and its size. Opened non-blocking and
 * checked on the descriptor, so a FIFO is refused, not waited on. Throws an {@link AuthoringError}.
 */
export async function readFileStart(file: string, max: number): Promise<{ bytes: Uint8Array; size: number }> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new AuthoringError(`${file}: cannot read: ${describeErr(err)}.`);
  }
  try {
    const st = await handle.stat();
    const special = specialKind(st);
    if (special) throw new AuthoringError(`${file} is ${special}, not a regular file, so it was not read.`);
    const want = Math.min(st.size, max + 1);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const r = await handle.read(buf, got, want - got, got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    return { bytes: buf.subarray(0, got), size: Math.max(st.size, got) };
  } finally {
    await handle.close();
  }
}

/** The whole of a regular file of at most `max` bytes (a tar archive's first block when it is larger). */
async function readSmallFile(file: string, max: number): Promise<Uint8Array> {
  const { bytes } = await readFileStart(file, max);
  if (bytes.length > max && !hasTarMagic(bytes))
    throw new AuthoringError(
      `${file} is larger than ${max / 1048576} MiB, more than registries accept for a manifest, so it was not read.`,
    );
  return bytes;
}

function describeErr(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  return e?.code ?? String(err);
}

/** The sources of a file: its embedded data and the layout it sits in (THE root rule), with the layout's folder. */
export function sourcesOfFile(file: string): {
  sources: ContentSource[];
  layout?: string;
  layoutUri?: string;
} {
  const root = findLayoutRoot(file);
  return root
    ? {
        sources: [embeddedDataSource(), openLayoutSource(root)],
        layout: root,
        layoutUri: pathToFileURL(root).href,
      }
    : { sources: [embeddedDataSource()] };
}

/** The host's authoring access (host/authoringAccess.ts) over this resolver; inputs may be `file:` URIs. */
export function createAuthoringAccess(): AuthoringAccess {
  const local = (input: string): string => (input.startsWith('file:') ? fileURLToPath(input) : input);
  return {
    open: (input, options) => openInput(local(input), options),
    sourcesFor: (uri) => {
      if (!uri.startsWith('file:')) return { sources: [embeddedDataSource()] };
      const { sources, layoutUri } = sourcesOfFile(fileURLToPath(uri));
      return { sources, ...(layoutUri ? { layoutUri } : {}) };
    },
  };
}
