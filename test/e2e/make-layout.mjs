// Writes test/e2e/workspace/layout/: a tiny OCI image layout for the Verify Digests e2e test. Deterministic
// (same bytes every run). One layer's file is corrupted on purpose: same length, one byte changed, so its
// descriptor's digest no longer matches. Run: node test/e2e/make-layout.mjs
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), 'workspace', 'layout');
const sha256 = (s) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const descriptor = (mediaType, content) => ({
  mediaType,
  digest: sha256(content),
  size: Buffer.byteLength(content),
});

const config = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [sha256('first layer'), sha256('second layer')] },
});
const layers = ['first layer', 'second layer'];
const manifest = JSON.stringify(
  {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor('application/vnd.oci.image.config.v1+json', config),
    layers: layers.map((l) => descriptor('application/vnd.oci.image.layer.v1.tar', l)),
  },
  null,
  2,
);
const index = JSON.stringify(
  {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        ...descriptor('application/vnd.oci.image.manifest.v1+json', manifest),
        annotations: { 'org.opencontainers.image.ref.name': 'e2e' },
      },
    ],
  },
  null,
  2,
);

rmSync(root, { recursive: true, force: true });
mkdirSync(join(root, 'blobs', 'sha256'), { recursive: true });
writeFileSync(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
writeFileSync(join(root, 'index.json'), index + '\n');
const put = (digest, content) => writeFileSync(join(root, 'blobs', ...digest.split(':')), content);
put(sha256(config), config);
put(sha256(manifest), manifest);
put(sha256(layers[0]), layers[0]);
// The corruption: the second layer's file holds other bytes of the same length.
put(sha256(layers[1]), 'second lAyer');
console.log(`manifest ${sha256(manifest)}`);
