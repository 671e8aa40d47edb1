/**
 * OCI image layouts for the navigation tests: handmade ones written from JSON values (each blob under its
 * own sha256), real ones made by umoci and skopeo (independent implementations of the layout spec), and an
 * in-memory content source for the pure graph walk.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobSourceError, type ContentSource } from '../server/src/core/content/source';

export const sha256 = (content: string | Uint8Array): string =>
  `sha256:${createHash('sha256').update(content).digest('hex')}`;

/** A descriptor for `content` with the given media type and extra members. */
export function descriptorOf(mediaType: string, content: string, extra: Record<string, unknown> = {}) {
  return { mediaType, digest: sha256(content), size: Buffer.byteLength(content), ...extra };
}

/** Serialises like most tools: compact JSON. */
export const text = (v: unknown): string => JSON.stringify(v);

export const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  empty: 'application/vnd.oci.empty.v1+json',
};

/** A temporary folder, removed by `cleanup()`. */
export function tempDir(prefix = 'oci-layout-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes a layout: `oci-layout`, `index.json` (a value or raw text) and blobs (raw contents, each stored under
 * its own digest unless `at` names another digest, to make broken layouts).
 */
export function writeLayout(
  dir: string,
  index: unknown,
  blobs: (string | { content: string | Uint8Array; at: string })[] = [],
): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), typeof index === 'string' ? index : JSON.stringify(index, null, 2));
  for (const b of blobs) {
    const content = typeof b === 'string' ? b : b.content;
    const digest = typeof b === 'string' ? sha256(b) : b.at;
    writeFileSync(join(dir, 'blobs', ...digest.split(':')), content);
  }
}

/**
 * An in-memory layout for the pure graph walk: digest → text, as a content source; `unreadable` digests throw
 * as a FIFO would. `reads` lists the digests opened (the walk opens only what it reads as a document).
 */
export function memorySource(
  blobs: readonly (string | { content: string; at: string })[],
  options: { unreadable?: readonly string[]; present?: readonly string[]; list?: boolean } = {},
): ContentSource & { reads: string[] } {
  const map = new Map<string, Uint8Array>();
  for (const b of blobs) {
    if (typeof b === 'string') map.set(sha256(b), Buffer.from(b));
    else map.set(b.at, Buffer.from(b.content));
  }
  const reads: string[] = [];
  const fifo = (digest: string): void => {
    if (options.unreadable?.includes(digest))
      throw new BlobSourceError(
        'refused',
        'The blob is a FIFO (named pipe), not a regular file, so it was not read.',
      );
  };
  const list: ContentSource['list'] = async function* () {
    yield { path: 'blobs', type: 'directory' };
    yield { path: 'blobs/sha256', type: 'directory' };
    for (const [d, b] of [...map].sort(([a], [b]) => (a < b ? -1 : 1)))
      yield { path: `blobs/sha256/${d.slice(7)}`, type: 'file', size: b.length };
  };
  return {
    name: 'memory',
    label: 'the memory layout',
    reads,
    ...(options.list ? { list } : {}),
    async stat(ref) {
      fifo(ref.digest);
      const b = map.get(ref.digest);
      if (b) return { size: b.length, where: `blobs/${ref.digest.replace(':', '/')}` };
      return options.present?.includes(ref.digest) ? { where: ref.digest } : undefined;
    },
    async open(ref, { maxBytes }) {
      reads.push(ref.digest);
      fifo(ref.digest);
      const b = map.get(ref.digest);
      if (!b) return undefined;
      const out = b.subarray(0, Math.min(b.length, maxBytes));
      return {
        size: b.length,
        where: ref.digest,
        chunks: (async function* () {
          yield out;
        })(),
      };
    },
  };
}

// ---- umoci and skopeo ----------------------------------------------------------------------------------------

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const HAVE_UMOCI = has('umoci');
export const HAVE_SKOPEO = has('skopeo');

export function umoci(...args: string[]): string {
  return execFileSync('umoci', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function skopeo(...args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A real layout made by umoci: tags `base` (no layers), `v1` (one gzip layer with hello.txt, linux/amd64)
 * and `v1-arm` (the same layer, an arm64 config); plus a handmade nested index tagged `multi` that lists
 * `v1` and `v1-arm` with their platforms (umoci writes no platforms into index.json).
 */
export function makeUmociLayout(dir: string): { v1: string; v1arm: string; multi: string } {
  const file = join(dir, '..', `hello-${process.pid}.txt`);
  writeFileSync(file, 'hello from umoci\n');
  umoci('init', '--layout', dir);
  umoci('new', '--image', `${dir}:base`);
  umoci('insert', '--rootless', '--image', `${dir}:base`, '--tag', 'v1', file, '/hello.txt');
  umoci('config', '--image', `${dir}:v1`, '--tag', 'v1-arm', '--architecture', 'arm64', '--os', 'linux');
  rmSync(file, { force: true });
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; size: number; mediaType: string; annotations?: Record<string, string> }[];
  };
  const byTag = (tag: string) =>
    index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)!;
  const v1 = byTag('v1');
  const arm = byTag('v1-arm');
  const nested = text({
    schemaVersion: 2,
    mediaType: MT.index,
    manifests: [
      {
        mediaType: v1.mediaType,
        digest: v1.digest,
        size: v1.size,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: arm.mediaType,
        digest: arm.digest,
        size: arm.size,
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
      },
    ],
  });
  writeFileSync(join(dir, 'blobs', 'sha256', sha256(nested).slice(7)), nested);
  index.manifests.push({
    ...descriptorOf(MT.index, nested),
    annotations: { 'org.opencontainers.image.ref.name': 'multi' },
  });
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  return { v1: v1.digest, v1arm: arm.digest, multi: sha256(nested) };
}

/**
 * An umoci layout at `dir` with one linux image per architecture, tagged by it, each made by `umoci new` (plus, with
 * `layer`, a repack adding a file `/app` that names the architecture) and `umoci config` with the architecture and
 * the given extra `umoci config` arguments (e.g. `--config.label`, `--config.env`).
 */
export function makeArchImages(
  dir: string,
  arches: readonly string[],
  options: { layer?: boolean; config?: (arch: string) => string[] } = {},
): void {
  umoci('init', '--layout', dir);
  for (const arch of arches) {
    umoci('new', '--image', `${dir}:${arch}`);
    if (options.layer) {
      const bundle = `${dir}-bundle-${arch}`;
      umoci('unpack', '--rootless', '--image', `${dir}:${arch}`, bundle);
      writeFileSync(join(bundle, 'rootfs', 'app'), `app for ${arch}\n`);
      umoci('repack', '--image', `${dir}:${arch}`, bundle);
      rmSync(bundle, { recursive: true, force: true });
    }
    const extra = options.config?.(arch) ?? [];
    umoci('config', '--image', `${dir}:${arch}`, '--architecture', arch, '--os', 'linux', ...extra);
  }
}
