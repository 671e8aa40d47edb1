/**
 * Image archives made by real tools for the archive and layer tests: umoci makes the image (two gzip layers,
 * test/verify/tools.ts), skopeo writes it as an `oci-archive:` and a `docker-archive:` tarball and recompresses
 * its layers with zstd. Two more formats are assembled with GNU tar from what skopeo wrote, as Docker writes
 * them: a Docker 25+ `docker save` (an OCI layout plus manifest.json) and a Docker before 25 `docker save`
 * (`<id>/layer.tar` files, and a second image whose shared layer is an in-archive symlink, as Docker writes it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstManifest, makeLayouts, readJson, requireTool, sh, type Descriptor } from '../verify/tools';

export interface Archives {
  /** The skopeo copy of the umoci layout (gzip layers). */
  clean: string;
  /** The same image with zstd layers (`skopeo copy --dest-compress-format zstd`). */
  zstd: string;
  /** `skopeo copy oci:clean oci-archive:` */
  ociTar: string;
  /** `skopeo copy oci:zstd oci-archive:` */
  zstdTar: string;
  /** `skopeo copy oci:clean docker-archive:` (layers as uncompressed `<diff_id hex>.tar`). */
  dockerTar: string;
  /** Docker 25+ style: the clean layout and a manifest.json naming `blobs/sha256/…`. */
  docker25Tar: string;
  /** Docker before 25 style: `<id>/layer.tar` files, and a second image sharing a layer through a symlink. */
  legacyTar: string;
}

export function makeArchives(dir: string): Archives {
  requireTool('skopeo');
  requireTool('tar');
  const { clean } = makeLayouts(dir);
  const zstd = path.join(dir, 'zstd');
  sh('skopeo', ['copy', '--quiet', '--dest-compress-format', 'zstd', `oci:${clean}:1`, `oci:${zstd}:1`]);
  const a: Archives = {
    clean,
    zstd,
    ociTar: path.join(dir, 'oci.tar'),
    zstdTar: path.join(dir, 'zstd.tar'),
    dockerTar: path.join(dir, 'docker.tar'),
    docker25Tar: path.join(dir, 'docker25.tar'),
    legacyTar: path.join(dir, 'legacy.tar'),
  };
  sh('skopeo', ['copy', '--quiet', `oci:${clean}:1`, `oci-archive:${a.ociTar}`]);
  sh('skopeo', ['copy', '--quiet', `oci:${zstd}:1`, `oci-archive:${a.zstdTar}`]);
  sh('skopeo', ['copy', '--quiet', `oci:${clean}:1`, `docker-archive:${a.dockerTar}:img:1`]);

  // Docker 25+: the OCI layout at the root, plus the legacy manifest.json pointing into blobs/.
  const d25 = path.join(dir, 'docker25');
  fs.cpSync(clean, d25, { recursive: true });
  const m = firstManifest(clean);
  const blob = (d: Descriptor): string => `blobs/sha256/${d.digest.slice(7)}`;
  fs.writeFileSync(
    path.join(d25, 'manifest.json'),
    JSON.stringify([{ Config: blob(m.config), RepoTags: ['img:1'], Layers: m.layers.map(blob) }]),
  );
  sh('tar', ['-cf', a.docker25Tar, '-C', d25, '.']);

  // Before Docker 25: each layer as <id>/layer.tar (a real file), found through the config's diff_ids.
  const legacy = path.join(dir, 'legacy');
  fs.mkdirSync(legacy);
  sh('tar', ['-xf', a.dockerTar, '-C', legacy]);
  const manifest = readJson(path.join(legacy, 'manifest.json')) as unknown as {
    Config: string;
    Layers: string[];
  }[];
  const ids = fs.readdirSync(legacy).filter((e) => fs.statSync(path.join(legacy, e)).isDirectory());
  const idOf = new Map<string, string>();
  for (const id of ids) {
    const link = path.join(legacy, id, 'layer.tar');
    const target = path.basename(fs.readlinkSync(link));
    fs.rmSync(link);
    fs.renameSync(path.join(legacy, target), link);
    idOf.set(target, id);
  }
  const layers = manifest[0]!.Layers.map((l) => `${idOf.get(l)}/layer.tar`);
  // A second image whose first layer is shared: Docker writes it as a symlink to the first copy. It comes
  // first in manifest.json, so that its layer's digest is tied to the symlink.
  const shared = 'f'.repeat(64);
  fs.mkdirSync(path.join(legacy, shared));
  fs.symlinkSync(`../${layers[0]}`, path.join(legacy, shared, 'layer.tar'));
  fs.writeFileSync(
    path.join(legacy, 'manifest.json'),
    JSON.stringify([
      { Config: manifest[0]!.Config, RepoTags: ['img:2'], Layers: [`${shared}/layer.tar`, layers[1]] },
      { Config: manifest[0]!.Config, RepoTags: ['img:1'], Layers: layers },
    ]),
  );
  sh('tar', ['-cf', a.legacyTar, '-C', legacy, '.']);
  return a;
}

/** The config's rootfs.diff_ids of a layout's first manifest. */
export function diffIds(layout: string): string[] {
  const m = firstManifest(layout);
  const config = readJson(path.join(layout, 'blobs', 'sha256', m.config.digest.slice(7))) as {
    rootfs: { diff_ids: string[] };
  };
  return config.rootfs.diff_ids;
}
