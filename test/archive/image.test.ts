// Image archives read in place (node/archive/image.ts), on tarballs written by skopeo from a umoci image and on
// Docker-style ones assembled with GNU tar: the kind, the root files (checked against GNU tar's own
// extraction), every blob read back and hashed, docker-save layers found through manifest.json and the
// config's diff_ids, a flipped byte inside a layer caught by hashing, hostile digests and links refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArchiveError } from '../../server/src/node/archive/tar';
import { openImageArchive, type ImageArchive } from '../../server/src/node/archive/image';
import { analyzeLayer } from '../../server/src/node/layer/analyze';
import { firstManifest, flipByte, sh, sha256, tempDir, type Descriptor } from '../verify/tools';
import { diffIds, makeArchives, type Archives } from './images';
import { makeTar } from './tarWriter';

let tmp: { dir: string; remove: () => void };
let a: Archives;
let n = 0;
before(() => {
  tmp = tempDir('oci-archive-');
  a = makeArchives(tmp.dir);
});
after(() => tmp.remove());

async function hashBlob(archive: ImageArchive, digest: string): Promise<string> {
  const content = archive.openBlob(digest, { chunkSize: 64 });
  assert.ok(content, `${digest} is in ${archive.file}`);
  const parts: Buffer[] = [];
  for await (const c of content.chunks) parts.push(Buffer.from(c));
  return sha256(Buffer.concat(parts));
}

/** Every descriptor of the layout's first image: manifest, config, layers. */
function descriptors(layout: string): Descriptor[] {
  const m = firstManifest(layout);
  return [{ mediaType: 'manifest', digest: m.digest, size: fs.statSync(m.file).size }, m.config, ...m.layers];
}

async function withArchive<T>(file: string, fn: (x: ImageArchive) => Promise<T>): Promise<T> {
  const x = await openImageArchive(file);
  try {
    return await fn(x);
  } finally {
    await x.close();
  }
}

test('skopeo oci-archive: an OCI layout archive whose root files match tar -xO and whose every blob hashes to its digest', async () => {
  await withArchive(a.ociTar, async (x) => {
    assert.equal(x.kind, 'oci-layout');
    assert.equal(x.label, `the OCI layout archive ${a.ociTar}`);
    assert.deepEqual(x.issues, []);
    for (const name of ['oci-layout', 'index.json'] as const)
      assert.equal(Buffer.from((await x.rootFile(name))!).toString(), sh('tar', ['-xOf', a.ociTar, name]));
    assert.equal(await x.rootFile('manifest.json'), undefined);
    const index = JSON.parse(Buffer.from((await x.rootFile('index.json'))!).toString()) as {
      manifests: Descriptor[];
    };
    assert.equal(index.manifests[0]!.digest, firstManifest(a.clean).digest);
    for (const d of descriptors(a.clean)) {
      const s = x.statBlob(d.digest);
      assert.deepEqual(s, { size: d.size, where: `${a.ociTar}!blobs/sha256/${d.digest.slice(7)}` });
      assert.equal(await hashBlob(x, d.digest), d.digest);
    }
    assert.equal(x.findBlob(`sha256:${'0'.repeat(64)}`), undefined);
    const names = x.entries().map((e) => e.name);
    assert.ok(names.includes('oci-layout') && names.includes('blobs/sha256'));
  });
});

test('skopeo oci-archive of the zstd copy: the zstd layers read back and hash to their digests', async () => {
  const layers = firstManifest(a.zstd).layers;
  assert.deepEqual(
    layers.map((l) => l.mediaType),
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
  );
  await withArchive(a.zstdTar, async (x) => {
    for (const d of descriptors(a.zstd)) assert.equal(await hashBlob(x, d.digest), d.digest);
  });
});

test('skopeo docker-archive: a docker save archive; the config by <hex>.json, each layer by its manifest.json path and diff_id', async () => {
  const ids = diffIds(a.clean);
  await withArchive(a.dockerTar, async (x) => {
    assert.equal(x.kind, 'docker-save');
    assert.equal(x.label, `the docker save archive ${a.dockerTar}`);
    assert.deepEqual(x.issues, []);
    const config = firstManifest(a.clean).config;
    assert.deepEqual(x.dockerImages, [
      {
        config: `${config.digest.slice(7)}.json`,
        repoTags: ['docker.io/library/img:1'],
        layers: ids.map((d) => `${d.slice(7)}.tar`),
      },
    ]);
    assert.equal(
      Buffer.from((await x.rootFile('repositories'))!).toString(),
      sh('tar', ['-xOf', a.dockerTar, 'repositories']),
    );
    assert.equal(await hashBlob(x, config.digest), config.digest);
    assert.equal(x.findBlob(config.digest)!.via, 'hex-name');
    // docker save keeps layers uncompressed: each blob's digest is its diff_id.
    for (const id of ids) {
      assert.equal(await hashBlob(x, id), id);
      assert.equal(x.statBlob(id)!.where, `${a.dockerTar}!${id.slice(7)}.tar`);
    }
    // skopeo also writes <id>/layer.tar as symlinks; they are listed as links, never read as blobs.
    assert.equal(x.entries().filter((e) => e.type === 'symlink').length, 2);
  });
});

test('Docker 25+ docker save (an OCI layout plus manifest.json): kind oci-layout, manifest.json parsed, blobs by path', async () => {
  await withArchive(a.docker25Tar, async (x) => {
    assert.equal(x.kind, 'oci-layout');
    const m = firstManifest(a.clean);
    assert.deepEqual(x.dockerImages, [
      {
        config: `blobs/sha256/${m.config.digest.slice(7)}`,
        repoTags: ['img:1'],
        layers: m.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ]);
    for (const d of descriptors(a.clean)) {
      assert.equal(await hashBlob(x, d.digest), d.digest);
      assert.equal(x.findBlob(d.digest)!.via, 'blobs-path');
    }
  });
});

test('docker save before Docker 25: <id>/layer.tar found through the config diff_ids, a shared layer through its in-archive symlink', async () => {
  const ids = diffIds(a.clean);
  await withArchive(a.legacyTar, async (x) => {
    assert.equal(x.kind, 'docker-save');
    assert.deepEqual(x.issues, []);
    assert.equal(x.dockerImages!.length, 2);
    const shared = x.findBlob(ids[0]!)!;
    assert.equal(shared.via, 'diff-id');
    assert.match(
      shared.where,
      new RegExp(`legacy\\.tar!f{64}/layer\\.tar \\(→ [0-9a-f]{64}/layer\\.tar\\)$`),
    );
    assert.equal(shared.member.type, 'file');
    for (const id of ids) assert.equal(await hashBlob(x, id), id);
    const config = firstManifest(a.clean).config.digest;
    assert.equal(await hashBlob(x, config), config);
  });
});

test('deep analysis of the layers read in place from each archive gives the config diff_ids (gzip, zstd, uncompressed)', async () => {
  const ids = diffIds(a.clean);
  const cases = [
    [a.ociTar, firstManifest(a.clean).layers.map((l) => l.digest), 'gzip'],
    [a.zstdTar, firstManifest(a.zstd).layers.map((l) => l.digest), 'zstd'],
    [a.dockerTar, ids, 'none'],
  ] as const;
  for (const [file, digests, compression] of cases)
    await withArchive(file, async (x) => {
      for (const [i, digest] of digests.entries()) {
        const r = await analyzeLayer(x.openBlob(digest, { maxBytes: x.statBlob(digest)!.size + 1 })!.chunks);
        assert.equal(r.compressedDigest, digest);
        assert.equal(r.compression, compression);
        assert.equal(r.diffId, ids[i], `${path.basename(file)} layer ${i}`);
        assert.deepEqual(r.tarFacts!.findings, []);
      }
    });
});

test('a flipped byte inside a layer of either tarball kind is caught by hashing the blob read from the archive', async () => {
  for (const [source, digestOf] of [
    [a.ociTar, () => firstManifest(a.clean).layers[1]!.digest],
    [a.dockerTar, () => diffIds(a.clean)[1]!],
  ] as const) {
    const copy = path.join(tmp.dir, `flipped${n++}.tar`);
    fs.copyFileSync(source, copy);
    const digest = digestOf();
    const member = await withArchive(copy, async (x) => x.findBlob(digest)!.member);
    flipByte(copy, member.dataOffset + Math.floor(member.size / 2));
    await withArchive(copy, async (x) => {
      const got = await hashBlob(x, digest);
      assert.notEqual(got, digest, `${path.basename(source)}: the flip changes the digest`);
      assert.equal(x.statBlob(digest)!.size, member.size);
    });
  }
});

test('hostile or malformed digests never become member names', async () => {
  await withArchive(a.ociTar, async (x) => {
    const refused = (digest: string, pattern: RegExp): void =>
      assert.throws(
        () => x.findBlob(digest),
        (e: unknown) => e instanceof ArchiveError && e.reason === 'refused' && pattern.test(e.message),
      );
    refused(
      'sha256:../../etc/passwd',
      /cannot name a member of .*oci\.tar: it contains "\/", which would let it escape/,
    );
    refused(`SHA256:${'a'.repeat(64)}`, /algorithm "SHA256" in uppercase/);
    refused('sha256:abc', /has 3 hex characters after "sha256:"/);
    refused('blobs/sha256/x', /contains "\/"/);
  });
});

test('a link at blobs/… is refused, never followed; manifest.json naming ../ is an issue and finds nothing', async () => {
  const hex = 'a'.repeat(64);
  const file = path.join(tmp.dir, 'links.tar');
  fs.writeFileSync(
    file,
    makeTar([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: '{"schemaVersion":2,"manifests":[]}' },
      { name: `blobs/sha256/${hex}`, type: '2', linkname: '../../../../etc/passwd' },
      {
        name: 'manifest.json',
        data: JSON.stringify([{ Config: '../../etc/passwd', Layers: ['/etc/shadow'] }]),
      },
    ]),
  );
  await withArchive(file, async (x) => {
    assert.throws(
      () => x.findBlob(`sha256:${hex}`),
      (e: unknown) =>
        e instanceof ArchiveError &&
        e.reason === 'refused' &&
        e.message ===
          `${file}!blobs/sha256/${hex} is a symbolic link, not a regular file, so it is not read as a blob.`,
    );
    assert.deepEqual(x.dockerImages, [{ repoTags: [], layers: [] }]);
    assert.equal(x.issues.length, 2);
    assert.match(
      x.issues[0]!,
      /manifest\.json entry 0 names its Config "\.\.\/\.\.\/etc\/passwd", which is not used: .* has a "\.\." segment/,
    );
    assert.match(
      x.issues[1]!,
      /names its layer 0 "\/etc\/shadow", which is not used: .* is an absolute path/,
    );
  });
});

test('a tar that is not an image archive says so, and says where a nested layout is', async () => {
  const plain = path.join(tmp.dir, 'plain.tar');
  fs.writeFileSync(plain, makeTar([{ name: 'readme.txt', data: 'hi' }]));
  await assert.rejects(openImageArchive(plain), {
    name: 'ArchiveError',
    message: `${plain} is a tar archive but not an image archive: it has neither an oci-layout file nor a manifest.json at its root.`,
  });
  const nested = path.join(tmp.dir, 'nested.tar');
  sh('tar', ['-cf', nested, '-C', path.dirname(a.clean), path.basename(a.clean)]);
  await assert.rejects(
    openImageArchive(nested),
    /It holds clean\/oci-layout: the layout is inside the folder clean\/, while skopeo, buildx and docker keep it at the archive's root/,
  );
});

test('a manifest.json that is not JSON is an issue; the archive still opens and a config is still found by its name', async () => {
  const hex = sha256('{}').slice(7);
  const file = path.join(tmp.dir, 'badmanifest.tar');
  fs.writeFileSync(
    file,
    makeTar([
      { name: 'manifest.json', data: '[{"Config": ' },
      { name: `${hex}.json`, data: '{}' },
    ]),
  );
  await withArchive(file, async (x) => {
    assert.equal(x.kind, 'docker-save');
    assert.match(x.issues[0]!, /manifest\.json is not valid JSON \(.*\), so its images are not known\./);
    assert.equal(await hashBlob(x, `sha256:${hex}`), `sha256:${hex}`);
  });
});
