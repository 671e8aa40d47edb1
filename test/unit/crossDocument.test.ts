// The cross-document rule family (core/checks/crossDocument.ts) in isolation: each rule on a document and what is
// known of the blobs it names, with the exact range, the message naming the other document, the fix, and the
// silence of the agreeing case. The real images are in test/verify/crossDocument.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, applyEdits, fixesFor, resolve, type Finding } from '../../server/src/core/index';
import {
  checkAcross,
  checkDiffIds,
  checkDockerManifestJson,
  digestOfMemberName,
  layerTypeFor,
  type KnownBlob,
} from '../../server/src/core/checks/crossDocument';
import { checkLayerContent } from '../../server/src/core/checks/layer';
import { resolveSeverity } from '../../server/src/core/codes';
import { parseJson } from '../../server/src/core/json/document';
import type { DocumentKind } from '../../server/src/core/kinds';
import { descriptorsOf } from '../../server/src/core/model';
import { blobUri, parseBlobUri } from '../../server/src/protocol';
import { covered, expectNone, expectOne } from '../helpers';

const D = (c: string): string => `sha256:${c.repeat(64)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';

/** Runs the family on `text` as `kind` with `known`, returning findings in offsets of the text. */
function across(text: string, kind: DocumentKind, known: Record<string, KnownBlob>): Finding[] {
  const json = parseJson(text);
  const out: Finding[] = [];
  checkAcross({
    kind,
    root: json.value,
    descriptors: descriptorsOf(kind, json.value),
    known: (d) => known[d],
    report: (rule, at, message, data) =>
      out.push({
        code: rule.code,
        severity: rule.severity,
        message,
        ...resolve(json, at),
        ...(data ? { data } : {}),
      }),
  });
  return out;
}

const fix = (text: string, f: Finding, kind: DocumentKind) => {
  const fixes = fixesFor(analyze(text, { kind }), f);
  assert.equal(fixes.length, 1, JSON.stringify(fixes));
  return { title: fixes[0]!.title, text: applyEdits(text, fixes[0]!.edits) };
};

const config = (c: Record<string, unknown>): KnownBlob => ({ kind: 'image-config', value: c });
const manifest = (m: Record<string, unknown>): KnownBlob => ({
  kind: 'image-manifest',
  value: { schemaVersion: 2, mediaType: MANIFEST, ...m },
});

function index(entries: Record<string, unknown>[]): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: entries }, null, 2);
}

test('platform: each field the config states must agree; the fix sets them one by one, inserting what is missing', () => {
  const known = {
    [D('m')]: manifest({
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D('c'), size: 2 },
    }),
    [D('c')]: config({ os: 'linux', architecture: 'arm64', variant: 'v8' }),
  };
  const text = index([
    { mediaType: MANIFEST, digest: D('m'), size: 2, platform: { architecture: 'amd64', os: 'linux' } },
  ]);
  const [f, ...rest] = across(text, 'image-index', known);
  assert.deepEqual(rest, []);
  assert.equal(f!.code, 'oci/platform-mismatch');
  assert.equal(covered(text, f!), '"amd64"');
  assert.equal(
    f!.message,
    `manifests[0].platform says linux/amd64, but the config ${D('c')} of the manifest it names (${D('m')}) says linux/arm64/v8: architecture is "amd64", the config says "arm64"; it has no variant, the config says "v8".`,
  );
  const fixed = fix(text, f!, 'image-index');
  assert.equal(fixed.title, 'Set platform to linux/arm64/v8 as the config says');
  assert.deepEqual(JSON.parse(fixed.text).manifests[0].platform, {
    architecture: 'arm64',
    os: 'linux',
    variant: 'v8',
  });
  // A variant the config does not state is no contradiction; an agreeing entry is silent.
  known[D('c')] = config({ os: 'linux', architecture: 'arm64' });
  const agree = index([
    {
      mediaType: MANIFEST,
      digest: D('m'),
      size: 2,
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    },
  ]);
  assert.deepEqual(across(agree, 'image-index', known), []);
  // Without the config (not read), nothing is said.
  assert.deepEqual(across(text, 'image-index', { [D('m')]: known[D('m')]! }), []);
});

test('platform: os.version and the Docker manifest list too', () => {
  const known = {
    [D('m')]: {
      kind: 'docker-manifest' as const,
      value: { schemaVersion: 2, config: { digest: D('c') }, layers: [] },
    },
    [D('c')]: config({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2340' }),
  };
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifests: [
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest: D('m'),
        size: 2,
        platform: { architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.1457' },
      },
    ],
  });
  const [f] = across(text, 'docker-manifest-list', known);
  assert.equal(covered(text, f!), '"10.0.17763.1457"');
});

test("media type: the blob's own mediaType, or (without one) its shape, against the descriptor's", () => {
  const text = index([{ mediaType: INDEX, digest: D('m'), size: 2 }]);
  const [f] = across(text, 'image-index', { [D('m')]: manifest({}) });
  assert.equal(f!.code, 'oci/media-type-conflict');
  assert.equal(covered(text, f!), JSON.stringify(INDEX));
  assert.match(f!.message, new RegExp(`says its own mediaType is "${MANIFEST.replace(/[.+]/g, '\\$&')}"`));
  assert.equal(JSON.parse(fix(text, f!, 'image-index').text).manifests[0].mediaType, MANIFEST);
  const shape = across(text, 'image-index', {
    [D('m')]: { kind: 'image-manifest', value: { schemaVersion: 2, config: {}, layers: [] } },
  });
  assert.match(
    shape[0]!.message,
    /is a manifest \(it has "config" and "layers"\) and has no mediaType of its own/,
  );
  assert.deepEqual(
    across(index([{ mediaType: MANIFEST, digest: D('m'), size: 2 }]), 'image-index', {
      [D('m')]: manifest({}),
    }),
    [],
  );
});

test("artifactType: the manifest's, else its config's media type", () => {
  const text = index([{ mediaType: MANIFEST, digest: D('m'), size: 2, artifactType: 'application/x.sig' }]);
  const art = manifest({
    artifactType: 'application/spdx+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json' },
  });
  const [f] = across(text, 'image-index', { [D('m')]: art });
  assert.equal(f!.code, 'oci/artifact-type-conflict');
  assert.equal(covered(text, f!), '"application/x.sig"');
  assert.equal(
    fix(text, f!, 'image-index').title,
    'Set artifactType to "application/spdx+json" as the manifest says',
  );
  const viaConfig = across(text, 'image-index', {
    [D('m')]: manifest({ config: { mediaType: 'application/vnd.example.config' } }),
  });
  assert.match(
    viaConfig[0]!.message,
    /has no artifactType, and its config's mediaType is "application\/vnd\.example\.config"/,
  );
  assert.deepEqual(
    across(index([{ mediaType: MANIFEST, digest: D('m'), size: 2 }]), 'image-index', { [D('m')]: art }),
    [],
  );
});

test('layers: against the DiffIDs (on "layers"), then the history (on "config"); silent when they agree', () => {
  const m = (layers: number) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D('c'), size: 2 },
      layers: Array.from({ length: layers }, (_, i) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: D(String(i)),
        size: 1,
      })),
    });
  const cfg = (ids: number, history: ({ empty_layer?: boolean } | object)[]) =>
    config({
      rootfs: { type: 'layers', diff_ids: Array.from({ length: ids }, (_, i) => D(String(i))) },
      history,
    });
  const text = m(2);
  const [first, ...rest] = across(text, 'image-manifest', { [D('c')]: cfg(1, [{}]) });
  assert.deepEqual(rest, [], 'the history is not compared when the DiffIDs already disagree');
  assert.equal(first!.code, 'oci/layers-diff-ids-count');
  assert.equal(covered(text, first!), '"layers"');
  const [f] = across(text, 'image-manifest', { [D('c')]: cfg(2, [{}, { empty_layer: true }, {}, {}]) });
  assert.equal(f!.code, 'oci/history-layers-count');
  assert.equal(covered(text, f!), '"config"');
  assert.match(f!.message, /has 3 history entries that are not empty_layer, but the manifest has 2 layers/);
  assert.deepEqual(across(text, 'image-manifest', { [D('c')]: cfg(2, [{}, { empty_layer: true }, {}]) }), []);
});

test('compression: gzip, zstd, tar by the first bytes against the media type; the zstd:chunked and eStargz annotations', () => {
  const layer = (mediaType: string, annotations?: Record<string, string>) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D('c'), size: 2 },
      layers: [{ mediaType, digest: D('l'), size: 9, ...(annotations ? { annotations } : {}) }],
    });
  const cases: [string, KnownBlob['compression'], string | undefined][] = [
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'gzip', 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'none', 'application/vnd.oci.image.layer.v1.tar'],
    [
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'none',
      'application/vnd.docker.image.rootfs.diff.tar',
    ],
    ['application/vnd.oci.image.layer.v1.tar', 'unknown', undefined],
  ];
  for (const [mt, actual, replacement] of cases) {
    const text = layer(mt);
    const found = across(text, 'image-manifest', {
      [D('l')]: { compression: actual, compressionDetail: 'xz' },
    });
    assert.equal(found.length, 1, mt);
    assert.equal(found[0]!.code, 'oci/layer-compression-mismatch');
    assert.equal(covered(text, found[0]!), JSON.stringify(mt));
    if (replacement)
      assert.equal(JSON.parse(fix(text, found[0]!, 'image-manifest').text).layers[0].mediaType, replacement);
    else assert.match(found[0]!.message, /xz, neither gzip, zstd nor a tar/);
  }
  // Agreeing bytes, encrypted and foreign-to-us types: silent.
  for (const [mt, actual] of [
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.oci.image.layer.v1.tar+gzip+encrypted', 'unknown'],
    ['application/vnd.in-toto+json', 'unknown'],
  ] as const)
    assert.deepEqual(across(layer(mt), 'image-manifest', { [D('l')]: { compression: actual } }), [], mt);
  const chunked = layer('application/vnd.oci.image.layer.v1.tar+gzip', {
    'io.github.containers.zstd-chunked.manifest-position': '1:2:3:1',
    'containerd.io/snapshot/stargz/toc.digest': D('t'),
  });
  const ann = across(chunked, 'image-manifest', { [D('l')]: { compression: 'gzip' } });
  assert.deepEqual(
    ann.map((f) => covered(chunked, f)),
    ['"io.github.containers.zstd-chunked.manifest-position"'],
  );
  const estargz = across(
    layer('application/vnd.oci.image.layer.v1.tar+zstd', {
      'containerd.io/snapshot/stargz/toc.digest': D('t'),
    }),
    'image-manifest',
    { [D('l')]: { compression: 'zstd' } },
  );
  assert.equal(estargz[0]!.code, 'oci/layer-compression-annotation');
  assert.match(estargz[0]!.message, /describes an eStargz layer \(gzip\)/);
});

test('layerTypeFor swaps only the compression, in OCI and Docker names, nondistributable and foreign too', () => {
  assert.equal(
    layerTypeFor('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'zstd'),
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  );
  assert.equal(
    layerTypeFor('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'none'),
    'application/vnd.docker.image.rootfs.foreign.diff.tar',
  );
  assert.equal(layerTypeFor('application/vnd.oci.image.layer.v1.tar+gzip', 'unknown'), undefined);
  assert.equal(layerTypeFor('application/octet-stream', 'gzip'), undefined);
});

test('attestations: a reference that names no entry is found while typing; one that disagrees with the subject, across', () => {
  const att = (reference: string) => ({
    mediaType: MANIFEST,
    digest: D('a'),
    size: 2,
    platform: { architecture: 'unknown', os: 'unknown' },
    annotations: {
      'vnd.docker.reference.type': 'attestation-manifest',
      'vnd.docker.reference.digest': reference,
    },
  });
  const image = {
    mediaType: MANIFEST,
    digest: D('m'),
    size: 2,
    platform: { architecture: 'amd64', os: 'linux' },
  };
  const dangling = index([image, att(D('x'))]);
  const f = expectOne(dangling, 'oci/attestation-reference', JSON.stringify(D('x')), { severity: 'warning' });
  assert.match(f.message, /no entry of this index has that digest/);
  expectNone(index([image, att(D('m'))]), 'oci/attestation-reference');
  // Across: the attestation manifest's subject names another image.
  const text = index([image, att(D('m'))]);
  const found = across(text, 'image-index', { [D('a')]: manifest({ subject: { digest: D('n') } }) });
  assert.equal(found.length, 1);
  assert.match(found[0]!.message, /names "sha256:n+" as its subject/);
  assert.deepEqual(across(text, 'image-index', { [D('a')]: manifest({ subject: { digest: D('m') } }) }), []);
});

test("docker/save-manifest-mismatch: manifest.json's Config and Layers against index.json's images", () => {
  const images = new Map<string, unknown>([
    [D('m'), { config: { digest: D('c') }, layers: [{ digest: D('1') }, { digest: D('2') }] }],
  ]);
  const run = (entries: unknown) => {
    const json = parseJson(JSON.stringify(entries));
    const out: { at: string; message: string }[] = [];
    checkDockerManifestJson(json.value, images, (at, message) =>
      out.push({
        at: covered(json.text, { ...resolve(json, at), code: '', severity: 'error', message }),
        message,
      }),
    );
    return out;
  };
  const blob = (d: string) => `blobs/sha256/${d.slice(7)}`;
  assert.deepEqual(
    run([{ Config: blob(D('c')), RepoTags: ['a:1'], Layers: [blob(D('1')), blob(D('2'))] }]),
    [],
  );
  const swapped = run([{ Config: blob(D('c')), Layers: [blob(D('2')), blob(D('1'))] }]);
  assert.equal(swapped[0]!.at, JSON.stringify(blob(D('2'))));
  assert.match(
    swapped[0]!.message,
    new RegExp(`layers\\[0\\] of the manifest ${D('m')} in index.json .* is ${D('1')}`),
  );
  assert.match(
    run([{ Config: blob(D('9')), Layers: [] }])[0]!.message,
    /no image manifest that index.json reaches has that config/,
  );
  assert.match(
    run([{ Config: blob(D('c')), Layers: [blob(D('1'))] }])[0]!.message,
    /lists 1 layers, but the manifest .* has 2/,
  );
  assert.equal(digestOfMemberName(`${'a'.repeat(64)}.json`), D('a'));
  assert.equal(digestOfMemberName(`abc/${'b'.repeat(64)}.tar`), D('b'));
  assert.equal(digestOfMemberName('abc/layer.tar'), undefined);
});

test("DiffIDs (deep): on the config's diff_ids[i], naming the layer and the manifest; the fix writes the real one", () => {
  const text = JSON.stringify(
    { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D('1'), D('2')] } },
    null,
    2,
  );
  const json = parseJson(text);
  const out: Finding[] = [];
  checkDiffIds(
    json.value,
    [
      { layer: D('a'), diffId: D('1') },
      { layer: D('b'), diffId: D('3') },
    ],
    D('m'),
    (at, message, data) =>
      out.push({ code: 'oci/diff-id-mismatch', severity: 'error', message, ...resolve(json, at), data }),
  );
  assert.equal(out.length, 1);
  assert.equal(covered(text, out[0]!), JSON.stringify(D('2')));
  assert.equal(
    out[0]!.message,
    `rootfs.diff_ids[1] is "${D('2')}", but layer 1 (${D('b')} of the manifest ${D('m')}) decompresses to a tar whose digest is "${D('3')}".`,
  );
  const fixed = fix(text, out[0]!, 'image-config');
  assert.equal(fixed.title, `Set the DiffID to "${D('3').slice(0, 59)}…" as the layer's content says`);
  assert.deepEqual(JSON.parse(fixed.text).rootfs.diff_ids, [D('1'), D('3')]);
});

test("layer content (deep): each hygiene fact under its own code, on the layer's digest; a broken stream once", () => {
  const text = JSON.stringify({ schemaVersion: 2, layers: [{ digest: D('l'), size: 1 }] });
  const json = parseJson(text);
  const run = (a: Parameters<typeof checkLayerContent>[0]) => {
    const out: { code: string; at: string; message: string; severity: string }[] = [];
    checkLayerContent(a, ['layers', 0], D('l'), (rule, at, message) =>
      out.push({
        code: rule.code,
        at: text.slice(resolve(json, at).offset, resolve(json, at).offset + resolve(json, at).length),
        message,
        severity: resolveSeverity(rule.code) as string,
      }),
    );
    return out;
  };
  const facts = (findings: { rule: string; message: string }[]) =>
    ({
      valid: true,
      endMarker: true,
      trailingBytes: 0,
      trailingNonZero: 0,
      counts: {
        entries: 2,
        files: 2,
        directories: 0,
        symlinks: 0,
        hardlinks: 0,
        other: 0,
        whiteouts: 0,
        opaqueWhiteouts: 0,
      },
      findings: findings.map((f) => ({ ...f, severity: 'error', path: 'a', offset: 0 })),
      findingsDropped: 0,
      pathsLimited: false,
    }) as never;
  const all = run({
    compression: 'gzip',
    tarFacts: facts([
      { rule: 'duplicate-path', message: 'The layer has two entries for "a".' },
      { rule: 'whiteout-without-name', message: 'The entry "a/.wh." is a whiteout without a name.' },
      { rule: 'whiteout-not-empty-file', message: 'The whiteout is a directory.' },
      { rule: 'sparse-file', message: 'The entry is sparse.' },
      { rule: 'whiteout-same-layer', message: 'The whiteout names a path the layer has.' },
    ]),
  });
  assert.deepEqual(
    all.map((f) => `${f.code} ${f.severity}`),
    [
      'oci/layer-duplicate-path error',
      'oci/layer-whiteout-name warning',
      'oci/layer-whiteout-file warning',
      'oci/layer-sparse-file warning',
      'oci/layer-whiteout-same-layer info',
    ],
  );
  assert.ok(all.every((f) => f.at === JSON.stringify(D('l'))));
  assert.equal(all[0]!.message, `layers[0] (${D('l')}): the layer has two entries for "a".`);
  const broken = run({
    compression: 'gzip',
    decompressError: 'The gzip stream cannot be decompressed: unexpected end of file.',
  });
  assert.deepEqual(
    broken.map((f) => f.code),
    ['oci/layer-not-tar'],
  );
  assert.deepEqual(
    run({ compression: 'unknown' }),
    [],
    "what the bytes are is the compression rule's to say",
  );
});

test('the oci-blob: URI: one URI per blob and per root file, read back by either side, the locator encoded once', () => {
  const locator = 'file:///tmp/a%20b/image.tar';
  const uri = blobUri({ source: 'archive', locator, digest: D('a') });
  assert.equal(
    uri,
    `oci-blob://archive/sha256/${'a'.repeat(64)}/${'a'.repeat(12)}.json?${encodeURIComponent(locator)}`,
  );
  assert.deepEqual(parseBlobUri(uri), { source: 'archive', locator, digest: D('a') });
  // As VS Code spells it back (it leaves "/" and ":" unescaped in the query, and escapes "%").
  assert.deepEqual(
    parseBlobUri(`oci-blob://archive/sha256/${'a'.repeat(64)}/x.json?file%3A///tmp/a%2520b/image.tar`),
    {
      source: 'archive',
      locator,
      digest: D('a'),
    },
  );
  const root = blobUri({ source: 'archive', locator, root: 'index.json' });
  assert.deepEqual(parseBlobUri(root), { source: 'archive', locator, root: 'index.json' });
  for (const bad of [
    'file:///x',
    'oci-blob://archive/index.json',
    'oci-blob://elsewhere/index.json?x',
    'oci-blob://archive/etc/passwd?x',
    'oci-blob://archive/sha256/%ZZ/a.json?x',
  ])
    assert.equal(parseBlobUri(bad), undefined, bad);
});
