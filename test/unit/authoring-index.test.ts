/**
 * Building and editing indexes (server/src/core/authoring/buildIndex.ts) and promoting labels to annotations
 * (labels.ts): platforms from configs read through a content source, attestations kept with their image, minimal
 * edits, results that lint clean.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addToIndex,
  createIndex,
  removeFromIndex,
  type IndexInput,
} from '../../server/src/core/authoring/buildIndex';
import { promoteLabels } from '../../server/src/core/authoring/labels';
import { MT } from '../../server/src/core/catalog/core';
import { applyEdits } from '../../server/src/core/index';
import { descriptorOf, memorySource, sha256 } from '../layouts';

const config = (arch: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) =>
  JSON.stringify({
    architecture: arch,
    os: 'linux',
    ...extra,
    config: { Labels: labels },
    rootfs: { type: 'layers', diff_ids: [] },
  });
const manifest = (cfg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, cfg),
    layers: [descriptorOf(MT.layerGzip, cfg)],
    ...extra,
  });
const attestation = (of: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.manifest,
    artifactType: 'application/vnd.docker.attestation.manifest.v1+json',
    config: { mediaType: MT.empty, digest: sha256('{}'), size: 2, data: 'e30=' },
    layers: [descriptorOf('application/vnd.in-toto+json', '{"_type":"https://in-toto.io/Statement/v1"}')],
    subject: descriptorOf(MT.manifest, of),
  });

const amdConfig = config('amd64');
const armConfig = config('arm64', { variant: 'v8' });
const winConfig = config('amd64', { os: 'windows', 'os.version': '10.0.20348.2582' });
const amd = manifest(amdConfig);
const arm = manifest(armConfig);
const source = memorySource([amdConfig, armConfig, winConfig]);
const input = (label: string, text: string): IndexInput => ({ label, text, sources: [source] });
const errorsOf = (findings: { severity: string; code: string }[]) =>
  findings.filter((f) => f.severity === 'error').map((f) => f.code);

describe('index create', () => {
  test('one entry per manifest, platform from each config, annotations given; lints clean', async () => {
    const r = await createIndex(
      [input('amd.json', amd), input('arm.json', arm), input('win.json', manifest(winConfig))],
      { annotations: { 'org.opencontainers.image.source': 'https://example.com/app' } },
    );
    assert.deepEqual(r.problems, []);
    const doc = JSON.parse(r.text) as {
      mediaType: string;
      manifests: Record<string, unknown>[];
      annotations: unknown;
    };
    assert.equal(doc.mediaType, MT.index);
    assert.deepEqual(
      doc.manifests.map((m) => m.platform),
      [
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux', variant: 'v8' },
        { architecture: 'amd64', os: 'windows', 'os.version': '10.0.20348.2582' },
      ],
    );
    assert.equal(doc.manifests[0]!.digest, sha256(amd));
    assert.equal(doc.manifests[1]!.size, Buffer.byteLength(arm));
    assert.deepEqual(doc.annotations, { 'org.opencontainers.image.source': 'https://example.com/app' });
    assert.equal(r.digest, sha256(r.text));
    assert.deepEqual(r.findings, []);
  });

  test('an attestation is kept with its image: after the runnable images, with BuildKit annotations', async () => {
    const amdAtt = attestation(amd);
    const r = await createIndex([input('att', amdAtt), input('amd', amd), input('arm', arm)]);
    assert.deepEqual(r.problems, []);
    const doc = JSON.parse(r.text) as { manifests: Record<string, unknown>[] };
    assert.deepEqual(
      doc.manifests.map((m) => m.digest),
      [sha256(amd), sha256(arm), sha256(amdAtt)],
    );
    assert.deepEqual(doc.manifests[2], {
      mediaType: MT.manifest,
      digest: sha256(amdAtt),
      size: Buffer.byteLength(amdAtt),
      annotations: {
        'vnd.docker.reference.digest': sha256(amd),
        'vnd.docker.reference.type': 'attestation-manifest',
      },
      platform: { architecture: 'unknown', os: 'unknown' },
    });
    assert.deepEqual(errorsOf(r.findings), []);
  });

  test('refused: two manifests for one platform; an attestation without its image; a config not available', async () => {
    const amd2 = manifest(config('amd64', { created: '2024-01-01T00:00:00Z' }));
    const r = await createIndex([
      input('amd', amd),
      {
        label: 'amd2',
        text: amd2,
        sources: [memorySource([config('amd64', { created: '2024-01-01T00:00:00Z' })])],
      },
    ]);
    assert.match(
      r.problems.join('\n'),
      /^amd2 is linux\/amd64, like amd; an index lists one manifest per platform/,
    );
    assert.equal(r.text, '');
    const lonely = await createIndex([input('att', attestation(arm))]);
    assert.match(lonely.problems[0]!, /belongs to sha256:\S+, which is not in the index; give its image too/);
    const blind = await createIndex([{ label: 'amd', text: amd, sources: [] }]);
    assert.match(
      blind.problems[0]!,
      /^The config of amd \(sha256:\S+\) is not available.*its platform is unknown/,
    );
  });

  test('an index given as input contributes its entries (without layout tags); the same manifest once', async () => {
    const inner = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: [
        descriptorOf(MT.manifest, arm, {
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        }),
      ],
    });
    const r = await createIndex([input('amd', amd), input('index', inner), input('arm', arm)]);
    assert.deepEqual(r.problems, []);
    const doc = JSON.parse(r.text) as { manifests: Record<string, unknown>[] };
    assert.equal(doc.manifests.length, 2);
    assert.equal(doc.manifests[1]!.annotations, undefined);
    assert.match(r.notes.join(' '), /is already listed/);
  });

  test('a Docker manifest list: Docker manifests only, no annotations', async () => {
    const d = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.dockerManifest,
      config: descriptorOf(MT.dockerConfig, amdConfig),
      layers: [],
    });
    const r = await createIndex([input('d', d)], { format: 'docker' });
    assert.deepEqual(r.problems, []);
    assert.equal((JSON.parse(r.text) as { mediaType: string }).mediaType, MT.dockerList);
    const mixed = await createIndex([input('d', d), input('arm', arm)], { format: 'docker' });
    assert.match(mixed.problems[0]!, /^arm is an image in application\/vnd\.oci/);
  });
});

describe('index add and remove', () => {
  const base = (entries: unknown[]) =>
    JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: entries }, null, 3);
  const amdEntry = descriptorOf(MT.manifest, amd, { platform: { architecture: 'amd64', os: 'linux' } });
  const amdAtt = attestation(amd);
  const attEntry = descriptorOf(MT.manifest, amdAtt, {
    annotations: {
      'vnd.docker.reference.digest': sha256(amd),
      'vnd.docker.reference.type': 'attestation-manifest',
    },
    platform: { architecture: 'unknown', os: 'unknown' },
  });

  test('add: the image goes after the last image, its attestation at the end; the rest of the text is untouched', async () => {
    const text = base([amdEntry, attEntry]);
    const r = await addToIndex(text, [input('arm', arm), input('armAtt', attestation(arm))]);
    assert.deepEqual(r.problems, []);
    assert.equal(r.edits.length, 2);
    assert.ok(
      r.edits.every((e) => e.length === 0),
      'insertions only',
    );
    assert.equal(applyEdits(text, r.edits), r.text);
    const doc = JSON.parse(r.text) as { manifests: { digest: string; platform: unknown }[] };
    assert.deepEqual(
      doc.manifests.map((m) => m.digest),
      [sha256(amd), sha256(arm), sha256(amdAtt), sha256(attestation(arm))],
    );
    // Laid out like its neighbours (three-space indentation).
    assert.ok(
      r.text.includes(
        `,\n      {\n         "mediaType": "${MT.manifest}",\n         "digest": "${sha256(arm)}"`,
      ),
    );
    assert.deepEqual(errorsOf(r.findings), []);
  });

  test('add: a platform already listed is refused; a digest already listed is noted and skipped', async () => {
    const text = base([amdEntry]);
    const amd2Config = config('amd64', { created: '2024-01-01T00:00:00Z' });
    const r = await addToIndex(text, [
      { label: 'amd2', text: manifest(amd2Config), sources: [memorySource([amd2Config])] },
    ]);
    assert.match(r.problems[0]!, /like manifests\[0\] of the index/);
    assert.equal(r.text, text);
    const again = await addToIndex(text, [input('amd', amd)]);
    assert.deepEqual(again.problems, []);
    assert.equal(again.text, text);
    assert.match(again.notes[0]!, /already listed \(manifests\[0\]\)/);
  });

  test('remove by platform takes the attestation attached to the image; by digest prefix; unknown is an error', async () => {
    const armEntry = descriptorOf(MT.manifest, arm, {
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    });
    const text = base([amdEntry, armEntry, attEntry]);
    const r = removeFromIndex(text, ['linux/amd64']);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      (JSON.parse(r.text) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
      [sha256(arm)],
    );
    assert.equal(r.entries.length, 2);
    assert.equal(r.text, base([armEntry]));
    const byDigest = removeFromIndex(text, [sha256(arm).slice(0, 7 + 12)]);
    assert.equal(byDigest.text, base([amdEntry, attEntry]));
    assert.equal(
      removeFromIndex(text, ['linux/arm64']).text,
      base([amdEntry, attEntry]),
      'arm64 matches arm64/v8',
    );
    assert.match(
      removeFromIndex(text, ['linux/s390x']).problems[0]!,
      /No entry of the index is for the platform linux\/s390x/,
    );
    assert.match(removeFromIndex(text, ['sha256:ab']).problems[0]!, /No entry|too short/);
  });
});

describe('promote labels to annotations', () => {
  const labelled = (arch: string, labels: Record<string, string>) => config(arch, {}, labels);

  test('a manifest: the OCI labels of its config become its annotations, in a new member after layers', async () => {
    const cfg = labelled('amd64', {
      'org.opencontainers.image.description': 'An app',
      'org.opencontainers.image.source': 'https://example.com/app',
      'com.example.team': 'a',
    });
    const text = JSON.stringify(JSON.parse(manifest(cfg)), null, 2);
    const r = await promoteLabels(text, [memorySource([cfg])]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.promoted.map((p) => p.key),
      ['org.opencontainers.image.description', 'org.opencontainers.image.source'],
    );
    assert.equal(r.edits.length, 1);
    assert.equal(r.edits[0]!.length, 0, 'an insertion');
    assert.ok(
      text.endsWith(r.text.slice(r.edits[0]!.offset + r.edits[0]!.newText.length)),
      'the rest unchanged',
    );
    assert.deepEqual((JSON.parse(r.text) as { annotations: unknown }).annotations, {
      'org.opencontainers.image.description': 'An app',
      'org.opencontainers.image.source': 'https://example.com/app',
    });
    assert.equal(r.digest, sha256(r.text));
  });

  test('existing annotations are kept (same or different value) and the missing ones added', async () => {
    const cfg = labelled('amd64', {
      'org.opencontainers.image.description': 'From the label',
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.version': '1.0',
    });
    const text = manifest(cfg, {
      annotations: {
        'org.opencontainers.image.description': 'Kept',
        'org.opencontainers.image.title': 'app',
      },
    });
    const r = await promoteLabels(text, [memorySource([cfg])]);
    assert.deepEqual(r.promoted, [{ key: 'org.opencontainers.image.version', value: '1.0' }]);
    assert.deepEqual(
      r.skipped.map((s) => s.key),
      ['org.opencontainers.image.description', 'org.opencontainers.image.title'],
    );
    assert.match(r.skipped[0]!.why, /another value \("Kept"\)/);
    assert.ok(r.text.startsWith(text.slice(0, -2)), 'an insertion into the existing object');
  });

  test('an index: labels the images agree on go to the index; those they disagree on are said', async () => {
    const a = labelled('amd64', {
      'org.opencontainers.image.description': 'App',
      'org.opencontainers.image.version': '1',
    });
    const b = labelled('arm64', {
      'org.opencontainers.image.description': 'App',
      'org.opencontainers.image.version': '2',
    });
    const ma = manifest(a);
    const mb = manifest(b);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: [
        descriptorOf(MT.manifest, ma, { platform: { architecture: 'amd64', os: 'linux' } }),
        descriptorOf(MT.manifest, mb, { platform: { architecture: 'arm64', os: 'linux' } }),
      ],
    });
    const r = await promoteLabels(index, [memorySource([a, b, ma, mb])]);
    assert.deepEqual(r.promoted, [{ key: 'org.opencontainers.image.description', value: 'App' }]);
    assert.match(r.skipped[0]!.why, /images disagree \(linux\/amd64: "1"; linux\/arm64: "2"\)/);
    assert.ok(r.text.endsWith(',"annotations":{"org.opencontainers.image.description":"App"}}'), r.text);
  });

  test('refused: a Docker manifest (no annotations in Docker schema 2); a config not available', async () => {
    const docker = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.dockerManifest,
      config: descriptorOf(MT.dockerConfig, amdConfig),
      layers: [],
    });
    assert.match((await promoteLabels(docker, [source])).problems[0]!, /convert the document to OCI first/);
    assert.match((await promoteLabels(amd, [])).problems[0]!, /^The config \(sha256:\S+\) is not available/);
  });
});
