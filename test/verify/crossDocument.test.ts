// The image as a whole, on layouts and archives written by real tools (umoci, skopeo, GNU tar): every
// cross-document rule fires on the image changed in its one fact (every digest re-hashed, every document
// linting clean on its own) and stays silent on the untouched and correct ones; the findings sit on the wrong
// descriptor and their fixes apply the other side's truth; deep verification passes on real gzip and zstd
// layouts and fails on a wrong DiffID. The same in OCI layout tarballs and docker save tarballs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze, applyEdits, fixesFor, type Finding } from '../../server/src/core/index';
import type { LayoutReport, ImageReport } from '../../server/src/core/verify/layout';
import { verifyLayoutFolder } from '../../server/src/node/content/layoutSource';
import { verifyImageArchive } from '../../server/src/node/content/archiveSource';
import { analyzeLayer } from '../../server/src/node/layer/analyze';
import { createLayoutAccess } from '../../server/src/node/layoutGraph';
import { cli, ensureCli } from '../cli/cli';
import { firstImage, putBlob, putJson } from './tamper';
import { makeImages, tarLayout, type Images } from './tampered';
import { covered, sh, tempDir } from './tools';

let tmp: { dir: string; remove: () => void };
let images: Images;

before(async () => {
  await ensureCli();
  tmp = tempDir('oci-cross-');
  images = makeImages(tmp.dir);
});
after(() => tmp.remove());

const deep = { analyzeLayer };

/** Every finding of a report as `relative code`. */
const codes = (r: ImageReport): string[] => r.files.flatMap((f) => f.findings.map((x) => x.code)).sort();

const only = (r: ImageReport, code: string): { file: ImageReport['files'][number]; finding: Finding } => {
  const hits = r.files.flatMap((file) =>
    file.findings.filter((f) => f.code === code).map((finding) => ({ file, finding })),
  );
  assert.equal(hits.length, 1, `one ${code}: ${JSON.stringify(codes(r))}`);
  return hits[0]!;
};

/** The JSON a finding's fix makes of its file's text. */
function fixed(
  text: string,
  finding: Finding,
  kind?: Parameters<typeof analyze>[1],
): { title: string; value: unknown } {
  const analysis = analyze(text, { contentDetection: true, ...kind });
  const fixes = fixesFor(analysis, finding);
  assert.equal(fixes.length, 1, `one fix for ${finding.code}`);
  return { title: fixes[0]!.title, value: JSON.parse(applyEdits(text, fixes[0]!.edits)) };
}

const configOf = (layout: string): Record<string, unknown> =>
  JSON.parse(
    fs.readFileSync(path.join(layout, 'blobs', 'sha256', firstImage(layout).config.slice(7)), 'utf8'),
  );

test('every cross-document rule fires on its tampered image, and on nothing else of it', async () => {
  for (const [code, layout] of Object.entries(images.tampered)) {
    const r = await verifyLayoutFolder(layout, deep);
    assert.deepEqual(codes(r), [code], path.basename(layout));
    assert.equal(
      r.summary.digestMismatch + r.summary.sizeMismatch + r.summary.missing,
      0,
      'every digest is true',
    );
  }
});

test('the untouched images made by umoci and skopeo (gzip and zstd) and the correct twins stay silent, deep too', async () => {
  for (const layout of [images.clean, images.zstd, ...Object.values(images.twins)]) {
    const r = await verifyLayoutFolder(layout, deep);
    assert.deepEqual(codes(r), [], path.basename(layout));
    assert.equal(r.problem, false);
  }
});

test('each tampered document lints without an error on its own: only the comparison finds the fact', () => {
  for (const [code, layout] of Object.entries(images.tampered)) {
    const r = cli(['lint', '--format', 'json', layout]);
    const errors = (JSON.parse(r.stdout) as { diagnostics: { code: string; severity: string }[] }[]).flatMap(
      (f) => f.diagnostics.filter((d) => d.severity === 'error'),
    );
    assert.deepEqual(errors, [], code);
  }
});

test("platform: on the entry's architecture, naming the config; the fix writes the config's platform", async () => {
  const layout = images.tampered['oci/platform-mismatch']!;
  const { file, finding } = only(await verifyLayoutFolder(layout), 'oci/platform-mismatch');
  assert.equal(file.relative, 'index.json');
  const config = configOf(layout);
  assert.notEqual(covered(file.text, finding), JSON.stringify(config.architecture));
  assert.match(covered(file.text, finding), /^"(arm64|amd64)"$/);
  assert.equal(finding.severity, 'error');
  assert.ok(finding.message.includes(firstImage(layout).config), 'names the config');
  assert.ok(finding.message.includes(firstImage(layout).manifest), 'names the manifest');
  const fix = fixed(file.text, finding, { fileName: 'index.json', besideOciLayout: true });
  assert.equal(fix.title, `Set platform to linux/${config.architecture as string} as the config says`);
  assert.deepEqual((fix.value as { manifests: { platform: unknown }[] }).manifests[0]!.platform, {
    architecture: config.architecture,
    os: 'linux',
  });
});

test("media type: on the entry's mediaType; the fix sets the manifest's own type", async () => {
  const layout = images.tampered['oci/media-type-conflict']!;
  const { file, finding } = only(await verifyLayoutFolder(layout), 'oci/media-type-conflict');
  assert.equal(covered(file.text, finding), '"application/vnd.oci.image.index.v1+json"');
  assert.match(finding.message, /is a manifest \(it has "config" and "layers"\)/);
  const fix = fixed(file.text, finding, { fileName: 'index.json', besideOciLayout: true });
  assert.equal(
    (fix.value as { manifests: { mediaType: string }[] }).manifests[0]!.mediaType,
    'application/vnd.oci.image.manifest.v1+json',
  );
});

test("artifactType: on the entry's artifactType; the fix sets the manifest's", async () => {
  const r = await verifyLayoutFolder(images.tampered['oci/artifact-type-conflict']!);
  const { file, finding } = only(r, 'oci/artifact-type-conflict');
  assert.equal(covered(file.text, finding), '"application/vnd.cncf.notary.signature"');
  assert.equal(finding.severity, 'warning');
  assert.equal(
    fixed(file.text, finding, { fileName: 'index.json', besideOciLayout: true }).title,
    'Set artifactType to "application/spdx+json" as the manifest says',
  );
});

test('layers against DiffIDs and history: on the manifest, naming the config', async () => {
  let layout = images.tampered['oci/layers-diff-ids-count']!;
  let hit = only(await verifyLayoutFolder(layout), 'oci/layers-diff-ids-count');
  assert.equal(hit.file.relative, `blobs/sha256/${firstImage(layout).manifest.slice(7)}`);
  assert.equal(covered(hit.file.text, hit.finding), '"layers"');
  assert.match(hit.finding.message, /has 2 layers, but its config sha256:[0-9a-f]{64} lists 1 DiffID/);
  layout = images.tampered['oci/history-layers-count']!;
  hit = only(await verifyLayoutFolder(layout), 'oci/history-layers-count');
  assert.equal(covered(hit.file.text, hit.finding), '"config"');
  assert.match(
    hit.finding.message,
    /has 3 history entries that are not empty_layer, but the manifest has 2 layers/,
  );
});

test("compression: read from the layer's first bytes, on its mediaType; the fix names the real one", async () => {
  const layout = images.tampered['oci/layer-compression-mismatch']!;
  const { file, finding } = only(await verifyLayoutFolder(layout), 'oci/layer-compression-mismatch');
  assert.equal(covered(file.text, finding), '"application/vnd.oci.image.layer.v1.tar+gzip"');
  assert.match(finding.message, /show it is zstd-compressed/);
  const fix = fixed(file.text, finding);
  assert.equal(
    fix.title,
    `Set mediaType to "application/vnd.oci.image.layer.v1.tar+zstd" as the layer's bytes say`,
  );
  const a = only(
    await verifyLayoutFolder(images.tampered['oci/layer-compression-annotation']!),
    'oci/layer-compression-annotation',
  );
  assert.equal(covered(a.file.text, a.finding), '"io.github.containers.zstd-chunked.manifest-checksum"');
  assert.match(a.finding.message, /is gzip-compressed/);
});

test('attestation: a reference digest that names no entry of the index, on the annotation', async () => {
  const { file, finding } = only(
    await verifyLayoutFolder(images.tampered['oci/attestation-reference']!),
    'oci/attestation-reference',
  );
  assert.equal(covered(file.text, finding), JSON.stringify(`sha256:${'1'.repeat(64)}`));
});

test("Docker manifest.json in an OCI layout: its layers against index.json's manifest", async () => {
  const { file, finding } = only(
    await verifyLayoutFolder(images.tampered['docker/save-manifest-mismatch']!),
    'docker/save-manifest-mismatch',
  );
  assert.equal(file.relative, 'manifest.json');
  const layers = firstImage(images.clean).layers;
  assert.equal(covered(file.text, finding), JSON.stringify(`blobs/sha256/${layers[1]!.digest.slice(7)}`));
  assert.ok(finding.message.includes(layers[0]!.digest));
});

test('deep: passes on real gzip and zstd layers; a wrong DiffID fails, on the config, with the fix', async () => {
  for (const layout of [images.clean, images.zstd]) {
    const r = cli(['verify', '--deep', layout]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
  const layout = images.tampered['oci/diff-id-mismatch']!;
  assert.equal(cli(['verify', layout]).status, 0, 'without --deep nothing reads the layers');
  const run = cli(['verify', '--deep', layout]);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /error oci\/diff-id-mismatch rootfs\.diff_ids\[0\]/);
  const { file, finding } = only(await verifyLayoutFolder(layout, deep), 'oci/diff-id-mismatch');
  assert.equal(file.relative, `blobs/sha256/${firstImage(layout).config.slice(7)}`);
  assert.equal(covered(file.text, finding), JSON.stringify(`sha256:${'2'.repeat(64)}`));
  const real = (configOf(images.clean).rootfs as { diff_ids: string[] }).diff_ids[0]!;
  assert.ok(finding.message.includes(real));
  const fix = fixed(file.text, finding);
  assert.equal((fix.value as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids[0], real);
  // The hygiene rules name the path inside the layer.
  const dup = only(
    await verifyLayoutFolder(images.tampered['oci/layer-duplicate-path']!, deep),
    'oci/layer-duplicate-path',
  );
  assert.match(dup.finding.message, /two entries for "etc\/motd"/);
  assert.match(covered(dup.file.text, dup.finding), /^"sha256:[0-9a-f]{64}"$/);
});

test('archives written by skopeo (oci-archive:, docker-archive:) and by tar: the same findings, and silence on the correct ones', async () => {
  const skopeo = (layout: string, to: 'oci-archive' | 'docker-archive'): string => {
    const file = path.join(tmp.dir, `${path.basename(layout)}.${to}.tar`);
    sh('skopeo', [
      'copy',
      '--quiet',
      `oci:${layout}:1`,
      to === 'oci-archive' ? `oci-archive:${file}` : `docker-archive:${file}:img:1`,
    ]);
    return file;
  };
  // Manifest- and config-level facts survive skopeo's copy; index-level ones (skopeo writes its own
  // index.json) are packed with tar, as buildx and Docker 25+ write layout tarballs.
  const viaSkopeo = [
    'oci/layers-diff-ids-count',
    'oci/history-layers-count',
    'oci/layer-compression-mismatch',
    'oci/layer-compression-annotation',
    'oci/diff-id-mismatch',
  ];
  for (const [code, layout] of Object.entries(images.tampered)) {
    const file = viaSkopeo.includes(code)
      ? skopeo(layout, 'oci-archive')
      : tarLayout(layout, path.join(tmp.dir, `${path.basename(layout)}.tar`));
    const r = await verifyImageArchive(file, deep);
    assert.equal(r.kind, 'oci-layout');
    assert.deepEqual(codes(r), [code], file);
  }
  for (const code of ['oci/layers-diff-ids-count', 'oci/history-layers-count']) {
    const file = skopeo(images.tampered[code]!, 'docker-archive');
    const r = await verifyImageArchive(file, deep);
    assert.equal(r.kind, 'docker-save');
    const { file: report } = only(r, code);
    assert.equal(report.relative, 'manifest.json');
  }
  for (const layout of [images.clean, images.zstd, ...Object.values(images.twins)]) {
    const r = await verifyImageArchive(
      tarLayout(layout, path.join(tmp.dir, `${path.basename(layout)}-ok.tar`)),
      deep,
    );
    assert.deepEqual(codes(r), [], layout);
  }
  for (const layout of [images.clean, images.twins.layer!]) {
    const r = await verifyImageArchive(skopeo(layout, 'docker-archive'), deep);
    assert.deepEqual(codes(r), [], layout);
    assert.equal(r.problem, false);
  }
});

test('a referrer that index.json does not reach is shown under its subject, in a folder and in a tarball', async () => {
  const layout = path.join(tmp.dir, 'loose');
  fs.cpSync(images.clean, layout, { recursive: true });
  const img = firstImage(layout);
  const size = fs.statSync(path.join(layout, 'blobs', 'sha256', img.manifest.slice(7))).size;
  const empty = putBlob(layout, Buffer.from('{}'));
  const sig = putBlob(layout, Buffer.from('{"signature":"x"}'));
  const referrer = putJson(layout, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.cncf.notary.signature',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size },
    layers: [{ mediaType: 'application/jose+json', digest: sig.digest, size: sig.size }],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifest, size },
  });
  const access = createLayoutAccess();
  for (const root of [layout, tarLayout(layout, path.join(tmp.dir, 'loose.tar'))]) {
    const graph = await access.graph(pathToFileURL(root).href);
    assert.deepEqual(graph.blobs[img.manifest]?.referrers, [referrer.digest], root);
    const node = graph.blobs[referrer.digest]!;
    assert.equal(node.unreferenced, true);
    assert.equal(node.artifactType, 'application/vnd.cncf.notary.signature');
    assert.deepEqual(
      node.children?.map((e) => e.role),
      ['config', 'layer', 'subject'],
    );
    assert.equal(graph.blobs[sig.digest]?.status, 'ok', 'what the referrer names is looked up too');
    assert.equal(graph.archive, root.endsWith('.tar') ? 'oci-layout' : undefined);
  }
  // Verification still says they are unreferenced (index.json does not name them).
  const r: LayoutReport = await verifyLayoutFolder(layout);
  assert.equal(r.blobs.unreferenced, 3);
});
