// Layouts written by real tools on this machine (umoci, skopeo: independent implementations of the image layout)
// lint without an error through the built CLI (exit 0). The layouts of tools that cannot run here
// (go-containerregistry, oras, regclient, olareg) are in the conformance corpus, written from their source.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skopeo, tempDir, umoci, makeUmociLayout } from '../layouts';
import { requireTool } from '../verify/tools';
import { cli, ensureCli } from './cli';

interface FileResult {
  file: string;
  kind: string | null;
  diagnostics: { code: string; severity: string; message: string }[];
}

const work = tempDir('oci-real-layouts-');
let made: { umoci: string; oci: string; v2s2: string; zstd: string };

before(async () => {
  await ensureCli();
  requireTool('umoci');
  requireTool('skopeo');
  const dir = (name: string) => join(work.dir, name);
  makeUmociLayout(dir('umoci'));
  // A label on a config, as `umoci config --config.label` writes it.
  umoci(
    'config',
    '--image',
    `${dir('umoci')}:v1`,
    '--tag',
    'labelled',
    '--config.label',
    'com.example.team=a',
  );
  skopeo('copy', `oci:${dir('umoci')}:v1`, `oci:${dir('skopeo-oci')}:latest`);
  skopeo('copy', '--format', 'v2s2', `oci:${dir('umoci')}:v1`, `oci:${dir('skopeo-v2s2')}:latest`);
  skopeo(
    'copy',
    '--dest-compress-format',
    'zstd',
    `oci:${dir('umoci')}:v1`,
    `oci:${dir('skopeo-zstd')}:latest`,
  );
  made = { umoci: dir('umoci'), oci: dir('skopeo-oci'), v2s2: dir('skopeo-v2s2'), zstd: dir('skopeo-zstd') };
});

after(() => work.cleanup());

function lintLayout(dir: string): { status: number | null; files: FileResult[] } {
  const r = cli(['lint', '--format', 'json', dir]);
  return { status: r.status, files: JSON.parse(r.stdout) as FileResult[] };
}

const summary = (files: FileResult[], severity: string) =>
  files.flatMap((f) =>
    f.diagnostics.filter((d) => d.severity === severity).map((d) => `${f.file}: ${d.code}`),
  );

test('umoci and skopeo layouts lint without an error (exit 0), their index.json read as an image index', () => {
  for (const dir of Object.values(made)) {
    const { status, files } = lintLayout(dir);
    assert.deepEqual(summary(files, 'error'), [], dir);
    assert.equal(status, 0, dir);
    const index = files.find((f) => f.file === join(dir, 'index.json'));
    assert.equal(index?.kind, 'image-index', `${dir}/index.json`);
    assert.ok(
      files.some((f) => f.kind === 'image-config' || f.kind === 'docker-config'),
      `${dir}: a config was linted`,
    );
  }
});

test("skopeo's Docker schema 2 copy into a layout: no false alarm on index.json", () => {
  const raw = JSON.parse(readFileSync(join(made.v2s2, 'index.json'), 'utf8')) as {
    mediaType?: string;
    manifests: { mediaType: string }[];
  };
  // What skopeo wrote: no top-level mediaType, a Docker manifest entry.
  assert.equal(raw.mediaType, undefined);
  assert.equal(raw.manifests[0]!.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const { files } = lintLayout(made.v2s2);
  const index = files.find((f) => f.file === join(made.v2s2, 'index.json'))!;
  assert.deepEqual(
    index.diagnostics.map((d) => `${d.code} ${d.severity}`),
    ['oci/media-type-missing warning', 'oci/index-entry-type info'],
  );
  // The Docker manifest blob itself is a Docker manifest, read as one.
  assert.ok(files.some((f) => f.kind === 'docker-manifest'));
});

test('umoci: the warnings are the SHOULDs umoci leaves out, and the config label is checked', () => {
  const { files } = lintLayout(made.umoci);
  const warnings = new Set(summary(files, 'warning').map((w) => w.slice(w.lastIndexOf(' ') + 1)));
  // umoci writes no top-level mediaType and no platform in index.json, and its base image has no layers.
  assert.deepEqual([...warnings].sort(), [
    'oci/artifact-no-layers',
    'oci/media-type-missing',
    'oci/platform-missing',
  ]);
  assert.ok(
    !summary(files, 'info').some((n) => n.endsWith('oci/ref-name-place')),
    'tags on index.json entries',
  );
});
