// `oci-manifest verify x.tar` and `oci-manifest lint x.tar` on image archives read in place: tarballs written by
// skopeo (oci-archive:, docker-archive:) and Docker-style ones assembled with GNU tar pass; a flipped byte in
// either kind fails, on the descriptor (or manifest.json entry) that names the blob; hostile tarballs (a member
// named ../x, a symlink member where a blob should be, a member longer than the tar, 100,000 members) give a
// clear finding or error and read nothing outside the tarball.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { openImageArchive } from '../../server/src/node/archive/image';
import { verifyImageArchive } from '../../server/src/node/content/archiveSource';
import { cli, ensureCli } from '../cli/cli';
import { firstManifest, flipByte, sha256, tempDir } from '../verify/tools';
import { diffIds, makeArchives, type Archives } from './images';
import { header, makeTar } from './tarWriter';

let tmp: { dir: string; remove: () => void };
let a: Archives;
let n = 0;
before(async () => {
  await ensureCli();
  tmp = tempDir('oci-archive-verify-');
  a = makeArchives(tmp.dir);
});
after(() => tmp.remove());

/** The codes of a CLI JSON run. */
function run(args: string[]): { status: number | null; codes: string[]; stdout: string; stderr: string } {
  const r = cli(['verify', '--format', 'json', ...args]);
  const files = JSON.parse(r.stdout) as { files: { diagnostics: { code: string }[] }[] };
  return { ...r, codes: files.files.flatMap((f) => f.diagnostics.map((d) => d.code)).sort() };
}

/** A copy of an archive with one byte flipped in the middle of the member holding `digest`. */
async function flipped(source: string, digest: string): Promise<string> {
  const copy = path.join(tmp.dir, `flipped${n++}.tar`);
  fs.copyFileSync(source, copy);
  const x = await openImageArchive(copy);
  const member = x.findBlob(digest)!.member;
  await x.close();
  flipByte(copy, member.dataOffset + Math.floor(member.size / 2));
  return copy;
}

test('verify takes both tarball kinds: skopeo oci-archive (gzip and zstd), docker-archive, Docker 25+ and older docker save', () => {
  const expected: [string, RegExp][] = [
    [a.ociTar, /4 verified, 0 mismatches, 0 not found; 4 blobs, 0 unreferenced, 0 misnamed/],
    [a.zstdTar, /4 verified, 0 mismatches, 0 not found; 4 blobs/],
    [a.docker25Tar, /4 verified, 0 mismatches, 0 not found; 4 blobs/],
    [a.dockerTar, /3 verified, 0 mismatches, 0 not found; 1 image$/m],
    [a.legacyTar, /6 verified, 0 mismatches, 0 not found; 2 images$/m],
  ];
  for (const [file, summary] of expected) {
    const r = cli(['verify', '--deep', file]);
    assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, summary, file);
  }
});

test('a flipped byte in a layer of either kind fails, on what names the layer; in a docker save config too', async () => {
  const layer = firstManifest(a.clean).layers[1]!.digest;
  let r = run([await flipped(a.ociTar, layer)]);
  assert.equal(r.status, 1);
  assert.deepEqual(r.codes, ['oci/blob-digest-mismatch']);
  const diffId = diffIds(a.clean)[1]!;
  for (const source of [a.dockerTar, a.legacyTar]) {
    const text = cli(['verify', await flipped(source, diffId)]);
    assert.equal(text.status, 1, text.stdout);
    // On the layer's entry in manifest.json, saying which DiffID it fails.
    assert.match(
      text.stdout,
      new RegExp(
        `!manifest\\.json:1:\\d+ error oci/blob-digest-mismatch The layer \\S+ of entry \\d \\(.*\\) hashes to "sha256:[0-9a-f]{64}", not to rootfs\\.diff_ids\\[1\\] of its config \\("${diffId}"\\)`,
      ),
    );
  }
  const config = firstManifest(a.clean).config.digest;
  r = run([await flipped(a.dockerTar, config)]);
  assert.equal(r.status, 1);
  assert.ok(r.codes.includes('oci/blob-digest-mismatch'), r.stdout);
  assert.match(r.stdout, /hashes to \\"sha256:[0-9a-f]{64}\\", not to the digest its name says/);
});

/** An OCI layout tarball naming one manifest whose blob member is given by `blob`. */
function layoutTar(
  name: string,
  blob: (hexPath: string, manifest: string) => Parameters<typeof makeTar>[0],
): {
  file: string;
  manifest: string;
} {
  const config = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [],
  });
  const index = JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha256(manifest),
        size: manifest.length,
      },
    ],
  });
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(
    file,
    makeTar([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: index },
      { name: `blobs/sha256/${sha256(config).slice(7)}`, data: config },
      ...blob(`blobs/sha256/${sha256(manifest).slice(7)}`, manifest),
    ]),
  );
  return { file, manifest };
}

test('a member named ../x is left out: the blob it would be is missing, and the file outside is never read', () => {
  // The manifest's bytes sit outside the tarball, where ../blobs/sha256/<hex> would land on extraction in escape/in/.
  fs.mkdirSync(path.join(tmp.dir, 'escape', 'in'), { recursive: true });
  const { file, manifest } = layoutTar('escape/in/dotdot.tar', (p, m) => [{ name: `../${p}`, data: m }]);
  fs.mkdirSync(path.join(tmp.dir, 'escape', 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(tmp.dir, 'escape', 'blobs', 'sha256', sha256(manifest).slice(7)), manifest);
  const r = run(['--require-complete', file]);
  assert.equal(r.status, 1);
  // The config is there, but nothing reaches it any more.
  assert.deepEqual(r.codes, ['oci/archive-member', 'oci/blob-missing', 'oci/layout-blob-unreferenced']);
  assert.match(r.stdout, /was left out: it is never read/);
  assert.match(r.stdout, /"0 verified, 0 mismatches, 1 not found/);
});

test('a symbolic link member where a blob should be is refused, never followed', () => {
  const { file } = layoutTar('symlink.tar', (p) => [{ name: p, type: '2', linkname: '/etc/passwd' }]);
  const r = run([file]);
  assert.equal(r.status, 1);
  assert.ok(r.codes.includes('oci/blob-unreadable'), r.stdout);
  assert.match(r.stdout, /is a symbolic link, not a regular file, so it is not read as a blob/);
  assert.doesNotMatch(r.stdout, /root:x:0/);
});

test('a member longer than the tar is a clear error naming the member; nothing is verified', () => {
  const { file } = layoutTar('short.tar', (p, m) => [{ name: p, data: m, size: 1 << 30 }]);
  const r = run([file]);
  assert.equal(r.status, 1);
  assert.deepEqual(r.codes, ['oci/archive-format']);
  assert.match(
    r.stdout,
    /declares 1073741824 bytes of data, but the archive ends \d+ bytes before their end/,
  );
});

test('100,000 members: the image in it verifies, the rest is passed over; a compressed tarball says to decompress it', () => {
  const { file } = layoutTar('many.tar', (p, m) => [{ name: p, data: m }]);
  const junk: Uint8Array[] = [];
  for (let i = 0; i < 100_000; i++) junk.push(header({ name: `junk/${i}`, size: 0, type: '0' }));
  const body = fs.readFileSync(file);
  fs.writeFileSync(file, Buffer.concat([...junk, body]));
  const r = cli(['verify', file], undefined, 120_000);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /2 verified, 0 mismatches, 0 not found; 2 blobs/);
  const gz = path.join(tmp.dir, 'image.tar.gz');
  fs.writeFileSync(gz, gzipSync(fs.readFileSync(a.ociTar)));
  const c = run([gz]);
  assert.equal(c.status, 1);
  assert.deepEqual(c.codes, ['oci/archive-format']);
  assert.match(c.stdout, /Decompress it first/);
});

test('verify reports an archive object once: the JSON names files inside as archive!member', () => {
  const r = cli(['verify', '--format', 'json', a.ociTar]);
  const j = JSON.parse(r.stdout) as {
    targets: { path: string; summary: string }[];
    files: { file: string }[];
  };
  assert.deepEqual(
    j.targets.map((t) => t.path),
    [a.ociTar],
  );
  assert.ok(
    j.files.every((f) => f.file.startsWith(`${a.ociTar}!`)),
    JSON.stringify(j.files.map((f) => f.file)),
  );
});

test('lint takes an archive: its index.json, manifests and configs, named archive!member', () => {
  const r = cli(['lint', '--format', 'json', a.ociTar, a.dockerTar]);
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { file: string; kind: string }[]).map(
    (f) => `${f.file.slice(tmp.dir.length + 1)} ${f.kind}`,
  );
  const m = firstManifest(a.clean);
  assert.deepEqual(
    files.sort(),
    [
      // skopeo keeps the OCI config's bytes (and so its digest) in the docker archive.
      `docker.tar!${m.config.digest.slice(7)}.json image-config`,
      'oci.tar!index.json image-index',
      `oci.tar!blobs/sha256/${m.config.digest.slice(7)} image-config`,
      `oci.tar!blobs/sha256/${m.digest.slice(7)} image-manifest`,
      'oci.tar!oci-layout layout-header',
    ].sort(),
  );
});

test('verifyImageArchive tells the kind, and the files of an archive carry oci-blob: URIs', async () => {
  const r = await verifyImageArchive(a.ociTar);
  assert.equal(r.kind, 'oci-layout');
  const index = r.files.find((f) => f.relative === 'index.json')!;
  assert.match(index.uri!, /^oci-blob:\/\/archive\/index\.json\?file%3A%2F%2F%2F/);
  const d = await verifyImageArchive(a.dockerTar);
  assert.equal(d.kind, 'docker-save');
});
