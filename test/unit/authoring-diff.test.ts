/**
 * Diff (server/src/core/authoring/diff.ts): the verdicts (identical, same content, media types only, different),
 * layers aligned by digest, index entries by platform, configs compared through a content source.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffDocuments, diffExitCode, type DiffResult } from '../../server/src/core/authoring/diff';
import { AuthoringError } from '../../server/src/core/authoring/content';
import { convertDocument } from '../../server/src/core/authoring/convert';
import { MT } from '../../server/src/core/catalog/core';
import { descriptorOf, memorySource } from '../layouts';

const config = (extra: Record<string, unknown> = {}, arch = 'amd64') =>
  JSON.stringify({
    architecture: arch,
    os: 'linux',
    config: {
      Env: ['PATH=/usr/bin', 'A=1'],
      Entrypoint: ['/app'],
      User: 'app',
      Labels: { team: 'x' },
      ...extra,
    },
    rootfs: { type: 'layers', diff_ids: ['sha256:' + '1'.repeat(64)] },
    history: [{ created_by: 'ADD app /app' }],
  });
const layer = (n: number) => descriptorOf(MT.layerGzip, `layer ${n}`);
const manifest = (cfg: string, layers: number[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, cfg),
    layers: layers.map(layer),
    ...extra,
  });

const diff = (a: string, b: string, blobs: string[] = []): Promise<DiffResult> => {
  const sources = blobs.length ? [memorySource(blobs)] : [];
  return diffDocuments({ text: a, label: 'a', sources }, { text: b, label: 'b', sources });
};
const texts = (r: DiffResult) => r.changes.map((c) => c.text);

describe('verdicts and exit codes', () => {
  test('identical bytes: exit 0', async () => {
    const m = manifest(config(), [1]);
    const r = await diff(m, m);
    assert.equal(r.verdict, 'identical');
    assert.equal(diffExitCode(r), 0);
  });

  test('same content, different whitespace: exit 0, said as such, digests differ', async () => {
    const m = manifest(config(), [1]);
    const r = await diff(m, JSON.stringify(JSON.parse(m), null, 2));
    assert.equal(r.verdict, 'same-content');
    assert.match(r.summary, /Same content, different bytes: only whitespace/);
    assert.notEqual(r.a.digest, r.b.digest);
    assert.equal(diffExitCode(r), 0);
  });

  test('same content, other key order: exit 0, said as such', async () => {
    const m = manifest(config(), [1]);
    const v = JSON.parse(m) as Record<string, unknown>;
    const reordered = JSON.stringify({
      layers: v.layers,
      config: v.config,
      mediaType: v.mediaType,
      schemaVersion: 2,
    });
    const r = await diff(m, reordered);
    assert.equal(r.verdict, 'same-content');
    assert.match(r.summary, /order of keys/);
  });

  test('Docker vs OCI only: exit 1, each media type said as format-only', async () => {
    const oci = manifest(config(), [1, 2]);
    const docker = convertDocument(oci, 'docker').text;
    const r = await diff(docker, oci);
    assert.equal(r.verdict, 'media-types-only');
    assert.equal(r.dockerVsOci, true);
    assert.match(r.summary, /^Docker vs OCI only/);
    assert.equal(r.changes.length, 4);
    assert.ok(r.changes.every((c) => c.formatOnly));
    assert.equal(diffExitCode(r), 1);
  });

  test('a different document: exit 1', async () => {
    const r = await diff(manifest(config(), [1]), manifest(config(), [2]));
    assert.equal(r.verdict, 'different');
    assert.equal(diffExitCode(r), 1);
  });

  test('not JSON: an AuthoringError naming the side', async () => {
    await assert.rejects(
      diff('{', manifest(config(), [1])),
      (e: Error) => e instanceof AuthoringError && /^a is not valid JSON/.test(e.message),
    );
  });
});

describe('manifests', () => {
  test('layers added, removed, moved and replaced in place', async () => {
    const a = manifest(config(), [1, 2, 3, 4]);
    const b = manifest(config(), [2, 1, 9, 5, 6]);
    const r = await diff(a, b);
    const t = texts(r).join('\n');
    // LCS keeps 2 (or 1) in place; the other moved.
    assert.match(t, /layers: sha256:[0-9a-f]{12} moved from position \d to \d/);
    assert.match(t, /layers\[2\] replaced: sha256:\S+, 7 B → sha256:\S+, 7 B/);
    assert.match(t, /layers\[3\] replaced/);
    assert.match(t, /layers\[4\] added: /);
    assert.equal(r.changes.filter((c) => c.kind === 'removed').length, 0);
  });

  test('a layer removed from the end', async () => {
    const r = await diff(manifest(config(), [1, 2]), manifest(config(), [1]));
    assert.deepEqual(texts(r), [`layers[1] removed: ${layer(2).digest}, 7 B`]);
  });

  test('annotations added, removed and changed, key by key', async () => {
    const a = manifest(config(), [1], { annotations: { k1: 'a', k2: 'b' } });
    const b = manifest(config(), [1], { annotations: { k2: 'c', k3: 'd' } });
    assert.deepEqual(texts(await diff(a, b)), [
      'annotations["k1"]: removed (was "a")',
      'annotations["k2"]: "b" → "c"',
      'annotations["k3"]: added "d"',
    ]);
  });

  test('configs read through the content source: Env, Labels, Entrypoint, User, history', async () => {
    const ca = config();
    const cb = JSON.stringify({
      ...(JSON.parse(ca) as object),
      config: {
        Env: ['PATH=/usr/bin', 'A=2', 'B=3'],
        Entrypoint: ['/app', '--serve'],
        User: 'root',
        Labels: { team: 'y' },
      },
      history: [{ created_by: 'ADD app /app' }, { created_by: 'RUN make' }],
    });
    const r = await diff(manifest(ca, [1]), manifest(cb, [1]), [ca, cb]);
    const t = texts(r);
    assert.ok(t.includes('image config › Env: A=1 → A=2'), t.join('\n'));
    assert.ok(t.includes('image config › Env: added B=3'));
    assert.ok(t.includes('image config › Entrypoint: ["/app"] → ["/app","--serve"]'));
    assert.ok(t.includes('image config › User: "app" → "root"'));
    assert.ok(t.includes('image config › Labels["team"]: "x" → "y"'));
    assert.ok(t.includes('image config › history[1] added: "RUN make"'));
    assert.ok(t.some((x) => x.startsWith('config.digest: ')));
    assert.deepEqual(r.notes, []);
  });

  test('configs not available: compared as descriptors, and the note says why', async () => {
    const r = await diff(manifest(config(), [1]), manifest(config({ User: 'root' }), [1]));
    assert.deepEqual(
      r.changes.map((c) => c.where),
      ['config.digest', 'config.size'],
    );
    assert.match(
      r.notes[0]!,
      /image configs were not compared: the first one \(sha256:\S+\) is not available/,
    );
  });
});

describe('indexes', () => {
  const amdConfig = config();
  const armConfig = config({}, 'arm64');
  const amd = manifest(amdConfig, [1]);
  const arm = manifest(armConfig, [2]);
  const entry = (m: string, platform: Record<string, string>, mediaType: string = MT.manifest) =>
    descriptorOf(mediaType, m, { platform });
  const index = (entries: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: entries, ...extra }, null, 2);

  test('entries aligned by platform: reorder said once, an added platform, arm64 and arm64/v8 the same', async () => {
    const a = index([
      entry(amd, { os: 'linux', architecture: 'amd64' }),
      entry(arm, { os: 'linux', architecture: 'arm64' }),
    ]);
    const b = index([
      entry(arm, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      entry(amd, { os: 'linux', architecture: 'amd64' }),
      entry(manifest(config({}, 's390x'), [3]), { os: 'linux', architecture: 's390x' }),
    ]);
    const t = texts(await diff(a, b));
    assert.ok(t.includes('manifests[linux/arm64/v8].platform: linux/arm64 → linux/arm64/v8'), t.join('\n'));
    assert.ok(t.some((x) => x.startsWith('manifests[linux/s390x] added: sha256:')));
    assert.ok(
      t.some((x) =>
        x.startsWith(
          'manifests: the entries are in another order (linux/amd64, linux/arm64/v8 → linux/arm64/v8, linux/amd64)',
        ),
      ),
    );
  });

  test('a changed image is followed into its manifest and config (scoped by platform)', async () => {
    const arm2Config = config({ User: 'root' }, 'arm64');
    const arm2 = manifest(arm2Config, [2, 3]);
    const a = index([entry(arm, { os: 'linux', architecture: 'arm64' })]);
    const b = index([entry(arm2, { os: 'linux', architecture: 'arm64' })]);
    const t = texts(await diff(a, b, [arm, arm2, armConfig, arm2Config]));
    assert.ok(t.includes('linux/arm64 › image config › User: "app" → "root"'), t.join('\n'));
    assert.ok(t.some((x) => x.startsWith('linux/arm64 › layers[1] added: ')));
    assert.ok(t.some((x) => x.startsWith('manifests[linux/arm64]: sha256:')));
  });

  test('a list and its OCI conversion: Docker vs OCI only, entries following from their manifests', async () => {
    const dockerAmd = convertDocument(amd, 'docker').text;
    const dockerArm = convertDocument(arm, 'docker').text;
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.dockerList,
      manifests: [
        entry(dockerAmd, { os: 'linux', architecture: 'amd64' }, MT.dockerManifest),
        entry(dockerArm, { os: 'linux', architecture: 'arm64' }, MT.dockerManifest),
      ],
    });
    const oci = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: [
        entry(amd, { os: 'linux', architecture: 'amd64' }),
        entry(arm, { os: 'linux', architecture: 'arm64' }),
      ],
    });
    const r = await diff(list, oci, [amd, arm, dockerAmd, dockerArm]);
    assert.equal(r.verdict, 'media-types-only', texts(r).join('\n'));
    assert.ok(
      texts(r).some((x) => /^manifests\[linux\/amd64\]: .* \(following from its media types\)$/.test(x)),
    );
    // Without the manifests the new digests are real differences.
    assert.equal((await diff(list, oci)).verdict, 'different');
  });

  test('attestation entries are aligned by the image they belong to', async () => {
    const att = (m: string, of: string) =>
      descriptorOf(MT.manifest, m, {
        annotations: {
          'vnd.docker.reference.digest': of,
          'vnd.docker.reference.type': 'attestation-manifest',
        },
        platform: { architecture: 'unknown', os: 'unknown' },
      });
    const amdEntry = entry(amd, { os: 'linux', architecture: 'amd64' });
    const a = index([amdEntry, att('{"a":1}', amdEntry.digest)]);
    const b = index([amdEntry, att('{"a":2}', amdEntry.digest)]);
    const t = texts(await diff(a, b));
    assert.equal(t.length, 1, t.join('\n'));
    assert.match(t[0]!, /^manifests\[attestation-manifest of linux\/amd64\]: sha256:/);
  });
});
