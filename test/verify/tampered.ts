/**
 * One image per cross-document rule, each changed in ONE fact with every digest re-hashed (tamper.ts), made from
 * layouts written by real tools: umoci makes the image (two gzip layers), skopeo copies it (`clean`) and
 * recompresses it with zstd (`zstd`). Artifacts that no installable tool writes (a BuildKit attestation, an SBOM
 * referrer) are built from the specs in /work/shared/reference/supply-chain/, each with a correct twin that must
 * stay silent. `twins` are the untouched or correct images; `tampered` the changed ones, by the rule that must
 * fire.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { copyLayout, makeLayouts, requireTool, sh } from './tools';
import { editDocument, firstImage, putBlob, putJson } from './tamper';

const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  empty: 'application/vnd.oci.empty.v1+json',
  intoto: 'application/vnd.in-toto+json',
};
const EMPTY = '{}';

export interface Images {
  /** The skopeo copy of the umoci image (gzip layers), untouched. */
  clean: string;
  /** The same image with zstd layers (`skopeo copy --dest-compress-format zstd`), untouched. */
  zstd: string;
  /** Correct images with what the tampered ones change: must verify without a cross-document finding. */
  twins: Record<string, string>;
  /** By rule code: the image changed in the one fact that rule checks. */
  tampered: Record<string, string>;
}

type Json = Record<string, unknown>;

/** Adds a manifest naming the first image as its subject (an artifact, from the image-spec's artifact guidance). */
function addReferrer(layout: string, artifactType: string, payload: string, payloadType: string) {
  const img = firstImage(layout);
  const manifestText = fs.readFileSync(path.join(layout, 'blobs', 'sha256', img.manifest.slice(7)));
  const empty = putBlob(layout, Buffer.from(EMPTY));
  const blob = putBlob(layout, Buffer.from(payload));
  return putJson(layout, {
    schemaVersion: 2,
    mediaType: MT.manifest,
    artifactType,
    config: { mediaType: MT.empty, digest: empty.digest, size: empty.size, data: 'e30=' },
    layers: [{ mediaType: payloadType, digest: blob.digest, size: blob.size }],
    subject: { mediaType: MT.manifest, digest: img.manifest, size: manifestText.length },
  });
}

/** A BuildKit attestation manifest for the first image, and its index entry (attestation-storage.md). */
function addAttestation(layout: string, reference: string | undefined): void {
  const img = firstImage(layout);
  const statement = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'img', digest: { sha256: img.manifest.slice(7) } }],
    predicateType: 'https://spdx.dev/Document',
    predicate: { spdxVersion: 'SPDX-2.3' },
  });
  const m = addReferrer(layout, 'application/vnd.docker.attestation.manifest.v1+json', statement, MT.intoto);
  editDocument(layout, 'index.json', (index) => {
    (index.manifests as Json[]).push({
      mediaType: MT.manifest,
      digest: m.digest,
      size: m.size,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': reference ?? img.manifest,
      },
    });
  });
}

/** A gzip layer from a tar that GNU tar writes with `entries` (name → content; a name twice is appended twice). */
function tarLayer(dir: string, entries: [string, string][]): Buffer {
  const root = fs.mkdtempSync(path.join(dir, 'tar-'));
  const tar = path.join(root, 'layer.tar');
  for (const [i, [name, content]] of entries.entries()) {
    const file = path.join(root, 'content', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    sh('tar', [i === 0 ? '-cf' : '-rf', tar, '--format=gnu', '-C', path.join(root, 'content'), name]);
  }
  return fs.readFileSync(tar);
}

/** Adds a layer (a gzip tar of `entries`) on top of the first image: manifest, config DiffIDs and history. */
function addLayer(dir: string, layout: string, entries: [string, string][]): void {
  const plain = tarLayer(dir, entries);
  const blob = putBlob(layout, gzipSync(plain));
  const diffId = `sha256:${createHash('sha256').update(plain).digest('hex')}`;
  const img = firstImage(layout);
  editDocument(layout, img.config, (c) => {
    ((c.rootfs as Json).diff_ids as string[]).push(diffId);
    (c.history as Json[]).push({ created: '2024-01-01T00:00:00Z', created_by: 'test: added layer' });
  });
  const again = firstImage(layout);
  editDocument(layout, again.manifest, (m) => {
    (m.layers as Json[]).push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: blob.digest,
      size: blob.size,
    });
  });
}

/** Makes every image under `dir`. */
export function makeImages(dir: string): Images {
  requireTool('skopeo');
  requireTool('tar');
  const { clean } = makeLayouts(dir);
  const zstd = path.join(dir, 'zstd');
  sh('skopeo', ['copy', '--quiet', '--dest-compress-format', 'zstd', `oci:${clean}:1`, `oci:${zstd}:1`]);
  let n = 0;
  const copy = (from: string, name: string): string => copyLayout(from, path.join(dir, `${name}-${n++}`));
  const twins: Record<string, string> = {};
  const tampered: Record<string, string> = {};

  // The platform an index entry states, against the config (amd64, as umoci wrote it on this machine).
  const arch = (
    JSON.parse(
      fs.readFileSync(path.join(clean, 'blobs', 'sha256', firstImage(clean).config.slice(7)), 'utf8'),
    ) as { architecture: string }
  ).architecture;
  const other = arch === 'arm64' ? 'amd64' : 'arm64';
  twins.platform = copy(clean, 'platform-twin');
  editDocument(twins.platform, 'index.json', (i) => {
    (i.manifests as Json[])[0]!.platform = { architecture: arch, os: 'linux' };
  });
  tampered['oci/platform-mismatch'] = copy(clean, 'platform');
  editDocument(tampered['oci/platform-mismatch'], 'index.json', (i) => {
    (i.manifests as Json[])[0]!.platform = { architecture: other, os: 'linux' };
  });

  // An index entry that says "index" about an image manifest.
  tampered['oci/media-type-conflict'] = copy(clean, 'media-type');
  editDocument(tampered['oci/media-type-conflict'], 'index.json', (i) => {
    (i.manifests as Json[])[0]!.mediaType = MT.index;
  });

  // An SBOM referrer listed in index.json, with its artifactType right (twin) and wrong.
  for (const [name, said] of [
    ['artifact-twin', 'application/spdx+json'],
    ['artifact', 'application/vnd.cncf.notary.signature'],
  ] as const) {
    const layout = copy(clean, name);
    const sbom = addReferrer(
      layout,
      'application/spdx+json',
      '{"spdxVersion":"SPDX-2.3"}',
      'application/spdx+json',
    );
    editDocument(layout, 'index.json', (i) => {
      (i.manifests as Json[]).push({
        mediaType: MT.manifest,
        digest: sbom.digest,
        size: sbom.size,
        artifactType: said,
      });
    });
    if (name === 'artifact-twin') twins.artifact = layout;
    else tampered['oci/artifact-type-conflict'] = layout;
  }

  // The config loses a layer's DiffID and history entry (it stays consistent in itself).
  tampered['oci/layers-diff-ids-count'] = copy(clean, 'diff-ids');
  editDocument(tampered['oci/layers-diff-ids-count'], firstImage(clean).config, (c) => {
    ((c.rootfs as Json).diff_ids as string[]).pop();
    (c.history as Json[]).pop();
  });

  // The config gains a history entry that is not empty_layer.
  tampered['oci/history-layers-count'] = copy(clean, 'history');
  editDocument(tampered['oci/history-layers-count'], firstImage(clean).config, (c) => {
    (c.history as Json[]).push({ created: '2024-01-01T00:00:00Z', created_by: 'test: no layer' });
  });

  // A zstd layer labelled gzip.
  tampered['oci/layer-compression-mismatch'] = copy(zstd, 'compression');
  editDocument(tampered['oci/layer-compression-mismatch'], firstImage(zstd).manifest, (m) => {
    (m.layers as Json[])[0]!.mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip';
  });

  // A zstd:chunked annotation on a zstd layer (twin) and on a gzip layer.
  const chunked = { 'io.github.containers.zstd-chunked.manifest-checksum': `sha256:${'0'.repeat(64)}` };
  for (const [name, from] of [
    ['annotation-twin', zstd],
    ['annotation', clean],
  ] as const) {
    const layout = copy(from, name);
    editDocument(layout, firstImage(from).manifest, (m) => {
      (m.layers as Json[])[0]!.annotations = chunked;
    });
    if (name === 'annotation-twin') twins.annotation = layout;
    else tampered['oci/layer-compression-annotation'] = layout;
  }

  // A BuildKit attestation for the image (twin), and one whose reference names no entry.
  twins.attestation = copy(clean, 'attestation-twin');
  addAttestation(twins.attestation, undefined);
  tampered['oci/attestation-reference'] = copy(clean, 'attestation');
  addAttestation(tampered['oci/attestation-reference'], `sha256:${'1'.repeat(64)}`);

  // Docker 25+ docker save: the layout plus manifest.json, right (twin) and with its layers in the wrong order.
  for (const name of ['docker25-twin', 'docker25']) {
    const layout = copy(clean, name);
    const img = firstImage(clean);
    const blob = (d: string) => `blobs/sha256/${d.slice(7)}`;
    const layers = img.layers.map((l) => blob(l.digest));
    if (name === 'docker25') layers.reverse();
    fs.writeFileSync(
      path.join(layout, 'manifest.json'),
      JSON.stringify([{ Config: blob(img.config), RepoTags: ['img:1'], Layers: layers }]),
    );
    if (name === 'docker25-twin') twins.docker25 = layout;
    else tampered['docker/save-manifest-mismatch'] = layout;
  }

  // Deep: a DiffID that is not its layer's (the layer digests stay true).
  tampered['oci/diff-id-mismatch'] = copy(clean, 'diff-id');
  editDocument(tampered['oci/diff-id-mismatch'], firstImage(clean).config, (c) => {
    ((c.rootfs as Json).diff_ids as string[])[0] = `sha256:${'2'.repeat(64)}`;
  });

  // Deep: layers whose tar breaks layer.md (written by GNU tar, appended to).
  tampered['oci/layer-duplicate-path'] = copy(clean, 'duplicate');
  addLayer(dir, tampered['oci/layer-duplicate-path'], [
    ['etc/motd', 'first\n'],
    ['etc/motd', 'second\n'],
  ]);
  tampered['oci/layer-whiteout-name'] = copy(clean, 'whiteout');
  addLayer(dir, tampered['oci/layer-whiteout-name'], [['etc/.wh.', '']]);
  twins.layer = copy(clean, 'layer-twin');
  addLayer(dir, twins.layer, [['etc/motd', 'only once\n']]);

  return { clean, zstd, twins, tampered };
}

/** Packs a layout folder as a tarball the way buildx and Docker 25+ do (GNU tar, the layout at the root). */
export function tarLayout(layout: string, file: string): string {
  const r = spawnSync('tar', ['-cf', file, '-C', layout, '.']);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return file;
}
