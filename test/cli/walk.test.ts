/**
 * Directories: recursive search for manifests, OCI layouts with their JSON blobs, skipped directories,
 * symbolic links, and layer blobs that must never be read.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { j, specManifest } from '../helpers';
import { cli, ensureCli, tempDir } from './cli';

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const GiB = 1024 * 1024 * 1024;

/** A sparse file of zeros: instant to create, but reading it whole would take long or fail. */
function sparse(file: string, size: number): void {
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
}

let root = '';
let outside = '';
const LAYOUT = path.join('deep', 'nested', 'layout');
const blobPath = (digest: string): string =>
  path.join(LAYOUT, 'blobs', 'sha256', digest.slice('sha256:'.length));
const expected = new Map<string, string>(); // display path → kind

before(async () => {
  await ensureCli();
  root = tempDir();
  outside = tempDir();
  const put = (rel: string, data: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), data);
  };

  // A broken manifest at the top (a duplicate annotation key), and JSON that is no manifest.
  const broken = j(specManifest()).replace(
    '"com.example.key2": "value2"',
    '"com.example.key2": "value2", "com.example.key2": "x"',
  );
  put('broken.json', broken);
  expected.set('broken.json', 'image-manifest');
  put('package.json', j({ name: 'not-a-manifest', version: '1.0.0', config: { port: 1 } }));
  put('data/list.json', '[1, 2, 3]');
  put('README.md', '# not JSON at all');
  // Skipped directories hold manifests that must not be reported.
  put('node_modules/pkg/m.json', broken);
  put('.git/objects/m.json', broken);
  // A symbolic link out of the tree, and one back to its own root (a cycle).
  fs.writeFileSync(path.join(outside, 'elsewhere.json'), broken);
  fs.symlinkSync(outside, path.join(root, 'outside-link'));
  fs.symlinkSync(path.join(outside, 'elsewhere.json'), path.join(root, 'outside-file.json'));
  fs.symlinkSync(root, path.join(root, 'loop'));
  fs.symlinkSync(path.join(root, 'no-such-target'), path.join(root, 'dangling.json'));

  // A nested OCI image layout: oci-layout, index.json, and blobs/sha256/ with a manifest, a config, layers.
  const layer = path.join(root, LAYOUT, 'blobs', 'sha256', 'layer-tmp');
  fs.mkdirSync(path.dirname(layer), { recursive: true });
  const LAYER_SIZE = 40 * 1024 * 1024;
  sparse(layer, LAYER_SIZE); // 40 MiB of zeros
  const layerDigest = sha256(Buffer.alloc(LAYER_SIZE));
  fs.renameSync(layer, path.join(root, blobPath(layerDigest)));
  // A 4 GiB "layer" (sparse): reading it whole would fail outright, so the run proves it is never read.
  sparse(path.join(root, LAYOUT, 'blobs', 'sha256', 'f'.repeat(64)), 4 * GiB);
  // Another that starts like JSON: only its size keeps it unread.
  const jsonLike = path.join(root, LAYOUT, 'blobs', 'sha256', 'e'.repeat(64));
  fs.writeFileSync(jsonLike, '{"schemaVersion": 2, "layers": [');
  fs.truncateSync(jsonLike, 4 * GiB);
  // A small gzip blob and a small JSON blob that is no manifest: sniffed and skipped.
  const gz = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  put(blobPath(sha256(gz)), gz);
  const other = '{"hello": "world"}';
  put(blobPath(sha256(other)), other);

  const diffId = sha256(Buffer.alloc(LAYER_SIZE));
  const config = j({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [diffId] },
    config: {},
  });
  put(blobPath(sha256(config)), config);
  const manifest = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: Buffer.byteLength(config),
    },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: LAYER_SIZE }],
  });
  put(blobPath(sha256(manifest)), manifest);
  const index = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha256(manifest),
        size: Buffer.byteLength(manifest),
      },
    ],
  });
  put(path.join(LAYOUT, 'index.json'), index);
  put(path.join(LAYOUT, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
  expected.set(path.join(LAYOUT, 'oci-layout'), 'layout-header');
  expected.set(path.join(LAYOUT, 'index.json'), 'image-index');
  expected.set(blobPath(sha256(manifest)), 'image-manifest');
  expected.set(blobPath(sha256(config)), 'image-config');
});

interface JsonFile {
  file: string;
  kind: string | null;
  diagnostics: { code: string }[];
}

const files = (stdout: string): Map<string, string | null> =>
  new Map((JSON.parse(stdout) as JsonFile[]).map((f) => [f.file, f.kind]));

test('a directory: manifests, the layout and its JSON blobs are checked; nothing else is read', () => {
  const t = Date.now();
  const r = cli(['lint', '--format', 'json', '.'], root);
  assert.equal(r.stderr, '', 'no I/O error and no note');
  assert.equal(r.status, 1, 'broken.json has an error');
  assert.deepEqual([...files(r.stdout)].sort(), [...expected].sort());
  const out = JSON.parse(r.stdout) as JsonFile[];
  assert.ok(
    out.find((f) => f.file === 'broken.json')!.diagnostics.some((d) => d.code === 'oci/duplicate-key'),
  );
  // The layers are judged by size and first bytes: the run is quick even with a 4 GiB blob.
  assert.ok(Date.now() - t < 30_000);
});

test('paths are shown under the directory argument, in name order', () => {
  const parent = path.dirname(root);
  const r = cli(['lint', path.basename(root)], parent);
  assert.equal(r.status, 1);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[lines.length - 1]!, / in 5 files$/);
  assert.ok(
    lines.slice(0, -1).every((l) => l.startsWith(`${path.basename(root)}${path.sep}`)),
    r.stdout,
  );
});

test('the layout directory, or its blobs directory, named directly', () => {
  const layout = cli(['lint', '--format', 'json', LAYOUT], root);
  assert.equal(layout.stderr, '');
  assert.deepEqual([...files(layout.stdout).values()].sort(), [
    'image-config',
    'image-index',
    'image-manifest',
    'layout-header',
  ]);
  const blobs = cli(['lint', '--format', 'json', path.join(LAYOUT, 'blobs', 'sha256')], root);
  assert.equal(blobs.stderr, '');
  assert.deepEqual([...files(blobs.stdout).values()].sort(), ['image-config', 'image-manifest']);
  const blobsDir = cli(['lint', '--format', 'json', path.join(LAYOUT, 'blobs')], root);
  assert.deepEqual([...files(blobsDir.stdout).values()].sort(), ['image-config', 'image-manifest']);
});

test('a blob named explicitly is read, a layer named explicitly is refused when too large', () => {
  const blob = [...expected].find(([file, kind]) => kind === 'image-manifest' && file.includes('blobs'))![0];
  const named = cli(['lint', '--format', 'json', blob], root);
  assert.deepEqual([...files(named.stdout)], [[blob, 'image-manifest']]);
  const big = cli(['lint', path.join(LAYOUT, 'blobs', 'sha256', 'f'.repeat(64))], root);
  assert.equal(big.status, 2);
  assert.match(big.stderr, /too large/);
});

test('a directory with no manifest: exit 0, and a file checked twice is reported once', () => {
  const none = cli(['lint', 'data'], root);
  assert.equal(none.status, 0);
  assert.equal(none.stdout, '0 errors, 0 warnings, 0 infos in 0 files\n');
  // A skipped directory named on the command line is searched: the user asked for it.
  assert.deepEqual(
    [...files(cli(['lint', '--format', 'json', 'node_modules'], root).stdout).keys()],
    [path.join('node_modules', 'pkg', 'm.json')],
  );
  const twice = cli(['lint', '--format', 'json', 'broken.json', '.', './broken.json'], root);
  assert.equal(
    (JSON.parse(twice.stdout) as JsonFile[]).filter((f) => f.file.endsWith('broken.json')).length,
    1,
  );
});

test('a missing directory is an I/O error', () => {
  const r = cli(['lint', 'no-such-dir'], root);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no-such-dir: cannot read: no such file or directory/);
});
