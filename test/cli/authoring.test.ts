// The authoring verbs through the built CLI (dist/cli.js) on images made by real tools: umoci builds the images
// (two platforms, labels, annotations), skopeo copies them (Docker schema 2 with --format v2s2, zstd layers, an
// oci-archive tarball, a dir: copy). No registry: the push engineer adds those.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeArchImages, skopeo, tempDir, umoci } from '../layouts';
import { requireTool } from '../verify/tools';
import { cli, ensureCli } from './cli';

const sha256 = (s: string | Buffer) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const work = tempDir('oci-authoring-');
const at = (name: string) => join(work.dir, name);
const blob = (layout: string, digest: string) =>
  readFileSync(join(layout, 'blobs', ...digest.split(':')), 'utf8');
const entryOf = (layout: string, tag: string) =>
  (
    JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    }
  ).manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)!;
/** The digest line the CLI prints on stderr. */
const digestLine = (stderr: string) => /digest (sha256:[0-9a-f]{64}) \((\d+) bytes\)/.exec(stderr);

before(async () => {
  await ensureCli();
  requireTool('umoci');
  requireTool('skopeo');
  // Two images of one app, amd64 and arm64, with OCI labels, in one layout.
  const img = at('img');
  makeArchImages(img, ['amd64', 'arm64'], {
    layer: true,
    config: (arch) => [
      '--config.env',
      'MODE=prod',
      '--config.label',
      'org.opencontainers.image.description=The demo app',
      '--config.label',
      `org.opencontainers.image.version=${arch === 'amd64' ? '1.0' : '1.0-arm'}`,
    ],
  });
  // The amd64 image with a manifest annotation, and with another entrypoint (a changed config).
  umoci('config', '--image', `${img}:amd64`, '--tag', 'annotated', '--manifest.annotation', 'org.example=1');
  umoci(
    'config',
    '--image',
    `${img}:amd64`,
    '--tag',
    'changed',
    '--config.entrypoint',
    '/app',
    '--config.env',
    'MODE=dev',
  );
  skopeo('copy', '--format', 'v2s2', `oci:${img}:amd64`, `oci:${at('v2s2')}:amd64`);
  skopeo('copy', '--format', 'v2s2', `oci:${img}:amd64`, `dir:${at('dir')}`);
  skopeo('copy', '--dest-compress-format', 'zstd', `oci:${img}:amd64`, `oci:${at('zstd')}:amd64`);
  skopeo('copy', `oci:${img}:amd64`, `oci-archive:${at('img.tar')}:amd64`);
});

after(() => work.cleanup());

describe('convert', () => {
  test("skopeo's Docker schema 2 copy, converted to OCI: only the media types change, and diff says it equals the original but for them", () => {
    const v2s2 = blob(at('v2s2'), entryOf(at('v2s2'), 'amd64').digest);
    const r = cli(['convert', '--to', 'oci', `oci:${at('v2s2')}:amd64`]);
    assert.equal(r.status, 0, r.stderr);
    // Byte for byte: the three media types replaced, nothing else (skopeo's key order and layout kept).
    const expected = v2s2
      .replace(
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
      )
      .replace('application/vnd.docker.container.image.v1+json', 'application/vnd.oci.image.config.v1+json')
      .split('application/vnd.docker.image.rootfs.diff.tar.gzip')
      .join('application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(r.stdout, expected);
    const d = digestLine(r.stderr);
    assert.ok(d, r.stderr);
    assert.equal(d[1], sha256(r.stdout));
    assert.equal(Number(d[2]), Buffer.byteLength(r.stdout));
    writeFileSync(at('converted.json'), r.stdout);

    const diff = cli(['diff', at('converted.json'), `oci:${at('img')}:amd64`]);
    assert.equal(diff.status, 1, 'different bytes and a media type more: exit 1');
    assert.match(diff.stdout, /The documents differ only in their media types \(mediaType\)\./);
    assert.match(
      diff.stdout,
      /^ {2}mediaType: "application\/vnd\.oci\.image\.manifest\.v1\+json" → \(none\) \(left out on the second side, where it is implied\)$/m,
    );
    // The Docker copy itself: Docker vs OCI only.
    const dv = cli(['diff', '--format', 'json', `oci:${at('v2s2')}:amd64`, `oci:${at('img')}:amd64`]);
    assert.equal(dv.status, 1);
    const json = JSON.parse(dv.stdout) as {
      verdict: string;
      dockerVsOci: boolean;
      changes: { formatOnly?: boolean }[];
    };
    assert.equal(json.verdict, 'media-types-only');
    assert.equal(json.dockerVsOci, true);
    assert.equal(json.changes.length, 3);
  });

  test('the dir: copy (no layout around it): converted and compared without reading its config', () => {
    const r = cli([
      'convert',
      '--to',
      'oci',
      '-o',
      at('dir-converted.json'),
      join(at('dir'), 'manifest.json'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /written to .*dir-converted\.json/);
    const diff = cli(['diff', at('dir-converted.json'), at('converted.json')]);
    assert.equal(diff.status, 0, diff.stdout);
    assert.match(diff.stdout, /identical, byte for byte/);
  });

  test('refused with exit 1 and nothing on stdout: zstd layers, manifest annotations (to Docker)', () => {
    const z = cli(['convert', '--to', 'docker', `oci:${at('zstd')}:amd64`]);
    assert.equal(z.status, 1);
    assert.equal(z.stdout, '');
    assert.match(z.stderr, /was not converted to Docker schema 2/);
    assert.match(
      z.stderr,
      /layers\[0\] \(application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd\) is a zstd-compressed layer/,
    );
    const a = cli(['convert', '--to', 'docker', `oci:${at('img')}:annotated`]);
    assert.equal(a.status, 1);
    assert.equal(a.stdout, '');
    assert.match(a.stderr, /Docker schema 2 documents have no annotations/);
  });

  test('an index converted with its manifests; --write-blobs puts them in the layout, and verify agrees', () => {
    const made = cli([
      'index',
      'create',
      '-o',
      join(at('img'), 'plain.index.json'),
      `oci:${at('img')}:amd64`,
      `oci:${at('img')}:arm64`,
    ]);
    assert.equal(made.status, 0, made.stderr);
    const bare = cli(['convert', '--to', 'docker', join(at('img'), 'plain.index.json')]);
    assert.equal(bare.status, 0, bare.stderr);
    assert.match(bare.stderr, /which were not written; give --write-blobs LAYOUT/);
    const r = cli([
      'convert',
      '--to',
      'docker',
      '--write-blobs',
      at('img'),
      '-o',
      join(at('img'), 'list.json'),
      join(at('img'), 'plain.index.json'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const list = JSON.parse(readFileSync(join(at('img'), 'list.json'), 'utf8')) as {
      mediaType: string;
      manifests: { mediaType: string; digest: string }[];
    };
    assert.equal(list.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    for (const e of list.manifests) {
      assert.equal(e.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.ok(existsSync(join(at('img'), 'blobs', ...e.digest.split(':'))), e.digest);
    }
    const v = cli(['verify', join(at('img'), 'list.json')]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /list\.json: 6 verified, 0 mismatches, 0 not found/);
  });
});

describe('diff', () => {
  test('exit 0 for the same content in other bytes, 1 for a changed config (with its Env and Entrypoint), 2 for an error', () => {
    const original = blob(at('img'), entryOf(at('img'), 'amd64').digest);
    writeFileSync(at('pretty.json'), JSON.stringify(JSON.parse(original), null, 2));
    const same = cli(['diff', `oci:${at('img')}:amd64`, at('pretty.json')]);
    assert.equal(same.status, 0, same.stdout);
    assert.match(same.stdout, /Same content, different bytes: only whitespace/);

    const changed = cli(['diff', `oci:${at('img')}:amd64`, `oci:${at('img')}:changed`]);
    assert.equal(changed.status, 1);
    assert.match(changed.stdout, /^ {2}image config › Entrypoint: added \["\/app"\]$/m);
    assert.match(changed.stdout, /^ {2}image config › Env: MODE=prod → MODE=dev$/m);
    assert.match(changed.stdout, /^ {2}config\.digest: /m);

    const missing = cli(['diff', at('nope.json'), at('pretty.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.json: cannot read: no such file or directory/);
    writeFileSync(at('broken.json'), '{"schemaVersion": 2,');
    const broken = cli(['diff', at('broken.json'), at('pretty.json')]);
    assert.equal(broken.status, 2);
    assert.match(broken.stderr, /broken\.json is not valid JSON/);
    assert.equal(cli(['diff', at('pretty.json')]).status, 2, 'one input is a usage error');
  });

  test('an oci-archive entry against the layout it was copied from: identical (exit 0)', () => {
    const r = cli(['diff', `oci-archive:${at('img.tar')}:amd64`, `oci:${at('img')}:amd64`]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /identical, byte for byte/);
  });
});

describe('index', () => {
  test('create from two umoci images: lints clean, each platform is its config’s, annotations given', () => {
    const out = join(at('img'), 'app.index.json');
    const r = cli([
      'index',
      'create',
      '--annotation',
      'org.opencontainers.image.source=https://example.com/app',
      '-o',
      out,
      `oci:${at('img')}:amd64`,
      `oci:${at('img')}:arm64`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.equal(digestLine(r.stderr)![1], sha256(text));
    const index = JSON.parse(text) as {
      manifests: { digest: string; size: number; platform: { os: string; architecture: string } }[];
      annotations: Record<string, string>;
    };
    assert.equal(index.manifests.length, 2);
    for (const [i, tag] of ['amd64', 'arm64'].entries()) {
      const e = index.manifests[i]!;
      assert.equal(e.digest, entryOf(at('img'), tag).digest);
      const manifest = JSON.parse(blob(at('img'), e.digest)) as { config: { digest: string } };
      const config = JSON.parse(blob(at('img'), manifest.config.digest)) as {
        os: string;
        architecture: string;
      };
      assert.deepEqual(e.platform, { architecture: config.architecture, os: config.os });
      assert.equal(config.architecture, tag);
    }
    assert.equal(index.annotations['org.opencontainers.image.source'], 'https://example.com/app');
    const lint = cli(['lint', '--format', 'json', out]);
    assert.equal(lint.status, 0, lint.stdout);
    assert.deepEqual((JSON.parse(lint.stdout) as { diagnostics: unknown[] }[])[0]!.diagnostics, []);
  });

  test('add and remove edit the file in place with minimal edits; the same platform twice is refused', () => {
    const file = join(at('img'), 'edit.index.json');
    assert.equal(cli(['index', 'create', '-o', file, `oci:${at('img')}:amd64`]).status, 0);
    const before = readFileSync(file, 'utf8');
    const add = cli(['index', 'add', '-o', file, file, `oci:${at('img')}:arm64`]);
    assert.equal(add.status, 0, add.stderr);
    const added = readFileSync(file, 'utf8');
    const cut = before.lastIndexOf('}\n  ]');
    assert.equal(
      added.slice(0, cut + 1),
      before.slice(0, cut + 1),
      'everything before the new entry is untouched',
    );
    assert.equal(added.slice(-5), before.slice(-5));
    assert.match(add.stderr, /Added linux\/arm64 sha256:/);
    const again = cli(['index', 'add', file, `oci:${at('img')}:changed`]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /is linux\/amd64, like manifests\[0\] of the index/);
    const remove = cli(['index', 'remove', '-o', file, file, 'linux/arm64']);
    assert.equal(remove.status, 0, remove.stderr);
    assert.equal(readFileSync(file, 'utf8'), before, 'removing what was added gives the same bytes back');
  });
});

describe('annotate --from-labels', () => {
  test('a manifest gets its config’s OCI labels; an index only those its images agree on', () => {
    const m = cli(['annotate', '--from-labels', `oci:${at('img')}:amd64`]);
    assert.equal(m.status, 0, m.stderr);
    assert.deepEqual((JSON.parse(m.stdout) as { annotations: unknown }).annotations, {
      'org.opencontainers.image.description': 'The demo app',
      'org.opencontainers.image.version': '1.0',
    });
    const i = cli(['annotate', '--from-labels', join(at('img'), 'app.index.json')]);
    assert.equal(i.status, 0, i.stderr);
    const annotations = (JSON.parse(i.stdout) as { annotations: Record<string, string> }).annotations;
    assert.equal(annotations['org.opencontainers.image.description'], 'The demo app');
    assert.equal(annotations['org.opencontainers.image.version'], undefined);
    assert.match(
      i.stderr,
      /kept org\.opencontainers\.image\.version: the images disagree \(linux\/amd64: "1\.0"; linux\/arm64: "1\.0-arm"\)/,
    );
    const docker = cli(['annotate', '--from-labels', `oci:${at('v2s2')}:amd64`]);
    assert.equal(docker.status, 1);
    assert.match(docker.stderr, /convert the document to OCI first/);
  });
});
