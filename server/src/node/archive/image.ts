/**
 * Image archives read in place (no extraction), on top of the tar member table (./tar.ts):
 *
 * - `oci-layout`: an OCI image layout packed in a tar with `oci-layout`, `index.json` and `blobs/<alg>/<hex>`
 *   at its root, as `skopeo copy … oci-archive:x.tar`, `docker buildx build --output type=oci` and Docker 25+
 *   `docker save` write it (Docker adds a `manifest.json`, which is parsed too).
 * - `docker-save`: the legacy `docker save` format, with `manifest.json` (`Config`, `RepoTags`, `Layers`),
 *   `repositories`, a config `<hex>.json` and layers as `<hex>.tar` (skopeo `docker-archive:`) or
 *   `<id>/layer.tar` (Docker before 25).
 *
 * Blob lookup by digest: the digest is validated (core/digest.ts) before it becomes a member name
 * (`blobs/<alg>/<encoded>`); for `docker-save`, configs are found by `<hex>.json` and layers by the member
 * paths manifest.json lists (their digest is the hex in the name, or the config's `rootfs.diff_ids[i]` for
 * `<id>/layer.tar`; either way a claim that hashing the bytes checks). Members named by manifest.json may be
 * in-archive links (Docker writes `<id>/layer.tar` links for a layer shared by two images); they are
 * followed inside the member table only. A link at `blobs/…` is never followed.
 *
 * As a content source (core/content/source.ts `ContentSource`): `label` is the source's label; `stat(ref)` is
 * `statBlob(ref.digest)`, `open(ref, { signal, maxBytes })` is `openBlob(ref.digest, { signal, maxBytes })` (its
 * result has the `BlobContent` shape); root files come from `rootFile`, a listing from `entries`, where-strings
 * from `where`. `ArchiveError` reasons map to `BlobSourceError` reasons: `refused` and `format` → 'refused',
 * `io` → 'io'. `issues` holds sentences for a report (unsafe or duplicate members, an unreadable manifest.json).
 * Open one `ImageArchive` per archive and `close()` it when done; reads may run concurrently.
 */
import type { RootFileName } from '../../core/content/source';
import { blobPath, validateDigest } from '../../core/digest';
import type { TarEntryType } from '../../core/tar/header';
import { normaliseMemberName } from '../../core/tar/names';
import {
  ArchiveError,
  openTarArchive,
  type OpenTarOptions,
  type ReadMemberOptions,
  type TarArchive,
  type TarMember,
} from './tar';

export type ImageArchiveKind = 'oci-layout' | 'docker-save';

/** The files an image archive keeps at its root: the one list of root file names (core/content/source.ts). */
export type { RootFileName } from '../../core/content/source';

/** One entry of a `docker save` manifest.json. Member names are normalised; an unsafe one is left out. */
export interface DockerSaveImage {
  /** The config member (`<hex>.json` or `blobs/sha256/<hex>`), when manifest.json names a safe one. */
  config?: string;
  repoTags: string[];
  /** The layer members in order (`<hex>.tar`, `<id>/layer.tar`, `blobs/sha256/<hex>`). */
  layers: string[];
}

/** Where a digest's bytes are in the archive. */
export interface ArchiveBlob {
  digest: string;
  /** The regular member holding the bytes (after following a manifest.json link). */
  member: TarMember;
  /** Its size in bytes. */
  size: number;
  /** For messages: `image.tar!blobs/sha256/ab12…`. */
  where: string;
  /**
   * How the digest was tied to the member: its `blobs/` path, a `<hex>.json`/`<hex>.tar` name, or the
   * config's `rootfs.diff_ids` entry for a layer at `<id>/layer.tar`.
   */
  via: 'blobs-path' | 'hex-name' | 'diff-id';
}

/** An open blob: its length and its bytes (the shape of core/content/source.ts `BlobContent`). */
export interface ArchiveBlobContent {
  size: number;
  where: string;
  chunks: AsyncIterable<Uint8Array>;
}

/** One member, for listings. */
export interface ArchiveEntry {
  name: string;
  type: TarEntryType;
  size: number;
  where: string;
  /** A link member's target, as recorded. */
  linkname?: string;
}

export interface OpenImageArchiveOptions extends OpenTarOptions {
  /** Largest root file (index.json, manifest.json…) and config read whole, in bytes (default 32 MiB). */
  maxJsonBytes?: number;
}

const HEX_NAME = /^([0-9a-f]{64})\.(json|tar)$/;
const BLOBS_SHA256 = /^blobs\/sha256\/([0-9a-f]{64})$/;

/** Opens an image archive. Throws `ArchiveError` when it is not a tar, or a tar that is no image archive. */
export async function openImageArchive(
  file: string,
  options: OpenImageArchiveOptions = {},
): Promise<ImageArchive> {
  const tar = await openTarArchive(file, options);
  try {
    const archive = new ImageArchive(tar, options.maxJsonBytes ?? 32 * 1024 * 1024, options.signal);
    await archive.init();
    return archive;
  } catch (err) {
    await tar.close();
    throw err;
  }
}

export class ImageArchive {
  kind: ImageArchiveKind = 'oci-layout';
  /** Parsed manifest.json (docker-save, and Docker 25+ OCI archives), when there is one. */
  dockerImages: DockerSaveImage[] | undefined;
  /** Sentences about the archive that do not stop it being read (unsafe or duplicate members, a bad manifest.json). */
  readonly issues: string[] = [];
  /** docker-save: digest → member name, from manifest.json and `<hex>.json` names. */
  private readonly named = new Map<string, { name: string; via: ArchiveBlob['via'] }>();

  constructor(
    /** The member table and reader underneath. */
    readonly tar: TarArchive,
    private readonly maxJson: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.issues.push(...tar.issues.map((i) => `${tar.file}: ${i.message}`));
  }

  get file(): string {
    return this.tar.file;
  }

  /** A phrase for messages: `the OCI layout archive image.tar`. */
  get label(): string {
    return `the ${this.kind === 'oci-layout' ? 'OCI layout' : 'docker save'} archive ${this.file}`;
  }

  /** @internal Decides the kind and reads manifest.json; called once by `openImageArchive`. */
  async init(): Promise<void> {
    const regular = (name: string): boolean => this.tar.members.get(name)?.type === 'file';
    if (regular('oci-layout')) this.kind = 'oci-layout';
    else if (regular('manifest.json')) this.kind = 'docker-save';
    else {
      const nested = [...this.tar.members.keys()].find((n) => /^[^/]+\/oci-layout$/.test(n));
      const hint = nested
        ? ` It holds ${nested}: the layout is inside the folder ${nested.slice(0, -'/oci-layout'.length)}/, while skopeo, buildx and docker keep it at the archive's root (tar it with -C <folder> .).`
        : '';
      throw new ArchiveError(
        'format',
        `${this.file} is a tar archive but not an image archive: it has neither an oci-layout file nor a manifest.json at its root.${hint}`,
      );
    }
    if (regular('manifest.json')) await this.readDockerManifest();
    // Configs at the root are found by their name, also when manifest.json does not mention them.
    for (const name of this.tar.members.keys()) {
      const hex = HEX_NAME.exec(name);
      if (hex && hex[2] === 'json') this.tie(`sha256:${hex[1]}`, name, 'hex-name');
    }
  }

  /** A root file's bytes, or undefined when the archive has none. Bounded by `maxJsonBytes`. */
  async rootFile(name: RootFileName): Promise<Uint8Array | undefined> {
    const m = this.tar.members.get(name);
    if (!m) return undefined;
    return this.tar.readAll(m, this.maxJson, this.signal);
  }

  /** Where a member is, for messages. */
  where(name: string): string {
    return this.tar.where(name);
  }

  /** Every member, in archive order. */
  entries(): ArchiveEntry[] {
    const out: ArchiveEntry[] = [];
    for (const m of this.tar.members.values()) {
      const e: ArchiveEntry = { name: m.name, type: m.type, size: m.size, where: this.where(m.name) };
      if (m.linkname !== undefined) e.linkname = m.linkname;
      out.push(e);
    }
    return out;
  }

  /**
   * Finds a digest's bytes: undefined when the archive does not hold it; `ArchiveError('refused')` when the
   * digest is not valid (it never becomes a member name then) or the member must not be read (a link at
   * `blobs/…`, a directory, a link out of the archive).
   */
  findBlob(digest: string): ArchiveBlob | undefined {
    const verdict = validateDigest(digest);
    const path = verdict.ok ? blobPath(digest) : undefined;
    if (!verdict.ok || path === undefined)
      throw new ArchiveError(
        'refused',
        `The digest ${JSON.stringify(digest.slice(0, 200))} cannot name a member of ${this.file}${verdict.ok ? '' : `: it ${verdict.explanation}`}.`,
      );
    const direct = this.tar.members.get(path);
    if (direct) {
      if (direct.type !== 'file')
        throw new ArchiveError(
          'refused',
          `${this.where(path)} is a ${direct.type === 'symlink' ? 'symbolic link' : direct.type === 'hardlink' ? 'hard link' : direct.type}, not a regular file, so it is not read as a blob.`,
        );
      return { digest, member: direct, size: direct.size, where: this.where(path), via: 'blobs-path' };
    }
    const named = this.named.get(digest);
    if (!named) return undefined;
    const m = this.tar.members.get(named.name);
    if (!m) return undefined;
    const target = this.tar.resolveLink(m);
    const shown = target === m ? this.where(m.name) : `${this.where(m.name)} (→ ${target.name})`;
    return { digest, member: target, size: target.size, where: shown, via: named.via };
  }

  /** The blob's size and place without reading it; undefined when absent. */
  statBlob(digest: string): { size: number; where: string } | undefined {
    const b = this.findBlob(digest);
    return b && { size: b.size, where: b.where };
  }

  /** The blob's bytes as bounded chunks (see `TarArchive.read`); undefined when absent. */
  openBlob(digest: string, options: ReadMemberOptions = {}): ArchiveBlobContent | undefined {
    const b = this.findBlob(digest);
    if (!b) return undefined;
    return { size: b.size, where: b.where, chunks: this.tar.read(b.member, options) };
  }

  async close(): Promise<void> {
    await this.tar.close();
  }

  /** Parses manifest.json and ties digests to the members it names. Problems become issues, not errors. */
  private async readDockerManifest(): Promise<void> {
    const bytes = await this.rootFile('manifest.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
      this.issues.push(
        `${this.where('manifest.json')} is not valid JSON (${err instanceof Error ? err.message : String(err)}), so its images are not known.`,
      );
      return;
    }
    if (!Array.isArray(parsed)) {
      this.issues.push(
        `${this.where('manifest.json')} is not a JSON array of images, so its images are not known.`,
      );
      return;
    }
    const images: DockerSaveImage[] = [];
    for (const [i, raw] of parsed.entries()) {
      const e = (raw ?? {}) as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
      const at = `${this.where('manifest.json')} entry ${i}`;
      const member = (value: unknown, what: string): string | undefined => {
        if (typeof value !== 'string') {
          this.issues.push(`${at} has a ${what} that is not a string.`);
          return undefined;
        }
        const n = normaliseMemberName(value);
        if (!n.ok) {
          this.issues.push(
            `${at} names its ${what} ${JSON.stringify(value)}, which is not used: ${n.message}`,
          );
          return undefined;
        }
        return n.name;
      };
      const image: DockerSaveImage = {
        repoTags: Array.isArray(e.RepoTags)
          ? e.RepoTags.filter((t): t is string => typeof t === 'string')
          : [],
        layers: [],
      };
      const config = e.Config === undefined ? undefined : member(e.Config, 'Config');
      if (config !== undefined) image.config = config;
      const layers = Array.isArray(e.Layers) ? e.Layers : [];
      if (!Array.isArray(e.Layers)) this.issues.push(`${at} has no Layers array.`);
      for (const [k, l] of layers.entries()) {
        const name = member(l, `layer ${k}`);
        if (name !== undefined) image.layers.push(name);
      }
      images.push(image);
      await this.tieDigests(image, at);
    }
    this.dockerImages = images;
  }

  private tie(digest: string, name: string, via: ArchiveBlob['via']): void {
    if (!this.named.has(digest)) this.named.set(digest, { name, via });
  }

  private async tieDigests(image: DockerSaveImage, at: string): Promise<void> {
    const byName = (name: string): string | undefined => {
      const base = name.split('/').pop()!;
      const hex = BLOBS_SHA256.exec(name) ?? HEX_NAME.exec(base);
      return hex ? `sha256:${hex[1]}` : undefined;
    };
    if (image.config !== undefined) {
      const d = byName(image.config);
      if (d) this.tie(d, image.config, 'hex-name');
    }
    let diffIds: unknown[] | undefined;
    for (const [i, layer] of image.layers.entries()) {
      const d = byName(layer);
      if (d) {
        this.tie(d, layer, 'hex-name');
        continue;
      }
      // `<id>/layer.tar`: the name says nothing; the config's diff_ids say which digest it should have.
      diffIds ??= await this.diffIds(image, at);
      const id = diffIds[i];
      if (typeof id === 'string' && validateDigest(id).ok) this.tie(id, layer, 'diff-id');
    }
  }

  private async diffIds(image: DockerSaveImage, at: string): Promise<unknown[]> {
    const m = image.config === undefined ? undefined : this.tar.members.get(image.config);
    if (!m) return [];
    try {
      const bytes = await this.tar.readAll(this.tar.resolveLink(m), this.maxJson, this.signal);
      const config = JSON.parse(new TextDecoder().decode(bytes)) as { rootfs?: { diff_ids?: unknown } };
      const ids = config?.rootfs?.diff_ids;
      return Array.isArray(ids) ? ids : [];
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      this.issues.push(
        `${at}: its config ${this.where(image.config!)} could not be read for rootfs.diff_ids (${err instanceof Error ? err.message : String(err)}), so layers named <id>/layer.tar are not tied to digests.`,
      );
      return [];
    }
  }
}
