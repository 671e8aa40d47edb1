import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, onlyEdited } from '../fixes';
import { expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import {
  annotationsCheck,
  imageReferenceProblem,
  lookAlikeOf,
  refNameProblem,
  spdxProblem,
  urlProblem,
} from '../../server/src/core/checks/annotations';
import { dateTimeProblem } from '../../server/src/core/datetime';

const CODES = annotationsCheck.rules.map((r) => r.code);

/** The spec's manifest with these top-level annotations. */
const withAnnotations = (annotations: Record<string, unknown>): string =>
  j({ ...specManifest(), annotations });
const one = (key: string, value: unknown): string => withAnnotations({ [key]: value });

test('the spec examples produce no annotation findings', () => {
  const layoutIndex = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: 7143,
        digest: 'sha256:0228f90e926ba6b96e4f39cf294b2586d38fbb5a1e385c05cd1ee40ea54fe7fd',
        annotations: { 'org.opencontainers.image.ref.name': 'stable-release' },
      },
      {
        mediaType: 'application/xml',
        size: 7143,
        digest: 'sha256:b3d63d132d21c3ff4c35a061adf23cf43da8ae054247e32faa95494d904a007e',
        annotations: {
          'org.freedesktop.specifications.metainfo.version': '1.0',
          'org.freedesktop.specifications.metainfo.type': 'AppStream',
        },
      },
    ],
    annotations: { 'com.example.index.revision': 'r124356' },
  };
  // The layout's index.json example, where it belongs: beside an oci-layout file.
  const layout = { fileName: '/img/index.json', besideOciLayout: true };
  for (const [text, origin] of [
    [j(specManifest()), {}],
    [j(specIndex()), {}],
    [j(layoutIndex), layout],
  ] as const) {
    assert.deepEqual(
      lint(text, origin).filter((f) => CODES.includes(f.code)),
      [],
      text,
    );
  }
});

test('typical real-world annotations are clean', () => {
  const text = withAnnotations({
    'org.opencontainers.image.created': '2024-05-01T12:30:00.123456789Z',
    'org.opencontainers.image.authors': 'Jane Doe <jane@example.com>',
    'org.opencontainers.image.url': 'https://example.com/app',
    'org.opencontainers.image.documentation': 'https://example.com/app/docs',
    'org.opencontainers.image.source': 'https://github.com/example/app',
    'org.opencontainers.image.version': '1.2.3',
    'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
    'org.opencontainers.image.vendor': 'Example Inc.',
    'org.opencontainers.image.licenses': '(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0',
    'org.opencontainers.image.ref.name': 'v1.0.0-vendor.0',
    'org.opencontainers.image.title': 'App',
    'org.opencontainers.image.description': '',
    'org.opencontainers.image.base.digest':
      'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
    'org.opencontainers.image.base.name': 'docker.io/library/alpine:3.19',
    'vnd.docker.reference.type': 'attestation-manifest',
    'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2',
    'dev.cosignproject.cosign/signature': 'MEUCIQ==',
    'io.cncf.notary.x509chain.thumbprint#S256': '["abc"]',
  });
  // The reference name on a manifest's own annotations is only a note (it names nothing there).
  assert.deepEqual(
    lint(text)
      .filter((f) => CODES.includes(f.code))
      .map((f) => `${f.code} ${f.severity}`),
    ['oci/ref-name-place info'],
  );
});

test('oci/annotation-value-type: a number, a boolean, null and an object', () => {
  const f = expectOne(one('com.example.replicas', 3.75), 'oci/annotation-value-type', '3.75', {
    severity: 'error',
  });
  assert.deepEqual(f.data, { replacement: '3.75' });
  assert.match(f.message, /"com\.example\.replicas".*must be strings/);
  expectOne(one('com.example.enabled', true), 'oci/annotation-value-type', 'true');
  expectOne(one('com.example.x', null), 'oci/annotation-value-type', 'null');
  expectOne(
    j({ ...specManifest(), annotations: { 'com.example.x': { a: '1' } } }),
    'oci/annotation-value-type',
    '{\n      "a": "1"\n    }',
  );
  expectNone(one('com.example.replicas', '3'), 'oci/annotation-value-type');
  // On descriptors as well.
  const m = specManifest();
  const layer = { ...m.layers[0]!, annotations: { 'com.example.n': false } };
  expectOne(j({ ...m, layers: [layer] }), 'oci/annotation-value-type', 'false');
});

test('oci/annotation-format: created is an RFC 3339 date-time', () => {
  const f = expectOne(
    one('org.opencontainers.image.created', '2024-05-01 12:30:00Z'),
    'oci/annotation-format',
    '"2024-05-01 12:30:00Z"',
    { severity: 'warning' },
  );
  assert.deepEqual(f.data, { replacement: '2024-05-01T12:30:00Z' });
  expectOne(one('org.opencontainers.image.created', '2024-05-01'), 'oci/annotation-format', '"2024-05-01"');
  expectOne(
    one('org.opencontainers.image.created', '2024-05-01T12:30:00'),
    'oci/annotation-format',
    '"2024-05-01T12:30:00"',
  );
  expectOne(
    one('org.opencontainers.image.created', '2023-02-29T00:00:00Z'),
    'oci/annotation-format',
    '"2023-02-29T00:00:00Z"',
  );
  expectNone(one('org.opencontainers.image.created', '2024-02-29T00:00:00+02:00'), 'oci/annotation-format');
  // An empty value is allowed for any key.
  expectNone(one('org.opencontainers.image.created', ''), 'oci/annotation-format');
});

test('oci/annotation-format: url, documentation and source are URLs', () => {
  const f = expectOne(
    one('org.opencontainers.image.source', 'github.com/example/app'),
    'oci/annotation-format',
    '"github.com/example/app"',
  );
  assert.deepEqual(f.data, { replacement: 'https://github.com/example/app' });
  const g = expectOne(
    one('org.opencontainers.image.source', 'git@github.com:example/app.git'),
    'oci/annotation-format',
    '"git@github.com:example/app.git"',
  );
  assert.deepEqual(g.data, { replacement: 'https://github.com/example/app.git' });
  expectOne(
    one('org.opencontainers.image.url', 'see the README'),
    'oci/annotation-format',
    '"see the README"',
  );
  expectOne(one('org.opencontainers.image.documentation', 'https://'), 'oci/annotation-format', '"https://"');
  expectNone(
    one('org.opencontainers.image.source', 'git+ssh://git@github.com/example/app.git'),
    'oci/annotation-format',
  );
});

test('oci/annotation-format: ref.name follows the reference grammar', () => {
  const f = expectOne(
    one('org.opencontainers.image.ref.name', 'v1 final'),
    'oci/annotation-format',
    '"v1 final"',
  );
  assert.match(f.message, /a space/);
  expectOne(one('org.opencontainers.image.ref.name', '-v1'), 'oci/annotation-format', '"-v1"');
  expectOne(one('org.opencontainers.image.ref.name', 'a//b'), 'oci/annotation-format', '"a//b"');
  for (const ok of ['v1.0', 'stable-release', 'example.com/app:1.0', 'a--b', 'v1+build.5', 'name@sha256']) {
    expectNone(one('org.opencontainers.image.ref.name', ok), 'oci/annotation-format');
  }
});

test('oci/annotation-format: base.digest is a digest, base.name a fully qualified reference', () => {
  const f = expectOne(
    one(
      'org.opencontainers.image.base.digest',
      'sha256:5B0BCABD1ED22E9FB1310CF6C2DEC7CDEF19F0AD69EFA1F392E94A4333501270',
    ),
    'oci/annotation-format',
    '"sha256:5B0BCABD1ED22E9FB1310CF6C2DEC7CDEF19F0AD69EFA1F392E94A4333501270"',
  );
  assert.deepEqual(f.data, {
    replacement: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
  });
  expectNone(
    one(
      'org.opencontainers.image.base.digest',
      'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
    ),
    'oci/annotation-format',
  );
  const g = expectOne(
    one('org.opencontainers.image.base.name', 'my-org/my-image:tag'),
    'oci/annotation-format',
    '"my-org/my-image:tag"',
  );
  assert.match(g.message, /not fully qualified/);
  assert.deepEqual(g.data, { replacement: 'docker.io/my-org/my-image:tag' });
  expectOne(
    one('org.opencontainers.image.base.name', 'registry.example.com/My-Org/img'),
    'oci/annotation-format',
    '"registry.example.com/My-Org/img"',
  );
  expectNone(
    one('org.opencontainers.image.base.name', 'registry.example.com/my-org/my-image:tag'),
    'oci/annotation-format',
  );
  expectNone(
    one(
      'org.opencontainers.image.base.name',
      'localhost:5000/img@sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
    ),
    'oci/annotation-format',
  );
});

test('oci/annotation-format: licenses is an SPDX expression (syntax only)', () => {
  const f = expectOne(
    one('org.opencontainers.image.licenses', 'MIT, Apache-2.0'),
    'oci/annotation-format',
    '"MIT, Apache-2.0"',
  );
  assert.match(f.message, /"AND".*"OR"/);
  const g = expectOne(
    one('org.opencontainers.image.licenses', 'MIT or Apache-2.0'),
    'oci/annotation-format',
    '"MIT or Apache-2.0"',
  );
  assert.deepEqual(g.data, { replacement: 'MIT OR Apache-2.0' });
  expectOne(one('org.opencontainers.image.licenses', 'Apache 2.0'), 'oci/annotation-format', '"Apache 2.0"');
  expectOne(
    one('org.opencontainers.image.licenses', '(MIT OR Apache-2.0'),
    'oci/annotation-format',
    '"(MIT OR Apache-2.0"',
  );
  // Unknown identifiers are fine: the license list is not checked.
  for (const ok of [
    'MIT OR Apache-2.0',
    'LicenseRef-Proprietary',
    'GPL-2.0+ WITH Bison-exception-2.2',
    'DocumentRef-spdx:LicenseRef-x AND MadeUp-1.0',
    'NOASSERTION',
  ]) {
    expectNone(one('org.opencontainers.image.licenses', ok), 'oci/annotation-format');
  }
});

test('oci/annotation-look-alike: misspelled pre-defined keys', () => {
  const f = expectOne(
    one('org.opencontainers.image.license', 'MIT'),
    'oci/annotation-look-alike',
    '"org.opencontainers.image.license"',
    { severity: 'warning' },
  );
  assert.deepEqual(f.data, { replacement: 'org.opencontainers.image.licenses' });
  assert.deepEqual(
    expectOne(
      one('org.opencontainers.image.create', 'x'),
      'oci/annotation-look-alike',
      '"org.opencontainers.image.create"',
    ).data,
    {
      replacement: 'org.opencontainers.image.created',
    },
  );
  assert.deepEqual(
    expectOne(
      one('org.opencontainer.image.title', 'x'),
      'oci/annotation-look-alike',
      '"org.opencontainer.image.title"',
    ).data,
    {
      replacement: 'org.opencontainers.image.title',
    },
  );
  assert.deepEqual(
    expectOne(
      one('org.opencontainers.image.Source', 'x'),
      'oci/annotation-look-alike',
      '"org.opencontainers.image.Source"',
    ).data,
    {
      replacement: 'org.opencontainers.image.source',
    },
  );
  assert.deepEqual(
    expectOne(
      one('org.opencontainers.image.vcs-ref', 'x'),
      'oci/annotation-look-alike',
      '"org.opencontainers.image.vcs-ref"',
    ).data,
    {
      replacement: 'org.opencontainers.image.revision',
    },
  );
  expectNone(one('org.opencontainers.image.licenses', 'MIT'), 'oci/annotation-look-alike');
  expectNone(one('org.opencontainers.image.title', 'x'), 'oci/annotation-look-alike');
  // Short names are not guessed from distant typos.
  expectNone(one('org.opencontainers.image.foo', 'x'), 'oci/annotation-look-alike');
});

test('oci/annotation-reserved: unknown keys in the org.opencontainers namespace', () => {
  const f = expectOne(
    one('org.opencontainers.image.buildNumber', '42'),
    'oci/annotation-reserved',
    '"org.opencontainers.image.buildNumber"',
    { severity: 'warning' },
  );
  assert.match(f.message, /reserved/);
  expectOne(
    one('org.opencontainers.myproject.flag', 'x'),
    'oci/annotation-reserved',
    '"org.opencontainers.myproject.flag"',
  );
  // Keys other OCI texts define are not unknown.
  expectNone(one('org.opencontainers.image.stopSignal', 'SIGTERM'), 'oci/annotation-reserved');
  expectNone(one('org.opencontainers.artifact.created', '2024-01-01T00:00:00Z'), 'oci/annotation-reserved');
  expectNone(one('com.example.buildNumber', '42'), 'oci/annotation-reserved');
});

test('oci/annotation-legacy-key: Label Schema keys with an OCI equivalent', () => {
  const f = expectOne(
    one('org.label-schema.vcs-url', 'https://github.com/example/app'),
    'oci/annotation-legacy-key',
    '"org.label-schema.vcs-url"',
    { severity: 'info' },
  );
  assert.deepEqual(f.data, { replacement: 'org.opencontainers.image.source' });
  expectOne(
    one('org.label-schema.build-date', '2024-01-01T00:00:00Z'),
    'oci/annotation-legacy-key',
    '"org.label-schema.build-date"',
  );
  // No equivalent, nothing to suggest.
  expectNone(one('org.label-schema.schema-version', '1.0'), 'oci/annotation-legacy-key');
  expectNone(
    one('org.opencontainers.image.source', 'https://github.com/example/app'),
    'oci/annotation-legacy-key',
  );
});

test('oci/annotation-key-form: keys not in reverse domain notation', () => {
  const f = expectOne(one('maintainer', 'me'), 'oci/annotation-key-form', '"maintainer"', {
    severity: 'warning',
  });
  assert.match(f.message, /com\.example\.maintainer/);
  expectOne(one('', 'x'), 'oci/annotation-key-form', '""');
  expectOne(one('com.example.my key', 'x'), 'oci/annotation-key-form', '"com.example.my key"');
  expectOne(one('com..example', 'x'), 'oci/annotation-key-form', '"com..example"');
  expectNone(one('com.example.maintainer', 'me'), 'oci/annotation-key-form');
});

test('annotations are checked on the index, its entries, and descriptor documents; config labels too', () => {
  const idx = specIndex();
  const entry = { ...idx.manifests[0]!, annotations: { 'org.opencontainers.image.license': 'MIT' } };
  expectOne(
    j({ ...idx, manifests: [entry, idx.manifests[1]] }),
    'oci/annotation-look-alike',
    '"org.opencontainers.image.license"',
  );
  const d = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: specManifest().subject.digest,
    size: 7682,
    annotations: { maintainer: 'x' },
  };
  expectOne(j(d), 'oci/annotation-key-form', '"maintainer"');
  // config.md: Labels follow the annotation rules.
  const config = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
    config: { Labels: { maintainer: 'x', 'org.label-schema.name': 'x' } },
  };
  const form = expectOne(j(config), 'oci/annotation-key-form', '"maintainer"', { severity: 'warning' });
  assert.match(form.message, /^Label key "maintainer" has no namespace/);
  expectOne(j(config), 'oci/annotation-legacy-key', '"org.label-schema.name"', { severity: 'info' });
  assert.deepEqual(
    lint(j(config))
      .filter((f) => CODES.includes(f.code))
      .map((f) => f.code),
    ['oci/annotation-key-form', 'oci/annotation-legacy-key'],
  );
});

test('wrong shapes never throw', () => {
  for (const annotations of [null, 1, 'x', [], [['a', 'b']]]) {
    assert.ok(!lint(j({ ...specManifest(), annotations })).some((f) => f.code === 'oci/internal-error'));
  }
});

test('value-format helpers', () => {
  assert.equal(dateTimeProblem('2024-05-01T12:30:00Z'), undefined);
  assert.equal(dateTimeProblem('2024-05-01t12:30:60.5-05:30'), undefined);
  assert.ok(dateTimeProblem('2024-13-01T00:00:00Z'));
  assert.deepEqual(dateTimeProblem('2024-05-01T12:30:00+0200')?.replacement, '2024-05-01T12:30:00+02:00');
  assert.ok(dateTimeProblem('1714566600')?.says.includes('Unix timestamp'));
  assert.equal(urlProblem('https://example.com'), undefined);
  assert.equal(urlProblem(' https://example.com ')?.replacement, 'https://example.com');
  assert.equal(refNameProblem('a/b/c'), undefined);
  assert.ok(refNameProblem('a/'));
  assert.equal(imageReferenceProblem('[::1]:5000/x:1'), undefined);
  assert.equal(imageReferenceProblem('alpine')?.replacement, 'docker.io/library/alpine');
  assert.ok(imageReferenceProblem('example.com/x:-bad'));
  assert.equal(spdxProblem('((MIT))'), undefined);
  assert.ok(spdxProblem('MIT AND'));
  assert.ok(spdxProblem('MIT)'));
  assert.ok(spdxProblem('(MIT) WITH X'));
  assert.ok(spdxProblem('MIT WITH X+'));
  assert.ok(spdxProblem('   '));
  assert.equal(lookAlikeOf('com.example.license'), undefined);
  assert.equal(lookAlikeOf('org.opencontainers.created'), 'org.opencontainers.image.created');
  assert.equal(lookAlikeOf('org.opencontainers.images.url'), 'org.opencontainers.image.url');
});

test('deep parentheses in a license expression are linear, not recursive', () => {
  const deep = `${'('.repeat(50_000)}MIT${')'.repeat(50_000)}`;
  assert.equal(spdxProblem(deep), undefined);
});

describe('quick-fixes: annotations and keys', () => {
  test('org.opencontainers.image.license → ...licenses', () => {
    const before = j({ ...specManifest(), annotations: { 'org.opencontainers.image.license': 'MIT' } });
    const r = applyFix(before, 'oci/annotation-look-alike');
    assert.ok(r.after.includes('"org.opencontainers.image.licenses": "MIT"'));
    onlyEdited(before, r);
  });

  test('when ...licenses is already set, the misspelt key is removed instead (not preferred)', () => {
    const before = j({
      ...specManifest(),
      annotations: { 'org.opencontainers.image.licenses': 'MIT', 'org.opencontainers.image.license': 'MIT' },
    });
    const r = applyFix(before, 'oci/annotation-look-alike', { preferred: false });
    assert.ok(!r.after.includes('image.license"'));
  });

  test('a Label Schema key → its OCI key; a number value → a string', () => {
    applyFix(
      j({ ...specManifest(), annotations: { 'org.label-schema.vcs-url': 'https://example.com/repo' } }),
      'oci/annotation-legacy-key',
    );
    applyFix(j({ ...specManifest(), annotations: { 'com.example.count': 3 } }), 'oci/annotation-value-type');
  });
});

// ---- annotations real tools write ----------------------------------------------------------------------------

const LAYOUT = { fileName: '/img/index.json', besideOciLayout: true };
const hex = (c: string): string => `sha256:${c.repeat(64)}`;

test('zstd:chunked and eStargz layer annotations (containers/storage, stargz-snapshotter) get no finding', () => {
  const m = specManifest();
  m.layers[0] = {
    ...m.layers[0]!,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
    annotations: {
      'io.github.containers.zstd-chunked.manifest-checksum': hex('a'),
      'io.github.containers.zstd-chunked.manifest-position': '2163:611:1642:1',
      'io.github.containers.zstd-chunked.tarsplit-position': '2782:188:1920',
    },
  } as (typeof m.layers)[0];
  m.layers[1] = {
    ...m.layers[1]!,
    annotations: {
      'containerd.io/snapshot/stargz/toc.digest': hex('b'),
      'io.containers.estargz.uncompressed-size': '81402368',
    },
  } as (typeof m.layers)[0];
  assert.deepEqual(lint(j(m)), []);
});

test("the referrer keys proposed for the layout (olareg) are not claims on the reserved namespace; their digest's format is", () => {
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: hex('c'),
        size: 310,
        annotations: { 'org.opencontainers.image.referrer.subject': hex('d') },
      },
    ],
    annotations: { 'org.opencontainers.image.referrer.convert': 'true' },
  };
  assert.deepEqual(lint(j(index), LAYOUT), []);
  index.manifests[0]!.annotations['org.opencontainers.image.referrer.subject'] = hex('D');
  const f = expectOne(j(index), 'oci/annotation-format', JSON.stringify(hex('D')), LAYOUT);
  assert.equal(f.data?.replacement, hex('d'));
  // A look-alike of a proposed key is still an unknown key in the reserved namespace.
  expectOne(
    j({ ...index, annotations: { 'org.opencontainers.image.referrer.converted': 'true' } }),
    'oci/annotation-reserved',
    '"org.opencontainers.image.referrer.converted"',
    LAYOUT,
  );
});

test('config labels: values are strings (one finding, not a schema type error too), formats and the reserved namespace', () => {
  const config = (Labels: Record<string, unknown>) =>
    j({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels } });
  const v = expectOne(config({ 'com.example.port': 8080 }), 'oci/annotation-value-type', '8080', {
    severity: 'error',
  });
  assert.match(
    v.message,
    /^Label "com\.example\.port" has the number 8080 as its value; label values must be strings/,
  );
  assert.equal(v.data?.replacement, '8080');
  expectNone(config({ 'com.example.port': 8080 }), 'oci/type');
  expectOne(
    config({ 'org.opencontainers.image.created': 'yesterday' }),
    'oci/annotation-format',
    '"yesterday"',
  );
  expectOne(
    config({ 'org.opencontainers.image.license': 'MIT' }),
    'oci/annotation-look-alike',
    '"org.opencontainers.image.license"',
  );
  expectOne(
    config({ 'org.opencontainers.example': 'x' }),
    'oci/annotation-reserved',
    '"org.opencontainers.example"',
  );
  // Docker configs too.
  const docker = JSON.parse(config({ maintainer: 'x' })) as Record<string, unknown>;
  expectOne(j(docker), 'oci/annotation-key-form', '"maintainer"', { kind: 'docker-config' });
  // The spec's config example (reverse-domain labels) is clean.
  assert.deepEqual(lint(config({ 'com.example.project.git.url': 'https://example.com/project.git' })), []);
  const labelsNotObject = JSON.parse(config({})) as { config: { Labels: unknown } };
  labelsNotObject.config.Labels = ['a'];
  expectOne(j(labelsNotObject), 'oci/type', '[\n      "a"\n    ]');
});

test("oci/ref-name-place: the reference name belongs on the entries of a layout's index.json", () => {
  const named = (d: Record<string, unknown>, name = 'v1') => ({
    ...d,
    annotations: { 'org.opencontainers.image.ref.name': name },
  });
  const idx = specIndex();
  const index = j({ ...idx, manifests: [named(idx.manifests[0]!), idx.manifests[1]] });
  // On an entry of a layout's index.json: nothing to say.
  expectNone(index, 'oci/ref-name-place', LAYOUT);
  // The same index elsewhere (a nested index blob, a registry index): a note on the key.
  const f = expectOne(index, 'oci/ref-name-place', '"org.opencontainers.image.ref.name"', {
    severity: 'info',
  });
  assert.match(f.message, /this index is not one .* do not read it on manifests\[0\]\.$/);
  // One note for all the entries of such an index, on the first, counting the others.
  const all = j({
    ...idx,
    manifests: [named(idx.manifests[0]!, 'a'), named(idx.manifests[1]!, 'b'), named(idx.manifests[1]!, 'c')],
  });
  const once = expectOne(all, 'oci/ref-name-place', '"org.opencontainers.image.ref.name"', { occurrence: 0 });
  assert.match(once.message, /on manifests\[0\] nor on the 2 other entries that carry it\.$/);
  // The layout index's own annotations, a manifest's layer, its own annotations, a config label.
  expectOne(
    j({ ...idx, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }),
    'oci/ref-name-place',
    '"org.opencontainers.image.ref.name"',
    LAYOUT,
  );
  const m = specManifest();
  expectOne(
    j({ ...m, layers: [named(m.layers[0]!), m.layers[1], m.layers[2]] }),
    'oci/ref-name-place',
    '"org.opencontainers.image.ref.name"',
  );
  expectOne(
    j({ ...m, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }),
    'oci/ref-name-place',
    '"org.opencontainers.image.ref.name"',
  );
  const config = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
    config: { Labels: { 'org.opencontainers.image.ref.name': 'v1' } },
  };
  assert.match(
    expectOne(j(config), 'oci/ref-name-place', '"org.opencontainers.image.ref.name"').message,
    /as a config label/,
  );
  // Its format is still checked wherever it is.
  expectOne(
    j({ ...m, annotations: { 'org.opencontainers.image.ref.name': 'a b' } }),
    'oci/annotation-format',
    '"a b"',
  );
});
