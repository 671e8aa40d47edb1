#!/usr/bin/env node
// Writes examples/image-layout/: a tiny but real OCI image layout (oci-layout, index.json and content-addressed
// blobs: one gzip layer holding hello.txt, an image config, an image manifest). Every digest and size is
// computed from the exact bytes written, and the output is deterministic, so running the script again
// changes nothing.
//
//   node scripts/make-examples.mjs
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LAYOUT = join(ROOT, 'examples', 'image-layout');
const BLOBS = join(LAYOUT, 'blobs', 'sha256');

const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

// A fixed date keeps the config (and so every digest above it) stable.
const CREATED = '2024-01-01T00:00:00Z';
const HELLO = 'Hello from an OCI image layout!\n';

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Pretty JSON, 2-space indented with a final newline, so the blobs are readable in the editor. */
const json = (value) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

// --- A minimal ustar archive: one 512-byte header per file, the data padded to 512, two zero blocks. ---

/** Writes `value` as a NUL-terminated, zero-padded octal number filling `width` bytes. */
function octal(header, offset, width, value) {
  header.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

function tarEntry(name, data, mode = 0o644) {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8'); // name
  octal(header, 100, 8, mode); // mode
  octal(header, 108, 8, 0); // uid
  octal(header, 116, 8, 0); // gid
  octal(header, 124, 12, data.length); // size
  octal(header, 136, 12, 0); // mtime: the epoch, for reproducible bytes
  header.write('0', 156, 1, 'ascii'); // typeflag: regular file
  header.write('ustar\0', 257, 6, 'ascii'); // magic
  header.write('00', 263, 2, 'ascii'); // version
  header.write('root', 265, 32, 'ascii'); // uname
  header.write('root', 297, 32, 'ascii'); // gname
  // The checksum is the byte sum of the header with the checksum field read as eight spaces.
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}

function tar(files) {
  return Buffer.concat([...files.map(([name, data]) => tarEntry(name, data)), Buffer.alloc(1024)]);
}

/** All blobs currently in the layout, by file name (the hex digest). */
function existingBlobs() {
  if (!existsSync(BLOBS)) return new Map();
  return new Map(readdirSync(BLOBS).map((name) => [name, readFileSync(join(BLOBS, name))]));
}

/**
 * Gzip output depends on the zlib build (Node's bundled zlib differs between versions and CPUs), so a layer
 * already in the layout that decompresses to exactly this tar is kept as is: that keeps reruns byte-stable.
 */
function gzipStable(raw, blobs) {
  for (const bytes of blobs.values()) {
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) continue;
    try {
      if (gunzipSync(bytes).equals(raw)) return bytes;
    } catch {
      // Not a gzip stream after all; ignore it.
    }
  }
  // Node writes no file name and a zero mtime in the gzip header.
  return gzipSync(raw, { level: 9 });
}

const descriptor = (mediaType, bytes, extra = {}) => ({
  mediaType,
  digest: sha256(bytes),
  size: bytes.length,
  ...extra,
});

const before = existingBlobs();

const layerTar = tar([['hello.txt', Buffer.from(HELLO, 'utf8')]]);
const layer = gzipStable(layerTar, before);

const config = json({
  created: CREATED,
  architecture: 'amd64',
  os: 'linux',
  config: {
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    WorkingDir: '/',
  },
  rootfs: {
    type: 'layers',
    diff_ids: [sha256(layerTar)],
  },
  history: [
    {
      created: CREATED,
      created_by: 'ADD hello.txt /',
      comment: 'written by scripts/make-examples.mjs',
    },
  ],
});

const manifest = json({
  schemaVersion: 2,
  mediaType: MT.manifest,
  config: descriptor(MT.config, config),
  layers: [descriptor(MT.layerGzip, layer)],
  annotations: {
    'org.opencontainers.image.created': CREATED,
    'org.opencontainers.image.title': 'hello',
  },
});

const index = json({
  schemaVersion: 2,
  mediaType: MT.index,
  manifests: [
    descriptor(MT.manifest, manifest, {
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'org.opencontainers.image.ref.name': '1.0' },
    }),
  ],
});

const blobs = [layer, config, manifest];
const wanted = new Set(blobs.map((b) => sha256(b).slice('sha256:'.length)));

mkdirSync(BLOBS, { recursive: true });
let changed = 0;
/** Writes a file only when its bytes differ, and says so. */
function put(path, bytes) {
  if (existsSync(path) && readFileSync(path).equals(bytes)) return;
  writeFileSync(path, bytes);
  changed++;
  console.log(`wrote ${path.slice(ROOT.length + 1)} (${bytes.length} bytes)`);
}
// Blobs left over from an earlier version of this script would be unreferenced garbage in the layout.
for (const name of before.keys()) {
  if (!wanted.has(name)) {
    rmSync(join(BLOBS, name));
    changed++;
    console.log(`removed stale blob ${name}`);
  }
}
for (const bytes of blobs) put(join(BLOBS, sha256(bytes).slice('sha256:'.length)), bytes);
put(join(LAYOUT, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
put(join(LAYOUT, 'index.json'), index);

console.log(changed ? `${changed} file(s) changed.` : 'examples/image-layout is up to date.');
console.log(`  manifest ${sha256(manifest)} (${manifest.length} bytes)`);
console.log(`  config   ${sha256(config)} (${config.length} bytes)`);
console.log(`  layer    ${sha256(layer)} (${layer.length} bytes), diff_id ${sha256(layerTar)}`);
